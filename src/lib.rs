//! rolecall: find an AWS account and role, assume it with MFA once, and put
//! the credentials where they are needed. The README says how to use it;
//! `docs/rules.md` lists what users can rely on.
//!
//! # The layers
//!
//! Every module names only the ones below it (`src/layering.rs` is a test
//! that fails otherwise; ARCHITECTURE.md walks one target through them):
//!
//! ```text
//! main.rs    parse arguments, start the runtime, map the error to an exit code
//! cli/       clap; one thin file per subcommand: parse, call service, render
//! tui/       the terminal UI: pure App::update, view, search, input, effects
//! service/   what rolecall does, for cli and tui alike: Context, the one
//!            cached-or-assume path, organisations, the catalog and its
//!            snapshot, describe, child env, login, sessions; AppError
//! catalog/   every target as a typed Entry (profiles, organisation accounts
//!            × roles), id parsing, id -> Plan; no I/O
//! broker/    plans (pure), MFA code sources, base credentials, STS calls
//! org/       AWS Organizations discovery and its snapshot cache
//! sso/       IAM Identity Center: sign-in, tokens, role credentials, discovery
//! saml/      SAML federation: the assertion reader, its sources, AssumeRoleWithSAML
//! aws/       SDK config for (profile, region), endpoints, timeouts, and one
//!            failure classifier, shared by broker and org
//! store/     the vault (one key in a keyring, sealed records), locks, the MFA session cache
//! output/    export formats and shell quoting, exec, tables
//! config/    the AWS files (aws-config's parser), settings, key bindings,
//!            durations
//! leaves     limits (STS ranges, name rules), time, paths, credentials, text, opener (BROWSER → command lines)
//! ```

pub mod aws;
pub mod broker;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod limits;
pub mod opener;
pub mod org;
pub mod output;
pub mod paths;
pub mod saml;
pub mod service;
pub mod sso;
pub mod store;
pub mod text;
pub mod time;
pub mod tui;

#[cfg(test)]
mod layering;
