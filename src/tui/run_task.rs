//! The run on marked targets, in the background: the same runner and batch
//! as `rolecall run` (one session cache, one MFA session shared), never
//! prompting (the terminal belongs to the TUI), progress sent to the app,
//! every line written to a private log file under the cache dir.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc::Sender;

use super::app::Msg;
use super::marks::{Progress, RunMsg};
use crate::output::run_report::{self, Report};
use crate::service::assume::Batch;
use crate::service::run::{self as runner, Event, Job, Spec, Status, Stop, Stream};
use crate::service::{AppError, Flags, Prompt, SharedContext};

/// How many targets at once (as `rolecall run`'s default).
const JOBS: usize = 16;

/// Starts running `argv` on `targets`; the returned [`Stop`] ends it.
pub fn spawn(shared: Arc<SharedContext>, tx: Sender<Msg>, targets: Vec<String>, argv: Vec<String>) -> Stop {
    let stop = Stop::default();
    let stopper = stop.clone();
    tokio::spawn(async move {
        let text = match run(&shared, &tx, &targets, argv, &stopper).await {
            Ok(text) => text,
            Err(e) => format!("run: {e}"),
        };
        let text = crate::text::clean(&text.replace('\n', " ")).into_owned();
        let _ = tx.send(Msg::Run(RunMsg::Finished(text))).await;
    });
    stop
}

/// A new private log file in a private `runs` dir under the cache dir.
fn log_file(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    crate::paths::ensure_private_dir(dir)?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let path = dir.join(format!("run-{}-{:03}-{}.log", now.as_secs(), now.subsec_millis(), std::process::id()));
    let file = crate::paths::new_private_file(&path)?;
    Ok((path, file))
}

async fn run(
    shared: &SharedContext,
    tx: &Sender<Msg>,
    targets: &[String],
    argv: Vec<String>,
    stop: &Stop,
) -> Result<String, AppError> {
    let ctx = shared.get().await?;
    let (snapshots, missing, entries) = runner::catalog(&ctx).await;
    let by_id: HashMap<&str, &crate::catalog::Entry> = entries.iter().map(|e| (e.id.as_str(), e)).collect();
    let jobs: Vec<Job> = targets
        .iter()
        .map(|id| match by_id.get(id.as_str()) {
            Some(e) => runner::job(e),
            None => Job { id: id.clone(), account_id: None, account_name: None, role: None },
        })
        .collect();
    let say_tx = tx.clone();
    let say: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |text: &str| {
        drop(say_tx.try_send(Msg::Status(crate::text::clean(&text.replace('\n', " ")).into_owned())))
    });
    let flags = Flags { sso_say: Some(crate::service::sso::Say(say)), ..Flags::default() };
    let batch = Batch::open(&ctx, snapshots, missing, flags, Prompt::Never).await?;
    let dir = crate::paths::cache_dir().join("runs");
    let (path, file) = log_file(&dir)
        .map_err(|e| AppError::Output(format!("cannot write the run's log in '{}': {e}", dir.display())))?;
    let mut log = std::io::BufWriter::new(file);
    let shown = shell_words::join(&argv);
    let _ = writeln!(log, "# rolecall run on {} targets: {shown}", jobs.len());
    let spec =
        Spec { argv: argv.into_iter().map(OsString::from).collect(), jobs: JOBS, timeout: None, fail_fast: false };

    let started = Instant::now();
    let (events_tx, mut events) = tokio::sync::mpsc::channel(1024);
    let running = runner::run(&ctx, &batch, &jobs, &spec, events_tx, stop);
    let mut reports: Vec<Option<Report>> = jobs.iter().map(|_| None).collect();
    let mut progress = Progress { total: jobs.len(), ..Progress::default() };
    let mut mfa_needed = false;
    let record = async {
        while let Some(event) = events.recv().await {
            match event {
                Event::Started(_) => {}
                Event::Line(i, stream, line) => {
                    let tag = if stream == Stream::Err { " !" } else { "" };
                    let _ = write!(log, "[{}]{tag} ", jobs[i].id);
                    let _ = log.write_all(&line);
                    if !line.ends_with(b"\n") {
                        let _ = log.write_all(b"\n");
                    }
                }
                Event::Finished(i, o) => {
                    let job = &jobs[i];
                    progress.done += 1;
                    if !matches!(o.status, Status::Ok | Status::Cancelled) {
                        progress.failed += 1;
                    }
                    let error = o.error.clone().unwrap_or_default();
                    mfa_needed |= o.status == Status::AssumeFailed && error.contains("an MFA code is needed");
                    let code = o.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
                    let _ = writeln!(log, "[{}] == {} (exit {code}) {error}", job.id, o.status.label());
                    reports[i] = Some(runner::report(job, &o));
                    let _ = tx.send(Msg::Run(RunMsg::Progress(progress))).await;
                }
            }
        }
    };
    tokio::join!(running, record);
    let warnings = batch.finish().await;
    let reports: Vec<Report> = reports.into_iter().flatten().collect();
    let summary = run_report::summary(&reports, started.elapsed(), false);
    let _ = writeln!(log, "\n{summary}");
    for w in &warnings {
        let _ = writeln!(log, "warning: {w}");
    }
    log.flush().map_err(|e| AppError::Output(format!("cannot write '{}': {e}", path.display())))?;
    let counts = summary.lines().next().unwrap_or_default();
    let mut text = format!("run '{shown}': {counts} · output in {}", path.display());
    if mfa_needed {
        text.push_str(" · an MFA code was needed: run `rolecall login` first (or assume one target with enter)");
    }
    Ok(text)
}
