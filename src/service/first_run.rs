//! What rolecall says when it finds no target at all (a first run): where it
//! looked and the ways to add targets. One text, for `rolecall list` and the
//! TUI's empty list alike, so the two never drift apart.

use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;

use crate::config::Settings;
use crate::config::aws::AwsFiles;

/// The files rolecall read its targets from, and whether each was there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Looked {
    /// The AWS config file (`AWS_CONFIG_FILE`, else `~/.aws/config`).
    pub aws_config: (PathBuf, bool),
    /// The AWS credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`).
    pub aws_credentials: (PathBuf, bool),
    /// rolecall's settings (`--config`, `ROLECALL_CONFIG`, else the platform's), when there is a place for them.
    pub settings: Option<(PathBuf, bool)>,
}

impl Looked {
    /// The files this process reads (from `env` and the `--config` flag), and whether they exist.
    pub fn here(env: &Env, settings_flag: Option<&Path>) -> Self {
        let files = AwsFiles::from_env(env);
        let found = |p: PathBuf| {
            let there = p.is_file();
            (p, there)
        };
        Self {
            aws_config: found(files.config),
            aws_credentials: found(files.credentials),
            settings: Settings::locate(settings_flag).0.map(found),
        }
    }
}

/// The first-run text: where rolecall looked (each file, and whether it was
/// there), then the three ways in. Plain lines, no colour; callers wrap them.
pub fn guidance(looked: &Looked) -> String {
    let file = |(path, there): &(PathBuf, bool)| {
        let note = if *there { "" } else { " (not found)" };
        format!("{}{note}", crate::text::clean(&path.display().to_string()))
    };
    let config = crate::text::clean(&looked.aws_config.0.display().to_string()).into_owned();
    let settings = match &looked.settings {
        Some(s) => file(s),
        None => "none (no config directory on this system; use --config FILE)".to_owned(),
    };
    let settings_name = match &looked.settings {
        Some((path, _)) => crate::text::clean(&path.display().to_string()).into_owned(),
        None => "a settings file (--config FILE)".to_owned(),
    };
    [
        "No targets yet. rolecall looked in:".to_owned(),
        format!("  AWS config file: {}", file(&looked.aws_config)),
        format!("  AWS credentials file: {}", file(&looked.aws_credentials)),
        format!("  rolecall settings: {settings}"),
        "Three ways to add targets:".to_owned(),
        format!("  1. A profile in {config}, for example:"),
        "       [profile prod]".to_owned(),
        "       role_arn = arn:aws:iam::123456789012:role/ReadOnly".to_owned(),
        "       source_profile = default".to_owned(),
        format!(
            "  2. An [[organization]] in {settings_name}, for every account of an AWS organisation with the roles you name:"
        ),
        "       [[organization]]".to_owned(),
        "       name = \"acme\"".to_owned(),
        "       profile = \"org-reader\"".to_owned(),
        "       roles = [\"ReadOnly\"]".to_owned(),
        format!(
            "  3. IAM Identity Center: an [sso-session NAME] with sso_start_url and sso_region in {config}, then 'rolecall login --sso NAME'."
        ),
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_place_and_every_way_in() {
        let looked = Looked {
            aws_config: ("/home/a/.aws/config".into(), false),
            aws_credentials: ("/home/a/.aws/credentials".into(), true),
            settings: Some(("/home/a/.config/rolecall/config.toml".into(), false)),
        };
        let text = guidance(&looked);
        for want in [
            "/home/a/.aws/config (not found)",
            "/home/a/.aws/credentials\n",
            "rolecall settings: /home/a/.config",
            "/home/a/.config/rolecall/config.toml (not found)",
            "[profile prod]",
            "[[organization]] in /home/a/.config/rolecall/config.toml",
            "rolecall login --sso NAME",
        ] {
            assert!(text.contains(want), "{want:?} in:\n{text}");
        }
    }

    #[test]
    fn finds_the_files_the_environment_names() {
        let dir = std::env::temp_dir().join(format!("rolecall-first-run-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("config");
        std::fs::write(&config, "").unwrap();
        let env = Env::from_slice(&[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ]);
        let settings = dir.join("rolecall.toml");
        let looked = Looked::here(&env, Some(&settings));
        assert_eq!(looked.aws_config, (config, true));
        assert_eq!(looked.aws_credentials, ("/nonexistent/credentials".into(), false));
        assert_eq!(looked.settings, Some((settings, false)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
