//! Choosing many targets at once (`rolecall run`, `setup profiles`): a
//! [`Selection`] built from the operator's ids, globs and filters, applied to
//! the catalog's entries, gives the targets in catalog order without
//! duplicates, and the ones that cannot be assumed with the reason. No I/O.
//!
//! Ids and globs (`payments-*/ReadOnly`, `'*'`) name targets in the syntax of
//! every command: a profile name, `ACCOUNT_NAME/ROLE` or `ACCOUNT_ID/ROLE`
//! (`*` stays within the account or the role; `**` crosses the `/`). Filters
//! narrow: `--ou` (any of the OU globs), `--role` (any of the role names),
//! `--tag KEY=VALUE` (every key given; several values for one key: any of
//! them). With no id, the filters apply to every target.

use std::collections::BTreeMap;

use globset::{Glob, GlobBuilder, GlobMatcher};

use super::entry::Entry;
use crate::org::model::ou_glob_matches;

/// What the operator asked for; empty means nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Target ids or globs (from the arguments and `--file`).
    pub ids: Vec<String>,
    /// OU path globs (`/Workloads/**`): any of them.
    pub ous: Vec<String>,
    /// `KEY=VALUE` account tags: every key, any of the values given for it.
    pub tags: Vec<(String, String)>,
    /// Role names: any of them.
    pub roles: Vec<String>,
}

/// A target that matched but will not be run, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped<'a> {
    /// The entry.
    pub entry: &'a Entry,
    /// Why (the account is SUSPENDED, the profile has no credentials…).
    pub reason: String,
}

/// The result of applying a [`Selection`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selected<'a> {
    /// The targets to run, in catalog order, each once.
    pub targets: Vec<&'a Entry>,
    /// The matching targets that cannot be assumed.
    pub skipped: Vec<Skipped<'a>>,
}

/// Why a selection is not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    /// No id, glob or filter was given.
    #[error("no targets selected: name target ids or globs, or use --ou, --tag, --role or --file")]
    Empty,
    /// A glob does not parse.
    #[error("'{pattern}' is not a valid glob: {message}")]
    BadGlob {
        /// The pattern.
        pattern: String,
        /// The parser's words.
        message: String,
    },
    /// A plain id (no glob characters) names no target.
    #[error("no target '{0}' ('rolecall list' shows the targets)")]
    Unknown(String),
    /// Something matched nothing at all.
    #[error("the selection matches no target ('rolecall list' shows the targets)")]
    NothingMatched,
}

impl SelectError {
    /// The process exit code: a usage error.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

fn is_glob(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

enum Pattern {
    Exact(String),
    Glob(GlobMatcher),
}

impl Pattern {
    fn new(text: &str) -> Result<Self, SelectError> {
        if !is_glob(text) {
            return Ok(Self::Exact(text.to_owned()));
        }
        let glob: Result<Glob, _> = GlobBuilder::new(text).literal_separator(true).backslash_escape(true).build();
        glob.map(|g| Self::Glob(g.compile_matcher()))
            .map_err(|e| SelectError::BadGlob { pattern: text.to_owned(), message: e.kind().to_string() })
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Exact(s) => s == name,
            Self::Glob(g) => g.is_match(name),
        }
    }
}

/// Every id a target answers to: its own, its other id (a profile that is an
/// organisation target), and `ACCOUNT_ID/ROLE` and `ACCOUNT_NAME/ROLE`.
fn names(e: &Entry) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    let by_account = match (e.account.as_deref(), e.role_name()) {
        (Some(a), Some(role)) => vec![format!("{}/{role}", a.id), format!("{}/{role}", a.name)],
        _ => Vec::new(),
    };
    std::iter::once(e.id.as_str().into())
        .chain(e.org_target().map(Into::into))
        .chain(by_account.into_iter().map(Into::into))
}

impl Selection {
    /// True when nothing at all was asked for.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.ous.is_empty() && self.tags.is_empty() && self.roles.is_empty()
    }

    /// The targets of `entries` this selection names. Organisation targets
    /// listed under a profile (see [`Entry::merged_into`]) are found through
    /// that profile, so each target comes once.
    pub fn apply<'a>(&self, entries: &'a [Entry]) -> Result<Selected<'a>, SelectError> {
        if self.is_empty() {
            return Err(SelectError::Empty);
        }
        let patterns: Vec<(Pattern, &str)> =
            self.ids.iter().map(|id| Pattern::new(id).map(|p| (p, id.as_str()))).collect::<Result<_, _>>()?;
        let mut named = vec![false; patterns.len()];
        let mut tags: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in &self.tags {
            tags.entry(k).or_default().push(v);
        }
        let mut out = Selected::default();
        for e in entries.iter().filter(|e| e.merged_into().is_none()) {
            if !patterns.is_empty() {
                let mut any = false;
                for (i, (p, _)) in patterns.iter().enumerate() {
                    if names(e).any(|n| p.matches(&n)) {
                        named[i] = true;
                        any = true;
                    }
                }
                if !any {
                    continue;
                }
            }
            if !self.filters_pass(e, &tags) {
                continue;
            }
            if e.assumable() {
                out.targets.push(e);
            } else {
                let reason = e.problem_text().unwrap_or_else(|| "it cannot be assumed".to_owned());
                out.skipped.push(Skipped { entry: e, reason });
            }
        }
        if let Some(i) = named.iter().position(|n| !n)
            && let (Pattern::Exact(_), id) = &patterns[i]
        {
            return Err(SelectError::Unknown((*id).to_owned()));
        }
        if out.targets.is_empty() && out.skipped.is_empty() {
            return Err(SelectError::NothingMatched);
        }
        Ok(out)
    }

    fn filters_pass(&self, e: &Entry, tags: &BTreeMap<&str, Vec<&str>>) -> bool {
        let account = e.account.as_deref();
        if !self.ous.is_empty() {
            let Some(ou) = account.and_then(|a| a.ou.as_deref()) else { return false };
            if !self.ous.iter().any(|g| ou_glob_matches(g, ou)) {
                return false;
            }
        }
        if !self.roles.is_empty() && !e.role_name().is_some_and(|r| self.roles.iter().any(|x| x == r)) {
            return false;
        }
        tags.iter()
            .all(|(k, values)| account.and_then(|a| a.tags.get(*k)).is_some_and(|v| values.contains(&v.as_str())))
    }
}

/// Reads ids from a file's text: one a line; blank lines and `#` comments are ignored.
pub fn ids_from_text(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect()
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
