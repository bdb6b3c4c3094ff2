//! The catalog as the views need it: every target from the parsed files and
//! the organisation snapshots at hand (never the network).

use super::{Context, orgs};
use crate::catalog::{self, Entry, OrgView};
use crate::config::org::OrgSettings;
use crate::org::Snapshot;

/// Every target, from the files and the given snapshots.
pub fn entries(ctx: &Context, snapshots: &[(&OrgSettings, Snapshot)]) -> Vec<Entry> {
    let views: Vec<OrgView<'_>> = snapshots.iter().map(|(o, s)| OrgView { settings: o, snapshot: s }).collect();
    catalog::build::entries(&ctx.aws, &ctx.settings, &views)
}

/// Every target from the files and the cached organisations, and whether an
/// organisation's cache is missing or stale (so a background refresh is due).
pub fn cached_entries(ctx: &Context) -> (Vec<Entry>, bool) {
    let (snapshots, _, stale) = orgs::cached_with_staleness(ctx);
    (entries(ctx, &snapshots), stale)
}
