//! `rolecall status`: cached sessions and their time left, from the index alone
//! (never unlocks the keyring).

use std::time::SystemTime;

use clap::Args;

use super::{Context, print};
use crate::broker::BrokerError;
use crate::output::export::rfc3339;
use crate::paths;
use crate::store::index::{EntryKind, Index, IndexEntry};

/// List cached sessions with their time left.
#[derive(Debug, Args)]
pub struct StatusCmd {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl StatusCmd {
    /// Runs the command.
    pub async fn run(self, _ctx: &Context) -> Result<u8, BrokerError> {
        let (index, problem) = Index::in_dir(&paths::cache_dir()).load();
        if let Some(p) = problem {
            eprintln!("rolecall: warning: {p}");
        }
        let now = SystemTime::now();
        let entries: Vec<&IndexEntry> = index.entries.values().collect();
        if self.json {
            let rows: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    serde_json::json!({
                        "kind": e.kind,
                        "target": e.target,
                        "mfa_serial": e.mfa_serial,
                        "identity": e.identity.arn,
                        "account": e.identity.account,
                        "access_key_id": e.access_key_id,
                        "expires": rfc3339(std::time::UNIX_EPOCH + std::time::Duration::from_secs(e.expires_at)),
                        "seconds_left": e.time_left(now).as_secs(),
                        "store": e.store,
                    })
                })
                .collect();
            print(&format!("{}\n", serde_json::Value::Array(rows)))?;
            return Ok(0);
        }
        if entries.is_empty() {
            eprintln!("rolecall: no cached sessions");
            return Ok(0);
        }
        let mut out = String::new();
        out.push_str(&format!("{:<5} {:<32} {:<10} {:<60} {}\n", "KIND", "TARGET", "LEFT", "IDENTITY", "STORE"));
        for e in entries {
            let kind = match e.kind {
                EntryKind::Mfa => "mfa",
                EntryKind::Role => "role",
            };
            let left = match e.time_left(now).as_secs() {
                0 => "expired".to_owned(),
                s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
            };
            out.push_str(&format!("{kind:<5} {:<32} {left:<10} {:<60} {}\n", e.target, e.identity.arn, e.store));
        }
        print(&out)?;
        Ok(0)
    }
}
