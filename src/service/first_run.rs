//! What to say when there is no target at all (a first run): where rolecall
//! looked and the ways in. One text for `rolecall list` and the TUI's empty
//! state; plain paragraphs, wrapped by the caller's width.

use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;

use crate::config::{AwsFiles, Settings};

/// The files rolecall reads targets from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Looked {
    /// The AWS config file (`AWS_CONFIG_FILE` or `~/.aws/config`).
    pub aws_config: PathBuf,
    /// The AWS credentials file (`AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`).
    pub aws_credentials: PathBuf,
    /// rolecall's settings (`--config`, `ROLECALL_CONFIG` or the platform's config dir).
    pub settings: Option<PathBuf>,
}

impl Looked {
    /// The files this process reads, given the `--config` flag.
    pub fn now(settings_flag: Option<&Path>) -> Self {
        let files = AwsFiles::from_env(&Env::real());
        Self {
            aws_config: files.config,
            aws_credentials: files.credentials,
            settings: Settings::locate(settings_flag).0,
        }
    }
}

/// `'PATH'`, and whether it is there.
fn file(path: &Path) -> String {
    let state = if path.exists() { "" } else { " (not found)" };
    format!("'{}'{state}", crate::text::clean(&path.display().to_string()))
}

/// The explanation, one string per paragraph (list items start with `N. `).
pub fn no_targets(looked: &Looked) -> Vec<String> {
    let settings = looked.settings.as_deref().map_or_else(|| "(no config directory on this system)".to_owned(), file);
    let config = file(&looked.aws_config);
    vec![
        format!(
            "No targets yet. rolecall looked for profiles in the AWS config file {config} and the AWS credentials \
             file {}, and for organisations in its settings {settings}.",
            file(&looked.aws_credentials)
        ),
        "There are three ways in:".to_owned(),
        format!(
            "1. A profile in the AWS config file, as the AWS CLI reads it: `aws configure` writes one, or add a \
             [profile NAME] with role_arn and source_profile (or sso_session, credential_process)."
        ),
        "2. An [[organization]] in rolecall's settings (name, profile, roles): every account of an AWS \
         Organization becomes a target, ACCOUNT/ROLE."
            .to_owned(),
        "3. `rolecall login --sso NAME`: sign in to IAM Identity Center ([sso-session NAME] in the AWS config \
         file); every account and permission set it gives you becomes a target."
            .to_owned(),
    ]
}

/// `paragraph` in lines of at most `width` columns (a longer word gets a
/// line of its own); a list item's later lines are indented under its text.
pub fn wrap(paragraph: &str, width: usize) -> Vec<String> {
    let indent = match paragraph.split_once(". ") {
        Some((n, _)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => n.len() + 2,
        _ => 0,
    };
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
        let used = crate::text::width(&line);
        if !line.is_empty() && used + 1 + crate::text::width(word) > width.max(indent + 1) {
            lines.push(std::mem::take(&mut line));
            line = " ".repeat(indent);
        } else if !line.is_empty() && !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

/// The explanation wrapped to `width`, paragraphs apart.
pub fn no_targets_text(looked: &Looked, width: usize) -> String {
    let mut out = String::new();
    for (i, p) in no_targets(looked).iter().enumerate() {
        if i > 0 && !p.starts_with(|c: char| c.is_ascii_digit()) {
            out.push('\n');
        }
        for line in wrap(p, width) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_every_file_and_every_way_in_wrapped() {
        let looked = Looked {
            aws_config: PathBuf::from("/nowhere/.aws/config"),
            aws_credentials: PathBuf::from("/nowhere/.aws/credentials"),
            settings: Some(PathBuf::from("/nowhere/rolecall/config.toml")),
        };
        let text = no_targets_text(&looked, 60);
        for want in [
            "'/nowhere/.aws/config' (not found)",
            "'/nowhere/.aws/credentials' (not found)",
            "'/nowhere/rolecall/config.toml' (not found)",
            "[profile NAME]",
            "[[organization]]",
            "`rolecall login --sso NAME`",
        ] {
            assert!(text.replace('\n', " ").replace("  ", " ").contains(want), "{want:?} in:\n{text}");
        }
        for line in text.lines() {
            assert!(crate::text::width(line) <= 60, "{line:?}");
        }
        assert!(text.contains("\n   "), "list items indent their later lines:\n{text}");
    }

    #[test]
    fn wrap_table() {
        assert_eq!(wrap("a b c", 3), ["a b", "c"]);
        assert_eq!(wrap("1. aaa bbb", 12), ["1. aaa bbb"]);
        assert_eq!(wrap("1. aaa bbb ccc ddd", 12), ["1. aaa bbb", "   ccc ddd"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }
}
