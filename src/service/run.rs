//! Running one command on many targets (`rolecall run`, the TUI's run on
//! marked rows): each target's credentials through the batch's one
//! cached-or-assume path, then the command as a child in its own process
//! group with the target's environment, `jobs` at a time. What happens is
//! sent as [`Event`]s. [`drive`] (in `run_driver.rs`) is the one driver
//! both callers use: it owns the batch, the jobs, the signals and the report,
//! and the caller only renders through a [`Watch`].

use std::ffi::OsString;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::sync::{mpsc, watch};

use super::assume::{Batch, Failure};
pub use super::run_driver::{Ended, Request, Watch, drive};
use super::{Context, child};
use crate::output::exec;

/// The longest piece of a line sent as one event (a longer line comes in pieces).
const MAX_LINE: u64 = 64 * 1024;

/// How long a child may take to leave after SIGTERM before SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

/// How long to wait, after SIGKILL, for a process group to be empty. A killed
/// process stays in its group until its parent reaps it, and an orphan's new
/// parent (init, or a container's PID 1) may be slow at that: measured at up
/// to 2 s in a container whose PID 1 reaps lazily, where the processes were
/// long dead. Beyond this the group holds only the dying and the dead.
const REAP_WAIT: Duration = Duration::from_millis(250);

/// A target to run on, as the catalog knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The target id.
    pub id: String,
    /// The 12-digit account, when known before assuming.
    pub account_id: Option<String>,
    /// The account's name, when an organisation knows it.
    pub account_name: Option<String>,
    /// The final role's name, if any.
    pub role: Option<String>,
}

/// What to run and how.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The command and its arguments.
    pub argv: Vec<OsString>,
    /// How many targets at once (at least 1).
    pub jobs: usize,
    /// The longest a target's command may run.
    pub timeout: Option<Duration>,
    /// Stop every target at the first failure.
    pub fail_fast: bool,
}

/// Which stream a line came on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The child's stdout.
    Out,
    /// The child's stderr.
    Err,
}

/// How a target ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// The command exited 0.
    Ok,
    /// Its credentials could not be had.
    AssumeFailed,
    /// The command exited non-zero, was killed by a signal, or could not start.
    Failed,
    /// The command ran past the timeout and was stopped.
    TimedOut,
    /// Stopped (or never started) by Ctrl-C or `--fail-fast`.
    Cancelled,
}

impl Status {
    /// The word the summary and the JSON use.
    pub fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::AssumeFailed => "assume-failed",
            Self::Failed => "failed",
            Self::TimedOut => "timed-out",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The result of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The command's exit code (128 + signal when a signal ended it).
    pub exit_code: Option<i32>,
    /// From the start of the assume to the end of the command.
    pub duration: Duration,
    /// Why it failed, when it did not simply exit non-zero.
    pub error: Option<String>,
    /// The account the credentials were verified for.
    pub account_id: Option<String>,
    /// What the operator should know about its credentials (a chaining cap…).
    pub notices: Vec<String>,
    /// Its credentials needed an MFA code and nobody could be asked for one.
    pub mfa_needed: bool,
}

/// The report row for `job`'s `outcome`: what the CLI's summary and the
/// TUI's log both show.
pub fn report(job: &Job, outcome: &Outcome) -> crate::output::run_report::Report {
    crate::output::run_report::Report {
        id: job.id.clone(),
        account: outcome.account_id.clone().or(job.account_id.clone()),
        account_name: job.account_name.clone(),
        role: job.role.clone(),
        status: outcome.status.label().to_owned(),
        exit_code: outcome.exit_code,
        duration: outcome.duration.as_secs_f64(),
        error: outcome.error.clone(),
        ..Default::default()
    }
}

/// What happened, in order for each target.
#[derive(Debug)]
pub enum Event {
    /// Target `n` began (assuming).
    Started(usize),
    /// A line (its newline included, when it had one) from target `n`'s command.
    Line(usize, Stream, Vec<u8>),
    /// Target `n` ended.
    Finished(usize, Outcome),
}

/// A flag that stops the run: set it on Ctrl-C.
#[derive(Clone, Debug)]
pub struct Stop(watch::Sender<bool>);

impl Default for Stop {
    fn default() -> Self {
        Self(watch::channel(false).0)
    }
}

impl Stop {
    /// Stops every target: running commands are killed, the rest never start.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Waits for the first of `signals` (INT, TERM, HUP), stops the run and
    /// says which it was; the commands are then stopped as by [`Stop::stop`].
    pub async fn on_signal(&self, signals: &mut super::signals::Signals) -> super::signals::Signal {
        let signal = signals.recv().await;
        self.stop();
        signal
    }

    fn watch(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }

    fn stopped(&self) -> bool {
        *self.0.borrow()
    }
}

async fn wait_stop(mut rx: watch::Receiver<bool>) {
    // An error means the sender is gone: then nothing can stop the run any more.
    if rx.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Runs `spec` on every job; events go to `events` (the run waits when the
/// receiver is slow, and goes on without it when it is gone). Returns each
/// job's outcome, in job order.
pub async fn run(
    ctx: &Context,
    batch: &Batch<'_>,
    jobs: &[Job],
    spec: &Spec,
    events: mpsc::Sender<Event>,
    stop: &Stop,
) -> Vec<Outcome> {
    use futures_util::StreamExt;
    let width = spec.jobs.max(1);
    // Collected, and each a named async fn's future (not a closure's): the run
    // can then be spawned (the TUI runs it on a task), which needs `Send`.
    let tasks: Vec<_> =
        jobs.iter().enumerate().map(|(n, job)| task(ctx, batch, n, job, spec, events.clone(), stop)).collect();
    let mut done: Vec<(usize, Outcome)> = futures_util::stream::iter(tasks).buffer_unordered(width).collect().await;
    done.sort_by_key(|(n, _)| *n);
    done.into_iter().map(|(_, o)| o).collect()
}

/// One target, start to end, with its events.
async fn task(
    ctx: &Context,
    batch: &Batch<'_>,
    n: usize,
    job: &Job,
    spec: &Spec,
    events: mpsc::Sender<Event>,
    stop: &Stop,
) -> (usize, Outcome) {
    let outcome = if stop.stopped() {
        cancelled(Duration::ZERO, None, "not started: the run was stopped")
    } else {
        let _ = events.send(Event::Started(n)).await;
        one(ctx, batch, n, job, spec, &events, stop).await
    };
    let failed = !matches!(outcome.status, Status::Ok | Status::Cancelled);
    if failed && spec.fail_fast {
        stop.stop();
    }
    let _ = events.send(Event::Finished(n, outcome.clone())).await;
    (n, outcome)
}

fn cancelled(duration: Duration, account_id: Option<String>, why: &str) -> Outcome {
    Outcome {
        status: Status::Cancelled,
        exit_code: None,
        duration,
        error: Some(why.to_owned()),
        account_id,
        notices: Vec::new(),
        mfa_needed: false,
    }
}

/// One target: credentials, then the command.
async fn one(
    ctx: &Context,
    batch: &Batch<'_>,
    n: usize,
    job: &Job,
    spec: &Spec,
    events: &mpsc::Sender<Event>,
    stop: &Stop,
) -> Outcome {
    let start = Instant::now();
    let assumed = tokio::select! {
        a = batch.assume(&job.id) => a,
        () = wait_stop(stop.watch()) => return cancelled(start.elapsed(), None, "stopped before its credentials came"),
    };
    let assumed = match assumed {
        Ok(a) => a,
        Err(Failure { message, mfa_needed, .. }) => {
            return Outcome {
                status: Status::AssumeFailed,
                exit_code: None,
                duration: start.elapsed(),
                error: Some(message),
                account_id: job.account_id.clone(),
                notices: Vec::new(),
                mfa_needed,
            };
        }
    };
    let account_id = Some(assumed.session.identity.account.clone()).filter(|a| !a.is_empty());
    let notices = assumed.notices.clone();
    let mut env = child::env(ctx, &assumed.plan, &job.id, &assumed.session);
    env.set.push(("ROLECALL_ACCOUNT_ID", account_id.clone().or(job.account_id.clone()).unwrap_or_default()));
    match &job.account_name {
        Some(name) => env.set.push(("ROLECALL_ACCOUNT_NAME", name.clone())),
        None => env.unset.push("ROLECALL_ACCOUNT_NAME"),
    }
    let mut cmd = exec::command(&spec.argv, &env);
    drop((assumed, env));
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // Its own process group: Ctrl-C at the terminal reaches rolecall only,
        // and stopping a target stops everything its command started.
        cmd.process_group(0);
    }
    let mut child = match tokio::process::Command::from(cmd).kill_on_drop(true).spawn() {
        Ok(c) => c,
        Err(e) => {
            return Outcome {
                status: Status::Failed,
                exit_code: None,
                duration: start.elapsed(),
                error: Some(format!("cannot run '{}': {e}", spec.argv[0].to_string_lossy())),
                account_id,
                notices,
                mfa_needed: false,
            };
        }
    };
    // The group's id, kept: once the leader is reaped `child.id()` is gone,
    // while what it started in the background may still run in the group.
    let group = child.id().and_then(|p| i32::try_from(p).ok());
    let out = child.stdout.take().map(|s| pump(s, n, Stream::Out, events.clone()));
    let err = child.stderr.take().map(|s| pump(s, n, Stream::Err, events.clone()));
    let readers = async {
        if let Some(o) = out {
            let _ = o.await;
        }
    };
    let readers_err = async {
        if let Some(e) = err {
            let _ = e.await;
        }
    };
    let deadline = async {
        match spec.timeout {
            Some(t) => tokio::time::sleep(t).await,
            None => std::future::pending().await,
        }
    };
    let finished = async {
        let (status, (), ()) = tokio::join!(child.wait(), readers, readers_err);
        status
    };
    enum End {
        Exited(std::io::Result<std::process::ExitStatus>),
        TimedOut,
        Stopped,
    }
    let end = tokio::select! {
        s = finished => End::Exited(s),
        () = deadline => End::TimedOut,
        () = wait_stop(stop.watch()) => End::Stopped,
    };
    let duration = start.elapsed();
    match end {
        End::Exited(Ok(status)) => {
            let code = exit_code(status);
            let ok = code == Some(0);
            Outcome {
                status: if ok { Status::Ok } else { Status::Failed },
                exit_code: code,
                duration,
                error: None,
                account_id,
                notices,
                mfa_needed: false,
            }
        }
        End::Exited(Err(e)) => Outcome {
            status: Status::Failed,
            exit_code: None,
            duration,
            error: Some(format!("waiting for the command failed: {e}")),
            account_id,
            notices,
            mfa_needed: false,
        },
        End::TimedOut => {
            let code = kill_group(&mut child, group).await;
            let t = spec.timeout.unwrap_or_default();
            Outcome {
                status: Status::TimedOut,
                exit_code: code,
                duration,
                error: Some(format!("timed out after {}; its processes were stopped", humantime::format_duration(t))),
                account_id,
                notices,
                mfa_needed: false,
            }
        }
        End::Stopped => {
            let code = kill_group(&mut child, group).await;
            Outcome { exit_code: code, notices, ..cancelled(duration, account_id, "stopped: the run was interrupted") }
        }
    }
}

/// The exit code, or 128 + the signal that ended the process.
fn exit_code(status: std::process::ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.code().or(status.signal().map(|s| 128 + s))
    }
    #[cfg(not(unix))]
    {
        status.code()
    }
}

/// Stops the child's whole process group `group` (its id is the child's
/// pid): SIGTERM, then SIGKILL after a grace period; returns once the group
/// is empty (or its killed members wait to be reaped), so nothing of it outlives the run.
async fn kill_group(child: &mut tokio::process::Child, group: Option<i32>) -> Option<i32> {
    #[cfg(unix)]
    if let Some(pgid) = group {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
        unsafe { libc::kill(-pgid, libc::SIGTERM) };
        let mut status = tokio::time::timeout(KILL_GRACE, child.wait()).await.ok().and_then(Result::ok);
        // The leader left or would not: anything left in its group gets SIGKILL.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        if status.is_none() {
            status = tokio::time::timeout(KILL_GRACE, child.wait()).await.ok().and_then(Result::ok);
        }
        group_gone(pgid).await;
        return status.and_then(exit_code);
    }
    #[cfg(not(unix))]
    let _ = group;
    let _ = child.start_kill();
    match tokio::time::timeout(KILL_GRACE, child.wait()).await {
        Ok(Ok(status)) => exit_code(status),
        _ => None,
    }
}

/// Waits ([`REAP_WAIT`] at most) until process group `pgid` is empty: a
/// killed process leaves it only once its parent (here, init) has reaped it.
#[cfg(unix)]
async fn group_gone(pgid: i32) {
    let deadline = Instant::now() + REAP_WAIT;
    // SAFETY: signal 0 only asks whether the group has a member; nothing is sent.
    while unsafe { libc::kill(-pgid, 0) } == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sends each line of `stream` as an event until it ends.
async fn pump(stream: impl AsyncRead + Unpin + Send + 'static, n: usize, which: Stream, events: mpsc::Sender<Event>) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = Vec::new();
        // At most MAX_LINE bytes an event: a line that never ends cannot grow without bound.
        match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if events.send(Event::Line(n, which, line)).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// The organisations (from the cache, listed again when missing or stale),
/// the names of those that could not be had, and every target: what a
/// selection is applied to.
pub async fn catalog(
    ctx: &Context,
) -> (Vec<(&crate::config::org::OrgSettings, crate::org::Snapshot)>, Vec<String>, Vec<crate::catalog::Entry>) {
    let snapshots = super::orgs::for_listing(ctx).await;
    let missing = ctx
        .settings
        .organizations
        .iter()
        .filter(|o| !snapshots.iter().any(|(s, _)| s.name == o.name))
        .map(|o| o.name.clone())
        .collect();
    let entries = super::catalog::entries(ctx, &snapshots);
    (snapshots, missing, entries)
}

/// The job for a catalog entry.
pub fn job(e: &crate::catalog::Entry) -> Job {
    Job {
        id: e.id.clone(),
        account_id: e.account_id().map(str::to_owned),
        account_name: e.account_name().map(str::to_owned),
        role: e.role_name().map(str::to_owned),
    }
}

/// The jobs for `ids` (as the TUI marked them): each as the catalog knows
/// it, or by its id alone (its assume then says what is wrong with it).
pub fn jobs_for(entries: &[crate::catalog::Entry], ids: &[String]) -> Vec<Job> {
    let by_id: std::collections::HashMap<&str, &crate::catalog::Entry> =
        entries.iter().map(|e| (e.id.as_str(), e)).collect();
    ids.iter()
        .map(|id| match by_id.get(id.as_str()) {
            Some(e) => job(e),
            None => Job { id: id.clone(), account_id: None, account_name: None, role: None },
        })
        .collect()
}

/// The report row of a target the selection skipped.
pub fn skipped(s: &crate::catalog::select::Skipped<'_>) -> crate::output::run_report::Report {
    crate::output::run_report::Report {
        id: s.entry.id.clone(),
        account: s.entry.account_id().map(str::to_owned),
        account_name: s.entry.account_name().map(str::to_owned),
        role: s.entry.role_name().map(str::to_owned),
        status: "skipped".into(),
        error: Some(s.reason.clone()),
        ..Default::default()
    }
}
