//! Performing the app's effects: describing targets, assuming in the
//! background, storing sessions, refreshing organisations, saving preferences.
//! Nothing here prints: the terminal belongs to the TUI.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc::Sender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::app::{Assumed, DescribeRequest, Failure, Msg};
use super::model::{Details, Item};
use crate::catalog::Entry;
use crate::credentials::Session;
use crate::output;
use crate::service::{
    self, AppError, BrokerError, Context, Flags, MfaCode, Plan, Prompt, Refresh, SharedContext, catalog, child, orgs,
};
use crate::time;

/// The last assumed session and what a child process needs with it.
#[derive(Clone)]
pub struct LastSession {
    /// The target id.
    pub target: String,
    /// The plan the session was made by.
    pub plan: Plan,
    /// STS region (becomes AWS_REGION).
    pub region: String,
    /// The profile's endpoint for children, if any.
    pub endpoint: Option<String>,
    /// The credentials and identity.
    pub session: Session,
}

/// Runs effects; holds what must not live in the app: the session's secrets and task handles.
pub struct Effects {
    ctx: Arc<SharedContext>,
    tx: Sender<Msg>,
    tasks: HashMap<u64, JoinHandle<()>>,
    /// The last assumed session (for shell, store, export).
    pub session: Arc<std::sync::Mutex<Option<LastSession>>>,
    /// Stops the run on marked targets in flight.
    run: Option<crate::service::run::Stop>,
    /// The latest describe request, for the describer task.
    describer: Option<watch::Sender<Option<DescribeRequest>>>,
}

impl Effects {
    /// Effects for `ctx` (loaded now or on first use), answering on `tx`.
    pub fn new(ctx: Arc<SharedContext>, tx: Sender<Msg>) -> Self {
        Self { ctx, tx, tasks: HashMap::new(), session: Arc::default(), run: None, describer: None }
    }

    /// Hands `msg` back to the event loop (keys read just before a shell are
    /// handled once the TUI is back).
    pub fn requeue(&self, msg: Msg) {
        let _ = self.tx.try_send(msg);
    }

    /// Loads the context in the background (after the first frame).
    pub fn warm(&self) {
        let ctx = self.ctx.clone();
        let tx = self.tx.clone();
        tokio::spawn(async move {
            if let Err(e) = ctx.get().await {
                let _ = tx.send(Msg::TargetsRefreshed(Err(e.to_string()))).await;
            }
        });
    }

    /// Asks for `request`'s details and returns at once: the describer task
    /// (started on first use) answers with `Msg::Described`. Requests that
    /// come while it works replace each other, so a fast scroll describes
    /// the row it ends on, not every row it passed.
    pub fn describe(&mut self, request: DescribeRequest) {
        match &self.describer {
            Some(latest) if !latest.is_closed() => {
                latest.send_replace(Some(request));
            }
            _ => {
                let (latest, rx) = watch::channel(Some(request));
                tokio::spawn(describer(self.ctx.clone(), self.tx.clone(), rx));
                self.describer = Some(latest);
            }
        }
    }

    /// Starts assuming `target` in the background.
    pub fn assume(&mut self, request: u64, target: String, code: Option<MfaCode>) {
        let (ctx, tx, slot) = (self.ctx.clone(), self.tx.clone(), self.session.clone());
        self.tasks.retain(|_, t| !t.is_finished());
        let task = tokio::spawn(async move {
            let ctx = match ctx.get().await {
                Ok(ctx) => ctx,
                Err(e) => {
                    let _ = tx.send(Msg::AssumeFinished(request, Err(failure(&e)))).await;
                    return;
                }
            };
            let status = tx.clone();
            let say: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |text: &str| {
                drop(status.try_send(Msg::SignIn(request, crate::text::clean_multiline(text).into_owned())))
            });
            let result = assume(&ctx, &target, code, say).await;
            let msg = match result {
                Ok((plan, session, assumed)) => {
                    let endpoint = child::endpoint(&ctx, &plan);
                    if let Ok(mut s) = slot.lock() {
                        *s = Some(LastSession {
                            target: target.clone(),
                            plan: plan.clone(),
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

    /// Starts or stops the run on marked targets.
    pub fn run(&mut self, effect: super::marks::RunEffect) {
        match effect {
            super::marks::RunEffect::Start { targets, argv } => {
                let stop = super::run_task::spawn(self.ctx.clone(), self.tx.clone(), targets, argv);
                self.run = Some(stop);
            }
            super::marks::RunEffect::Stop => {
                if let Some(stop) = self.run.take() {
                    stop.stop();
                }
            }
        }
    }

    /// Stops the run in flight and waits (5 s at most) until it has killed
    /// its commands: on quitting, so none is left behind.
    pub async fn finish_run(&mut self, rx: &mut tokio::sync::mpsc::Receiver<Msg>) {
        let Some(stop) = self.run.take() else { return };
        stop.stop();
        let ended = async {
            while let Some(msg) = rx.recv().await {
                if matches!(msg, Msg::Run(super::marks::RunMsg::Finished(_))) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), ended).await;
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
            let shared = ctx;
            let ctx = match shared.get().await {
                Ok(ctx) => ctx,
                Err(e) => {
                    let _ = tx.send(Msg::TargetsRefreshed(Err(e.to_string()))).await;
                    return;
                }
            };
            let (_, failures) = orgs::load(&ctx, None, Refresh::Force, None, Prompt::Never).await;
            let msg = if failures.is_empty() {
                Ok(items_of(&catalog::rebuild(&ctx, shared.settings_flag())))
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
            let result = match (last, ctx.get().await) {
                (None, _) => Err("no session to store".to_owned()),
                (_, Err(e)) => Err(e.to_string()),
                (Some(LastSession { target, plan, session, .. }), Ok(ctx)) => {
                    service::assume::keep(&ctx, &plan, &session)
                        .await
                        .map(|()| format!("kept '{target}' in the keyring: credential_process serves it now"))
                        .map_err(|e| e.to_string())
                }
            };
            let _ = tx.send(Msg::Stored(result)).await;
        });
    }
}

impl Effects {
    /// Opens the AWS console as the last session, answering with `Msg::ConsoleOpened`.
    pub fn console(&self) {
        let (ctx, tx, slot) = (self.ctx.clone(), self.tx.clone(), self.session.clone());
        tokio::spawn(async move {
            let last = slot.lock().ok().and_then(|s| s.clone());
            let result = match (last, ctx.get().await) {
                (None, _) => Err("no session".to_owned()),
                (_, Err(e)) => Err(e.to_string()),
                (Some(LastSession { target, plan, session, .. }), Ok(ctx)) => {
                    open_console(&ctx, &target, &plan, &session).await
                }
            };
            let _ = tx.send(Msg::ConsoleOpened(result.map_err(|e| crate::text::clean(&e).into_owned()))).await;
        });
    }
}

async fn open_console(ctx: &Context, target: &str, plan: &Plan, session: &Session) -> Result<String, String> {
    use secrecy::ExposeSecret;
    let signin = service::console::signin_with(ctx, plan, session, None, &service::console::Where::default())
        .await
        .map_err(|e| e.to_string())?;
    let browser = ctx.env.get("BROWSER").ok();
    let dir = crate::paths::cache_dir().join("console");
    let opened = tokio::task::spawn_blocking(move || {
        output::browser::open(signin.url.expose_secret(), &dir, browser.as_deref(), std::time::Duration::from_secs(20))
    })
    .await
    .map_err(|e| e.to_string())??;
    Ok(match opened {
        output::browser::Opened::Read => format!("opened the AWS console for '{target}'"),
        output::browser::Opened::NotSeen => format!("started the browser for '{target}'; it did not open the page yet"),
    })
}

/// Describes the latest request, one at a time, until the app is gone: the
/// context is awaited (it loads behind the first frame), planning and the
/// vault's headers are read on the blocking pool, and the answer carries
/// the request id it answers.
async fn describer(shared: Arc<SharedContext>, tx: Sender<Msg>, mut latest: watch::Receiver<Option<DescribeRequest>>) {
    loop {
        let Some(request) = latest.borrow_and_update().clone() else { return };
        let details = match shared.get().await {
            Ok(ctx) => {
                let DescribeRequest { target, parsed, .. } = request.clone();
                tokio::task::spawn_blocking(move || service::describe::describe_parsed(&ctx, &target, &parsed))
                    .await
                    .unwrap_or_else(|e| Details { error: Some(e.to_string()), ..Details::default() })
            }
            Err(e) => Details { error: Some(e.to_string()), ..Details::default() },
        };
        let msg = Msg::Described { request: request.request, target: request.target, details: Box::new(details) };
        if tx.send(msg).await.is_err() {
            return;
        }
        // Wait for the next request (the latest one if several came meanwhile).
        if latest.changed().await.is_err() {
            return;
        }
    }
}

/// The TUI's items for catalog entries (an organisation target that is a
/// profile is listed once, as the profile).
pub fn items_of(entries: &[Entry]) -> Vec<Item> {
    entries.iter().filter(|e| e.merged_into().is_none()).map(Item::from_entry).collect()
}

/// Assumes `target` through the one cached-or-assume path, never prompting
/// (the TUI asks for codes in its own dialog) and printing nothing.
async fn assume(
    ctx: &Context,
    target: &str,
    mfa_code: Option<MfaCode>,
    say: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<(Plan, Session, Assumed), AppError> {
    let flags = Flags { mfa_code, sso_say: Some(service::sso::Say(say)), ..Flags::default() };
    let got = service::assume(ctx, target, &flags, Prompt::Never).await?;
    let session = got.session;
    let assumed = Assumed {
        target: target.to_owned(),
        arn: crate::text::clean(&session.identity.arn).into_owned(),
        account: crate::text::clean(&session.identity.account).into_owned(),
        access_key_id: session.credentials.access_key_id.clone(),
        expires_at: session.credentials.expiration.map(time::epoch_secs).unwrap_or(0),
        notices: got.notices,
        from_cache: got.from_cache,
    };
    Ok((got.plan, session, assumed))
}

fn failure(e: &AppError) -> Failure {
    let message = crate::text::clean_multiline(&e.to_string()).into_owned();
    match e {
        AppError::Broker(BrokerError::MfaRejected { .. }) => Failure { message, mfa_rejected: true, mfa_needed: None },
        AppError::Broker(BrokerError::MfaUnavailable { device, .. }) => {
            Failure { message, mfa_rejected: false, mfa_needed: Some(device.clone()) }
        }
        _ => Failure { message, mfa_rejected: false, mfa_needed: None },
    }
}

/// Cached role sessions from the vault's headers: target → expiry.
pub fn cached_sessions() -> HashMap<String, u64> {
    service::sessions::role_expiries()
}
