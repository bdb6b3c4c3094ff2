//! rolecall: find an AWS account and role, assume it with MFA once, and put
//! the credentials where they are needed.

pub mod aws;
pub mod broker;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod limits;
pub mod org;
pub mod output;
pub mod paths;
pub mod service;
pub mod store;
pub mod text;
pub mod time;
pub mod tui;

#[cfg(test)]
mod layering;
