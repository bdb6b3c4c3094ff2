//! `rolecall setup profiles [SELECTION] [--prefix P] [--write]`: one
//! `credential_process` profile per selected target, kept in the block of
//! the AWS config file that rolecall owns. A dry run (the default) prints
//! the change as a diff; `--write` makes it (backup, atomic write). A
//! target that cannot be written is skipped with a message; the others are
//! written.

use std::collections::HashMap;

use clap::Args;

use super::print;
use super::select_args::SelectArgs;
use crate::catalog::Entry;
use crate::config::edit::{check_profile_name, check_target, check_value, rewrite};
use crate::config::managed;
use crate::service::run as runner;
use crate::service::{AppError, Context};

/// `setup profiles` flags.
#[derive(Debug, Args)]
pub struct ProfilesSetup {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Start of every generated profile name.
    #[arg(long, value_name = "PREFIX", default_value = "rolecall-")]
    pub prefix: String,
    /// Change the AWS config file (a timestamped backup is kept); without it, print the diff.
    #[arg(long)]
    pub write: bool,
}

/// The id to write for a target: its own, or `ACCOUNT_ID/ROLE` when its own
/// cannot go into the file.
fn written_id(e: &Entry) -> Result<String, String> {
    match check_target(&e.id) {
        Ok(()) => Ok(e.id.clone()),
        Err(why) => match (e.account.as_deref(), e.role_name()) {
            (Some(a), Some(role)) => Ok(format!("{}/{role}", a.id)),
            _ => Err(why),
        },
    }
}

/// The longest profile name written (as [`check_profile_name`] allows).
const MAX_NAME: usize = 128;

/// The first 8 hex digits of the id's SHA-256: the same on every run.
fn short_hash(id: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(id.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `prefix` + the id with every character but letters, digits and `-_.` made
/// `-`, and `-HASH` of the id when `tagged`, or when the name would be longer
/// than [`MAX_NAME`] (then cut to fit).
fn profile_name(prefix: &str, id: &str, tagged: bool) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect();
    let plain = format!("{prefix}{safe}");
    if !tagged && plain.len() <= MAX_NAME {
        return plain;
    }
    let tag = format!("-{}", short_hash(id));
    let room = MAX_NAME.saturating_sub(prefix.len() + tag.len());
    format!("{prefix}{}{tag}", &safe[..safe.len().min(room)])
}

/// One profile name per id, unique: ids whose plain names would be one name
/// all get their own hash in it (the name depends on the id alone, so a name
/// never comes to mean another target when accounts come and go). Returns the
/// names (`None`: left out) and a message for each change.
fn unique_names(prefix: &str, ids: &[&str]) -> (Vec<Option<String>>, Vec<String>) {
    let plain: Vec<String> = ids.iter().map(|id| profile_name(prefix, id, false)).collect();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for name in &plain {
        *count.entry(name.as_str()).or_default() += 1;
    }
    let mut notes = Vec::new();
    let mut names: Vec<String> = Vec::with_capacity(ids.len());
    for (id, name) in ids.iter().zip(&plain) {
        if count[name.as_str()] > 1 {
            let tagged = profile_name(prefix, id, true);
            notes.push(format!(
                "targets with ids that all map to profile '{name}': '{id}' is written as '{tagged}' (the hash is its id's)"
            ));
            names.push(tagged);
        } else {
            names.push(name.clone());
        }
    }
    // A tagged name meeting another name (a hash collision, or a plain name that looks tagged).
    let mut seen: HashMap<String, usize> = HashMap::new();
    for name in &names {
        *seen.entry(name.clone()).or_default() += 1;
    }
    let out = ids
        .iter()
        .zip(names)
        .map(|(id, name)| {
            if seen[&name] > 1 {
                notes.push(format!("skipping '{id}': its profile name '{name}' is also another target's"));
                None
            } else {
                Some(name)
            }
        })
        .collect();
    (out, notes)
}

impl ProfilesSetup {
    /// Builds the block, checks it shadows nothing of the user's, then prints or writes it.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let selection = self.select.selection()?;
        let (_snapshots, _missing, entries) = runner::catalog(ctx).await;
        let selected = selection.apply(&entries).map_err(|e| AppError::usage(e.to_string()))?;
        for s in &selected.skipped {
            ctx.warn(&format!("skipping '{}': {}", s.entry.id, s.reason));
        }
        let exe =
            std::env::current_exe().map_err(|e| AppError::usage(format!("cannot find rolecall's own path: {e}")))?;
        let exe = exe.to_string_lossy().into_owned();
        check_value(&exe).map_err(|e| AppError::usage(format!("rolecall's own path {e}")))?;

        // The prefix is checked on its own, so a long or odd id never blames it.
        if self.prefix.len() > MAX_NAME / 2 || check_profile_name(&format!("{}x", self.prefix)).is_err() {
            return Err(AppError::usage(format!(
                "--prefix '{}' cannot start a profile name: use letters, digits and '-_.@+', at most {} characters",
                self.prefix,
                MAX_NAME / 2
            )));
        }
        let mut writable = Vec::with_capacity(selected.targets.len());
        for e in &selected.targets {
            match written_id(e) {
                Ok(id) => writable.push((e, id)),
                Err(why) => ctx.warn(&format!("skipping target {why}")),
            }
        }
        let ids: Vec<&str> = writable.iter().map(|(_, id)| id.as_str()).collect();
        let (assigned, notes) = unique_names(&self.prefix, &ids);
        for note in &notes {
            ctx.warn(note);
        }
        let mut names: HashMap<String, String> = HashMap::new();
        let mut stanzas = Vec::with_capacity(writable.len());
        for ((e, id), name) in writable.iter().zip(assigned) {
            let Some(name) = name else { continue };
            let region = e.region().unwrap_or("us-east-1");
            if let Err(why) = check_value(region) {
                ctx.warn(&format!("skipping '{}': its region {why}", e.id));
                continue;
            }
            // `--` before the id: an id may start with '-' (an account named '--help').
            let command = shell_words::join([exe.as_str(), "credential-process", "--", id.as_str()]);
            if let Err(why) = check_value(&command) {
                ctx.warn(&format!("skipping '{}': its credential_process line {why}", e.id));
                continue;
            }
            stanzas.push(format!("[profile {name}]\ncredential_process = {command}\nregion = {region}\n"));
            names.insert(name, e.id.clone());
        }
        let body = stanzas.join("\n");

        let path = ctx.aws.files.config.clone();
        let current = match std::fs::read(&path) {
            Ok(bytes) => String::from_utf8(bytes)
                .map_err(|_| AppError::usage(format!("'{}' is not UTF-8 text", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(AppError::usage(format!("cannot read '{}': {e}", path.display()))),
        };
        let bad_block = |why: String| AppError::usage(format!("'{}': {why}", path.display()));
        let ours = managed::profile_names(managed::body(&current).map_err(bad_block)?);
        let mut shadowed: Vec<&String> = names.keys().filter(|n| ctx.aws.has_profile(n) && !ours.contains(n)).collect();
        shadowed.sort();
        if let Some(first) = shadowed.first() {
            return Err(AppError::usage(format!(
                "profile '{first}' is already yours in '{}' or '{}' ({} such names); rolecall will not shadow it: choose another --prefix",
                path.display(),
                ctx.aws.files.credentials.display(),
                shadowed.len()
            )));
        }
        let updated = managed::replace(&current, &body).map_err(bad_block)?;
        let (added, removed) = (
            names.keys().filter(|n| !ours.contains(n)).count(),
            ours.iter().filter(|n| !names.contains_key(*n)).count(),
        );
        let counts = format!("{} profiles: {added} new, {removed} removed", names.len());
        if !self.write {
            if updated == current {
                ctx.warn(&format!("'{}' is up to date ({counts})", path.display()));
                return Ok(0);
            }
            let shown = path.display().to_string();
            let diff = similar::TextDiff::from_lines(&current, &updated);
            print(&diff.unified_diff().context_radius(1).header(&shown, &shown).to_string())?;
            ctx.warn(&format!("{counts}; nothing was written: add --write to change '{}'", path.display()));
            return Ok(0);
        }
        if updated == current {
            ctx.warn(&format!("'{}' is up to date ({counts})", path.display()));
            return Ok(0);
        }
        let backup = rewrite(&path, |now| {
            let now = std::str::from_utf8(now.unwrap_or_default()).map_err(|_| "it is not UTF-8 text".to_owned())?;
            managed::replace(now, &body).map(String::into_bytes)
        })?;
        let backup = backup.map(|b| format!(" (backup: '{}')", b.display())).unwrap_or_default();
        ctx.warn(&format!("wrote rolecall's block in '{}'{backup}: {counts}", path.display()));
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_never_blame_the_prefix() {
        let long = "a".repeat(200);
        let ids = ["a b/ReadOnly", "a-b/ReadOnly", "prod/Admin", long.as_str(), "--help/ReadOnly"];
        let (names, notes) = unique_names("rolecall-", &ids);
        let names: Vec<String> = names.into_iter().map(Option::unwrap_or_default).collect();
        assert_eq!(names[0], format!("rolecall-a-b-ReadOnly-{}", short_hash("a b/ReadOnly")));
        assert_eq!(names[1], format!("rolecall-a-b-ReadOnly-{}", short_hash("a-b/ReadOnly")));
        assert_ne!(names[0], names[1]);
        assert_eq!(names[2], "rolecall-prod-Admin");
        assert_eq!(names[4], "rolecall---help-ReadOnly");
        assert_eq!(names[3].len(), MAX_NAME, "{}", names[3]);
        assert!(names[3].ends_with(&format!("-{}", short_hash(&long))), "{}", names[3]);
        for name in &names {
            assert!(check_profile_name(name).is_ok(), "{name}");
        }
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("'a b/ReadOnly' is written as"), "{notes:?}");
        // Deterministic: the same ids give the same names, in any order.
        let (again, _) = unique_names("rolecall-", &[ids[1], ids[0]]);
        assert_eq!(again[0].as_deref(), Some(names[1].as_str()));
    }
}
