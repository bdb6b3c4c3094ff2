//! rolecall: find an AWS account and role, assume it with MFA once, and put
//! the credentials where they are needed.

pub mod broker;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod obtain;
pub mod org;
pub mod output;
pub mod paths;
pub mod store;
pub mod target;
pub mod text;
pub mod tui;
