//! Targets and their id syntax: a profile name, or `ACCOUNT/ROLE` for an
//! organisation account (account name or 12-digit id). Profile names win.

use crate::config::AwsConfig;

/// What the operator picked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetId {
    /// A profile of the shared AWS files.
    Profile(String),
    /// An organisation account (name or id) and a role name in it.
    Account {
        /// Account name or 12-digit id.
        account: String,
        /// Role name.
        role: String,
    },
}

impl TargetId {
    /// Reads a target id: a defined profile name is always a profile; otherwise
    /// `ACCOUNT/ROLE` is an organisation target, and anything else a profile name.
    pub fn parse(id: &str, config: &AwsConfig) -> Self {
        if config.has_profile(id) {
            return Self::Profile(id.to_owned());
        }
        match id.rsplit_once('/') {
            Some((account, role)) if !account.is_empty() && !role.is_empty() => {
                Self::Account { account: account.to_owned(), role: role.to_owned() }
            }
            _ => Self::Profile(id.to_owned()),
        }
    }
}
