//! Errors in the user's AWS files and rolecall's settings, each naming the file, profile and key.

use std::path::PathBuf;

/// A problem with configuration the user can fix by editing a file.
#[derive(Clone, Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file exists but cannot be read or parsed.
    #[error("cannot read '{}': {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What went wrong, with a line number when the parser gave one.
        message: String,
    },
    /// No profile by that name in either file.
    #[error("profile '{name}' is not defined in '{}' or '{}'", config.display(), credentials.display())]
    UnknownProfile {
        /// The name asked for.
        name: String,
        /// The config file searched.
        config: PathBuf,
        /// The credentials file searched.
        credentials: PathBuf,
    },
    /// A key in a profile has a value rolecall cannot use.
    #[error("profile '{profile}' in '{}': {key} {problem}", file.display())]
    Invalid {
        /// The profile.
        profile: String,
        /// The key.
        key: String,
        /// The file the key (or the profile) is in.
        file: PathBuf,
        /// What is wrong, quoting the value.
        problem: String,
    },
    /// The target profile has nothing to make credentials from.
    #[error(
        "profile '{profile}' in '{}' has no credentials: it needs 'role_arn', keys, 'credential_process' or SSO settings",
        file.display()
    )]
    NoCredentials {
        /// The profile.
        profile: String,
        /// Its file.
        file: PathBuf,
    },
    /// rolecall's own settings file is wrong.
    #[error("settings file '{}': {message}", path.display())]
    Settings {
        /// The settings file.
        path: PathBuf,
        /// What is wrong, with line and key.
        message: String,
    },
    /// A command-line value is wrong.
    #[error("{0}")]
    Usage(String),
}
