//! `rolecall setup profiles [SELECTION] [--prefix P] [--write]`: one
//! `credential_process` profile per selected target, kept in the block of
//! the AWS config file that rolecall owns. A dry run (the default) prints
//! the change as a diff; `--write` makes it (backup, atomic write).

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

fn profile_name(prefix: &str, id: &str) -> String {
    let safe: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect();
    format!("{prefix}{safe}")
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

        let mut names: HashMap<String, String> = HashMap::new();
        let mut stanzas = Vec::with_capacity(selected.targets.len());
        for e in &selected.targets {
            let id = written_id(e).map_err(|why| AppError::usage(format!("target {why}")))?;
            let name = profile_name(&self.prefix, &id);
            check_profile_name(&name).map_err(|why| AppError::usage(format!("--prefix: {why}")))?;
            if let Some(other) = names.insert(name.clone(), e.id.clone()) {
                return Err(AppError::usage(format!(
                    "targets '{other}' and '{}' would both be profile '{name}'; narrow the selection",
                    e.id
                )));
            }
            let region = e.region().unwrap_or("us-east-1");
            check_value(region).map_err(|why| AppError::usage(format!("region of '{}': {why}", e.id)))?;
            let command = shell_words::join([exe.as_str(), "credential-process", id.as_str()]);
            stanzas.push(format!("[profile {name}]\ncredential_process = {command}\nregion = {region}\n"));
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
