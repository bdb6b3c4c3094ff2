//! `rolecall status`: cached sessions and their time left, from the index alone
//! (never unlocks the keyring).

use clap::Args;

use super::print;
use crate::service::{AppError, Context, SessionKind as EntryKind, sessions};
use crate::time;

/// List cached sessions with their time left.
#[derive(Debug, Args)]
pub struct StatusCmd {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl StatusCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let (entries, warnings) = sessions::list();
        for w in warnings {
            ctx.warn(&format!("warning: {w}"));
        }
        let now = time::now();
        let entries: Vec<_> = entries.iter().map(|(_, e)| e).collect();
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
                        "expires": time::rfc3339_unix(e.expires_at),
                        "seconds_left": e.time_left(now).as_secs(),
                        "store": e.store,
                    })
                })
                .collect();
            print(&format!("{}\n", serde_json::Value::Array(rows)))?;
            return Ok(0);
        }
        if entries.is_empty() {
            ctx.warn("no cached sessions");
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
                s => status_left(s),
            };
            let (target, arn) = (crate::text::clean(&e.target), crate::text::clean(&e.identity.arn));
            out.push_str(&format!("{kind:<5} {target:<32} {left:<10} {arn:<60} {}\n", e.store));
        }
        print(&out)?;
        Ok(0)
    }
}

/// Time left as `1h05m` (also under an hour: `0h42m`), as this table has always shown it.
fn status_left(secs: u64) -> String {
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}
