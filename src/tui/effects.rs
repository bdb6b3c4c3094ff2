//! Performing the app's effects: describing targets, assuming in the
//! background, storing sessions, refreshing organisations, saving preferences.
//! Nothing here prints: the terminal belongs to the TUI.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::Sender;
use tokio::task::JoinHandle;

use super::app::{Assumed, Failure, Msg};
use super::model::{Details, mask};
use crate::broker::plan::CHAINED_MAX_DURATION;
use crate::broker::{BrokerError, MfaCode, Plan};
use crate::cli::Context;
use crate::cli::assume::{AssumeArgs, broker_for, plan_for};
use crate::credentials::Session;
use crate::obtain::Cache;
use crate::paths;
use crate::store::index::{EntryKind, Index, epoch_secs};

/// The last assumed session and what a child process needs with it.
#[derive(Clone)]
pub struct LastSession {
    /// The target id.
    pub target: String,
    /// STS region (becomes AWS_REGION).
    pub region: String,
    /// The profile's endpoint for children, if any.
    pub endpoint: Option<String>,
    /// The credentials and identity.
    pub session: Session,
}

/// Runs effects; holds what must not live in the app: the session's secrets and task handles.
pub struct Effects {
    ctx: Arc<Context>,
    tx: Sender<Msg>,
    tasks: HashMap<u64, JoinHandle<()>>,
    /// The last assumed session (for shell, store, export).
    pub session: Arc<std::sync::Mutex<Option<LastSession>>>,
}

impl Effects {
    /// Effects for `ctx`, answering on `tx`.
    pub fn new(ctx: Arc<Context>, tx: Sender<Msg>) -> Self {
        Self { ctx, tx, tasks: HashMap::new(), session: Arc::default() }
    }

    /// Describes `target` now (planning is pure and fast; the index is one small file).
    pub fn describe(&self, target: &str) -> Details {
        describe(&self.ctx, target)
    }

    /// Starts assuming `target` in the background.
    pub fn assume(&mut self, request: u64, target: String, code: Option<String>) {
        let (ctx, tx, slot) = (self.ctx.clone(), self.tx.clone(), self.session.clone());
        self.tasks.retain(|_, t| !t.is_finished());
        let task = tokio::spawn(async move {
            let result = assume(&ctx, &target, code).await;
            let msg = match result {
                Ok((plan, session, assumed)) => {
                    let endpoint = crate::cli::exec::child_endpoint(&ctx, &plan);
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(LastSession {
                            target: target.clone(),
                            region: plan.region.clone(),
                            endpoint,
                            session,
                        });
                    }
                    Ok(assumed)
                }
                Err(e) => Err(failure(&e)),
            };
            let _ = tx.send(Msg::AssumeFinished(request, msg)).await;
        });
        self.tasks.insert(request, task);
    }

    /// Stops an assume in flight.
    pub fn cancel(&mut self, request: u64) {
        if let Some(task) = self.tasks.remove(&request) {
            task.abort();
        }
    }

    /// Lists the organisations again in the background, answering with `Msg::TargetsRefreshed`.
    pub fn refresh(&self) {
        let (ctx, tx) = (self.ctx.clone(), self.tx.clone());
        tokio::spawn(async move {
            let refresh = crate::org::Refresh::Force;
            let (_, failures) = crate::cli::accounts::load_orgs(&ctx, None, refresh, &AssumeArgs::default()).await;
            let msg = if failures.is_empty() {
                Ok(super::load_items(&ctx).0)
            } else {
                Err(failures.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
            };
            let _ = tx.send(Msg::TargetsRefreshed(msg)).await;
        });
    }

    /// Keeps the last session in the keyring, answering with `Msg::Stored`.
    pub fn store(&self) {
        let (ctx, tx, slot) = (self.ctx.clone(), self.tx.clone(), self.session.clone());
        tokio::spawn(async move {
            let last = slot.lock().ok().and_then(|s| s.clone());
            let result = match last {
                None => Err("no session to store".to_owned()),
                Some(LastSession { target, session, .. }) => match Cache::open(&ctx.settings, true).await {
                    Ok(cache) => cache
                        .store(&target, &session)
                        .await
                        .map(|()| format!("kept '{target}' in the keyring: credential_process serves it now"))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            };
            let _ = tx.send(Msg::Stored(result)).await;
        });
    }
}

/// What the details pane shows for `target`.
pub fn describe(ctx: &Context, target: &str) -> Details {
    let plan = match plan_for(ctx, target, &AssumeArgs::default()) {
        Ok(p) => p,
        Err(e) => return Details { error: Some(e.to_string()), ..Details::default() },
    };
    let (index, _) = Index::in_dir(&paths::cache_dir()).load();
    let now = epoch_secs(SystemTime::now());
    let mfa_stored = plan.mfa_session.as_ref().is_some_and(|step| {
        index.entries.values().any(|e| {
            e.kind == EntryKind::Mfa
                && Some(e.target.as_str()) == plan.base.profile()
                && e.mfa_serial.as_deref() == Some(step.device.serial.as_str())
                && e.expires_at > now + 300
        })
    });
    let step_needs_code = plan.steps.iter().any(|s| s.mfa.is_some());
    let device = plan
        .mfa_session
        .as_ref()
        .map(|s| s.device.serial.clone())
        .or_else(|| plan.steps.iter().find_map(|s| s.mfa.as_ref().map(|d| d.serial.clone())));
    let last = plan.final_step();
    let duration_note = last.filter(|s| s.duration != s.requested_duration).map(|s| {
        format!(
            "capped at {} s: '{}' is assumed from another role session (role chaining)",
            CHAINED_MAX_DURATION, s.profile
        )
    });
    let cached = index
        .entries
        .get(&format!("role/{target}"))
        .filter(|e| e.expires_at > now)
        .map(|e| (e.identity.arn.clone(), e.expires_at));
    Details {
        role_arn: last.map(|s| s.role_arn.to_string()),
        chain: plan.describe_chain(),
        mfa_device: device,
        needs_code: (plan.mfa_session.is_some() && !mfa_stored) || step_needs_code,
        external_id: last.and_then(|s| s.external_id.as_deref()).map(mask),
        requested_duration: last.map(|s| s.requested_duration),
        effective_duration: last.map(|s| s.duration),
        duration_note,
        region: plan.region.clone(),
        cached,
        error: None,
    }
}

/// Assumes `target` without printing anything: the cached role session when it
/// has enough time left, else the broker (MFA sessions come from and go to the
/// keyring; the role session is kept only when the operator chooses "keep").
async fn assume(ctx: &Context, target: &str, code: Option<String>) -> Result<(Plan, Session, Assumed), BrokerError> {
    let mfa_code = match code {
        Some(c) => {
            Some(MfaCode::parse(&c).map_err(|e| BrokerError::MfaUnavailable { device: String::new(), reason: e })?)
        }
        None => None,
    };
    let args = AssumeArgs { mfa_code, ..AssumeArgs::default() };
    let plan = plan_for(ctx, target, &args)?;
    let cache = Cache::open(&ctx.settings, true).await?;
    let (session, notices, from_cache) = match cache.cached(target).await? {
        Some(session) => (session, Vec::new(), true),
        None => {
            let outcome = broker_for(ctx, &plan, &args, cache.session_cache()).await.run(&plan).await?;
            (outcome.session, outcome.notices, false)
        }
    };
    let assumed = Assumed {
        target: target.to_owned(),
        arn: session.identity.arn.clone(),
        account: session.identity.account.clone(),
        access_key_id: session.credentials.access_key_id.clone(),
        expires_at: session.credentials.expiration.map(epoch_secs).unwrap_or(0),
        notices,
        from_cache,
    };
    Ok((plan, session, assumed))
}

fn failure(e: &BrokerError) -> Failure {
    match e {
        BrokerError::MfaRejected { .. } => Failure { message: e.to_string(), mfa_rejected: true, mfa_needed: None },
        BrokerError::MfaUnavailable { device, .. } if !device.is_empty() => {
            Failure { message: e.to_string(), mfa_rejected: false, mfa_needed: Some(device.clone()) }
        }
        _ => Failure { message: e.to_string(), mfa_rejected: false, mfa_needed: None },
    }
}

/// Favourites and recent targets, kept in the cache dir.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Prefs {
    /// Favourite target ids.
    #[serde(default)]
    pub favourites: Vec<String>,
    /// Recently assumed target ids, newest first.
    #[serde(default)]
    pub recent: Vec<String>,
}

impl Prefs {
    fn path() -> std::path::PathBuf {
        paths::cache_dir().join("tui.json")
    }

    /// Loads them (missing or unreadable: empty).
    pub fn load() -> Self {
        std::fs::read(Self::path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Saves them (0600, atomic); failures are ignored: they are conveniences.
    pub fn save(&self) {
        if let Ok(text) = serde_json::to_vec_pretty(self) {
            let _ = paths::write_private_atomic(&Self::path(), &text);
        }
    }
}

/// Cached role sessions from the index: target → expiry.
pub fn cached_sessions() -> HashMap<String, u64> {
    let (index, _) = Index::in_dir(&paths::cache_dir()).load();
    index.entries.into_values().filter(|e| e.kind == EntryKind::Role).map(|e| (e.target, e.expires_at)).collect()
}
