//! `rolecall status`: cached sessions and their time left, from the vault
//! records' clear headers alone (never unlocks the keyring).

use clap::Args;

use super::print;
use crate::service::{AppError, Context, SessionKind as EntryKind, sessions, sso};
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
        let sso_rows = sso::statuses(ctx).await?;
        if self.json {
            let sso_json = sso_rows.iter().filter_map(|(s, note)| {
                let n = note.as_ref()?;
                Some(serde_json::json!({
                    "kind": "sso",
                    "target": s.id(),
                    "start_url": s.start_url,
                    "expires": time::rfc3339_unix(n.expires_at),
                    "seconds_left": n.expires_at.saturating_sub(time::now_unix()),
                    "refreshable": n.refreshable,
                    "signed_in": n.signed_in_at.map(time::rfc3339_unix),
                    "store": n.origin.label(),
                }))
            });
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
                .chain(sso_json)
                .collect();
            print(&format!("{}\n", serde_json::Value::Array(rows)))?;
            return Ok(0);
        }
        let mut out = String::new();
        for (session, note) in &sso_rows {
            out.push_str(&sso_line(session.id(), note.as_ref(), time::now_unix()));
            out.push('\n');
        }
        if entries.is_empty() {
            print(&out)?;
            ctx.warn("no cached sessions");
            return Ok(0);
        }
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

/// `SSO acme: token valid 42 min, refreshable, signed in 3h ago (keyring)`.
fn sso_line(id: &str, note: Option<&sso::Note>, now: u64) -> String {
    let id = crate::text::clean(id);
    let Some(n) = note else { return format!("SSO {id}: not signed in (rolecall login --sso {id})") };
    let left = n.expires_at.saturating_sub(now);
    let token = if left == 0 { "token expired".to_owned() } else { format!("token valid {} min", left / 60) };
    let session = match (n.refreshable, n.signed_in_at) {
        (true, Some(at)) => format!(
            "session renews the token until Identity Center ends it (signed in {} ago)",
            time::coarse(now.saturating_sub(at))
        ),
        (true, None) => "session renews the token until Identity Center ends it".to_owned(),
        (false, _) => format!("session ends with the token (sign in again: rolecall login --sso {id})"),
    };
    format!("SSO {id}: {token}, {session} ({})", n.origin.label())
}

/// Time left as `1h05m` (also under an hour: `0h42m`), as this table has always shown it.
fn status_left(secs: u64) -> String {
    format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
}
