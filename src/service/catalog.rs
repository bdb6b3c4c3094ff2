//! The catalog as the views need it: every target from the parsed files and
//! the organisation snapshots at hand, or, while no input changed, from the
//! catalog snapshot in the cache dir without parsing anything.

use std::path::Path;

use super::snapshot::{self, Inputs, OrgMeta};
use super::{AppError, Context, orgs};
use crate::catalog::{self, Entry, OrgView};
use crate::config::org::OrgSettings;
use crate::org::Snapshot;

/// Every target, from the files and the given snapshots.
pub fn entries(ctx: &Context, snapshots: &[(&OrgSettings, Snapshot)]) -> Vec<Entry> {
    let views: Vec<OrgView<'_>> = snapshots.iter().map(|(o, s)| OrgView { settings: o, snapshot: s }).collect();
    let sso_loaded = super::sso::cached_views(ctx);
    let sso: Vec<catalog::SsoView<'_>> =
        sso_loaded.iter().map(|(session, snapshot)| catalog::SsoView { session, snapshot }).collect();
    catalog::build::entries_with_sso(&ctx.aws, &ctx.settings, &views, &sso)
}

/// What a listing shows.
pub struct Listing {
    /// Every target (organisation targets that are profiles included, marked).
    pub entries: Vec<Entry>,
    /// The organisations' headings.
    pub orgs: Vec<OrgMeta>,
    /// Warnings about the files.
    pub warnings: Vec<String>,
    /// The parsed files, when they had to be parsed.
    pub ctx: Option<Context>,
    /// rolecall's settings.
    pub settings: crate::config::Settings,
}

fn metas(snapshots: &[(&OrgSettings, Snapshot)]) -> Vec<OrgMeta> {
    snapshots
        .iter()
        .map(|(o, s)| OrgMeta {
            name: o.name.clone(),
            accounts: s.accounts.len(),
            fetched_at: s.fetched_at.clone(),
            fetched_at_unix: s.fetched_at_unix,
        })
        .collect()
}

fn file_warnings(ctx: &Context) -> Vec<String> {
    ctx.aws
        .conflicting_keys()
        .into_iter()
        .map(|(name, key)| {
            format!(
                "warning: profile '{name}' sets '{key}' in both '{}' and '{}'; the credentials file's value wins",
                ctx.aws.files.config.display(),
                ctx.aws.files.credentials.display()
            )
        })
        .collect()
}

/// Keeps the catalog built from `ctx` and `snapshots` as the snapshot for `inputs`.
pub fn remember(inputs: &Inputs, ctx: &Context, entries: &[Entry], snapshots: &[(&OrgSettings, Snapshot)]) {
    snapshot::save(inputs, entries, metas(snapshots), file_warnings(ctx));
}

/// The catalog for `list`: from the snapshot while the inputs are unchanged
/// and every organisation is fresh; otherwise the files are parsed, stale
/// organisations are listed again (network), and the snapshot is renewed.
pub async fn for_listing(settings_flag: Option<&Path>) -> Result<Listing, AppError> {
    let inputs = Inputs::read(settings_flag)?;
    if let Some(snap) = snapshot::load(&inputs).filter(|s| inputs.orgs_fresh(s)) {
        let settings = inputs.settings;
        return Ok(Listing { entries: snap.entries, orgs: snap.orgs, warnings: snap.warnings, ctx: None, settings });
    }
    let ctx = Context::load(settings_flag).await?;
    let snapshots = orgs::for_listing(&ctx).await;
    let entries = entries(&ctx, &snapshots);
    remember(&inputs, &ctx, &entries, &snapshots);
    let (orgs, warnings) = (metas(&snapshots), file_warnings(&ctx));
    drop(snapshots);
    let settings = ctx.settings.clone();
    Ok(Listing { entries, orgs, warnings, ctx: Some(ctx), settings })
}

/// The catalog for the TUI's first frame, never from the network: the
/// snapshot while the inputs are unchanged (then the files are parsed later,
/// in the background), else the files and cached organisations now. Says
/// whether an organisation is missing or stale (a background refresh is due).
pub async fn for_first_frame(settings_flag: Option<&Path>) -> Result<(Listing, bool), AppError> {
    let inputs = Inputs::read(settings_flag)?;
    if let Some(snap) = snapshot::load(&inputs) {
        let stale = !inputs.orgs_fresh(&snap);
        let settings = inputs.settings;
        let listing = Listing { entries: snap.entries, orgs: snap.orgs, warnings: snap.warnings, ctx: None, settings };
        return Ok((listing, stale));
    }
    let ctx = Context::load(settings_flag).await?;
    let (snapshots, _, stale) = orgs::cached_with_staleness(&ctx);
    let entries = entries(&ctx, &snapshots);
    remember(&inputs, &ctx, &entries, &snapshots);
    let (orgs, warnings) = (metas(&snapshots), file_warnings(&ctx));
    drop(snapshots);
    let settings = ctx.settings.clone();
    Ok((Listing { entries, orgs, warnings, ctx: Some(ctx), settings }, stale))
}

/// Rebuilds the catalog from parsed files and the cached organisations, and
/// renews the snapshot (after the TUI refreshed its organisations).
pub fn rebuild(ctx: &Context, settings_flag: Option<&Path>) -> Vec<Entry> {
    let (snapshots, _, _) = orgs::cached_with_staleness(ctx);
    let entries = entries(ctx, &snapshots);
    if let Ok(inputs) = Inputs::read(settings_flag) {
        remember(&inputs, ctx, &entries, &snapshots);
    }
    entries
}

/// The target ids that start with `prefix`, for shell completion: from the
/// snapshot while no input changed, else from the files and the cached
/// organisations (never the network), which renews the snapshot.
pub async fn ids_for_completion(settings_flag: Option<&Path>, prefix: &str) -> Result<Vec<String>, AppError> {
    let (listing, _) = for_first_frame(settings_flag).await?;
    Ok(catalog::complete::matching_ids(&listing.entries, prefix).into_iter().map(str::to_owned).collect())
}
