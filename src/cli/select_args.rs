//! The flags that choose many targets at once (`run`, `setup profiles`),
//! turned into a catalog [`Selection`].

use std::path::PathBuf;

use clap::Args;

use crate::catalog::select::{Selection, ids_from_text};
use crate::service::AppError;

/// Which targets: ids and globs, filters, and files of ids.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Target ids or globs ('payments-*/ReadOnly', '*/Admin'); '*' stays within
    /// the account or the role, '**' crosses the '/'. With none, the filters
    /// choose among every target.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Accounts whose OU path matches this glob ('/Workloads/**'); repeatable: any of them.
    #[arg(long, value_name = "GLOB")]
    pub ou: Vec<String>,
    /// Accounts with this tag; repeatable: every key, any of the values given for one key.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Targets with this role name; repeatable: any of them.
    #[arg(long, value_name = "NAME")]
    pub role: Vec<String>,
    /// Target ids (or globs) from a file, one a line ('-' reads stdin; '#' starts a comment).
    #[arg(long, value_name = "FILE")]
    pub file: Vec<PathBuf>,
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

impl SelectArgs {
    /// True when `--file -` reads the ids from stdin.
    pub fn reads_stdin(&self) -> bool {
        self.file.iter().any(|f| f.as_os_str() == "-")
    }

    /// The selection (reads the `--file`s).
    pub fn selection(&self) -> Result<Selection, AppError> {
        let mut ids = self.targets.clone();
        for file in &self.file {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| AppError::usage(format!("--file -: cannot read stdin: {e}")))?
            } else {
                std::fs::read_to_string(file)
                    .map_err(|e| AppError::usage(format!("--file '{}': {e}", file.display())))?
            };
            ids.extend(ids_from_text(&text));
        }
        Ok(Selection { ids, ous: self.ou.clone(), tags: self.tags.clone(), roles: self.role.clone() })
    }
}
