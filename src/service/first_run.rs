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

/// A path as the text shows it: quoted, cleaned, and marked when it is not there.
fn file((path, there): &(PathBuf, bool)) -> String {
    let note = if *there { "" } else { " (not found)" };
    format!("'{}'{note}", crate::text::clean(&path.display().to_string()))
}

/// The first-run text: where rolecall looked (each file, and whether it was
/// there), then the three ways in. Plain lines, no colour; a line's leading
/// blanks are its indent. [`wrapped`] fits it to a width.
pub fn guidance(looked: &Looked) -> String {
    let settings = match &looked.settings {
        Some(s) => file(s),
        None => "none (no config directory on this system: use --config FILE)".to_owned(),
    };
    [
        "No targets yet. rolecall looked for profiles in".to_owned(),
        format!("  the AWS config file: {}", file(&looked.aws_config)),
        format!("  the AWS credentials file: {}", file(&looked.aws_credentials)),
        format!("and for organisations in its settings: {settings}"),
        String::new(),
        "There are three ways in:".to_owned(),
        "  1. A profile in the AWS config file, as the AWS CLI reads it (`aws configure` writes one), for example:"
            .to_owned(),
        "       [profile prod]".to_owned(),
        "       role_arn = arn:aws:iam::123456789012:role/ReadOnly".to_owned(),
        "       source_profile = default".to_owned(),
        "  2. An [[organization]] in rolecall's settings: every account of an AWS organisation becomes a target \
         ACCOUNT/ROLE for the roles you name, for example:"
            .to_owned(),
        "       [[organization]]".to_owned(),
        "       name = \"acme\"".to_owned(),
        "       profile = \"org-reader\"".to_owned(),
        "       roles = [\"ReadOnly\"]".to_owned(),
        "  3. `rolecall login --sso NAME`: sign in to IAM Identity Center (an [sso-session NAME] with sso_start_url \
         and sso_region in the AWS config file); every account and permission set it gives you becomes a target."
            .to_owned(),
    ]
    .join("\n")
}

/// `text` in lines of at most `width` columns, broken between words. A long
/// line goes on below its own text: under a numbered item's words (`  2. An …`),
/// else two columns further in. A word longer than a line (a long path) is cut.
pub fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let rest = line.trim_start();
        let indent = line.len() - rest.len();
        let number = rest.find(". ").filter(|&n| n > 0 && rest[..n].bytes().all(|b| b.is_ascii_digit()));
        let hang = (indent + number.map_or(2, |n| n + 2)).min(width / 2);
        let mut current = " ".repeat(indent);
        let mut empty = true;
        let room = width.saturating_sub(hang).max(1);
        let words = rest.split(' ').filter(|w| !w.is_empty()).flat_map(|w| pieces(w, room));
        for word in words {
            if !empty && crate::text::width(&current) + 1 + crate::text::width(&word) > width {
                out.push(std::mem::replace(&mut current, " ".repeat(hang)));
                empty = true;
            }
            if !empty {
                current.push(' ');
            }
            current.push_str(&word);
            empty = false;
        }
        out.push(if empty { String::new() } else { current });
    }
    out
}

/// `word` cut into pieces of at most `room` characters.
fn pieces(word: &str, room: usize) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    chars.chunks(room).map(|c| c.iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn looked() -> Looked {
        Looked {
            aws_config: ("/home/a/.aws/config".into(), false),
            aws_credentials: ("/home/a/.aws/credentials".into(), true),
            settings: Some(("/home/a/.config/rolecall/config.toml".into(), false)),
        }
    }

    #[test]
    fn names_every_place_and_every_way_in() {
        let text = guidance(&looked());
        for want in [
            "'/home/a/.aws/config' (not found)",
            "'/home/a/.aws/credentials'\n",
            "settings: '/home/a/.config/rolecall/config.toml' (not found)",
            "[profile prod]",
            "2. An [[organization]] in rolecall's settings",
            "3. `rolecall login --sso NAME`",
        ] {
            assert!(text.contains(want), "{want:?} in:\n{text}");
        }
    }

    #[test]
    fn wrapped_fits_the_width_and_hangs_under_an_items_words() {
        let lines = wrapped(&guidance(&looked()), 50);
        assert!(lines.iter().all(|l| crate::text::width(l) <= 50), "{lines:#?}");
        let item = lines.iter().position(|l| l.starts_with("  2. An [[organization]]")).unwrap();
        assert!(lines[item + 1].starts_with("     ") && !lines[item + 1].starts_with("      "), "{lines:#?}");
        assert_eq!(wrapped("a b c", 4), ["a b", "  c"]);
        assert_eq!(wrapped("1. aaa bbb ccc ddd", 12), ["1. aaa bbb", "   ccc ddd"]);
        assert_eq!(wrapped("x\n\ny", 10), ["x", "", "y"]);
        assert_eq!(wrapped("ab /very/long/path", 8), ["ab", "  /very/", "  long/p", "  ath"]);
    }

    #[test]
    fn finds_the_files_the_environment_names() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "").unwrap();
        let env = Env::from_slice(&[
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ]);
        let settings = dir.path().join("rolecall.toml");
        let looked = Looked::here(&env, Some(&settings));
        assert_eq!(looked.aws_config, (config, true));
        assert_eq!(looked.aws_credentials, ("/nonexistent/credentials".into(), false));
        assert_eq!(looked.settings, Some((settings, false)));
    }
}
