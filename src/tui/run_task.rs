//! The run on marked targets, in the background: the same driver as
//! `rolecall run` (`service::run::drive`: one session cache, one MFA session
//! shared), never prompting (the terminal belongs to the TUI), progress sent
//! to the app, every line written to a private log file under the cache dir.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::Sender;

use super::app::Msg;
use super::marks::{Progress, RunMsg};
use crate::output::run_report::Report;
use crate::service::run::{self as runner, Job, Outcome, Request, Spec, Status, Stop, Stream, Watch};
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
    let jobs = runner::jobs_for(&entries, targets);
    let say_tx = tx.clone();
    let say: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |text: &str| {
        drop(say_tx.try_send(Msg::Status(crate::text::clean(&text.replace('\n', " ")).into_owned())))
    });
    let flags = Flags { sso_say: Some(crate::service::sso::Say(say)), ..Flags::default() };
    let shown = shell_words::join(&argv);
    let spec =
        Spec { argv: argv.into_iter().map(OsString::from).collect(), jobs: JOBS, timeout: None, fail_fast: false };
    let mut log = Log {
        tx,
        header: format!("# rolecall run on {} targets: {shown}", jobs.len()),
        file: None,
        progress: Progress { total: jobs.len(), ..Progress::default() },
        mfa_needed: false,
    };
    let request = Request {
        snapshots,
        missing,
        jobs,
        skipped: Vec::new(),
        spec,
        flags,
        prompt: Prompt::Never,
        catch_signals: false,
    };
    let ended = runner::drive(&ctx, request, stop, &mut log).await?;
    let Some((path, mut file)) = log.file else {
        return Err(AppError::Output("the run's log was never opened".into()));
    };
    let summary = ended.summary();
    let _ = writeln!(file, "\n{summary}");
    for w in &ended.warnings {
        let _ = writeln!(file, "warning: {w}");
    }
    file.flush().map_err(|e| AppError::Output(format!("cannot write '{}': {e}", path.display())))?;
    let counts = summary.lines().next().unwrap_or_default();
    let mut text = format!("run '{shown}': {counts} · output in {}", path.display());
    if log.mfa_needed {
        text.push_str(" · an MFA code was needed: run `rolecall login` first (or assume one target with enter)");
    }
    Ok(text)
}

/// Writes the run's events to its log file and its progress to the app.
struct Log<'a> {
    tx: &'a Sender<Msg>,
    header: String,
    /// Opened once the batch is open.
    file: Option<(PathBuf, std::io::BufWriter<std::fs::File>)>,
    progress: Progress,
    mfa_needed: bool,
}

impl Watch for Log<'_> {
    fn opened(&mut self) -> Result<(), AppError> {
        let dir = crate::paths::cache_dir().join("runs");
        let (path, file) = log_file(&dir)
            .map_err(|e| AppError::Output(format!("cannot write the run's log in '{}': {e}", dir.display())))?;
        let mut file = std::io::BufWriter::new(file);
        let _ = writeln!(file, "{}", self.header);
        self.file = Some((path, file));
        Ok(())
    }

    fn line(&mut self, _n: usize, job: &Job, stream: Stream, line: &[u8]) {
        let Some((_, log)) = &mut self.file else { return };
        let tag = if stream == Stream::Err { " !" } else { "" };
        let _ = write!(log, "[{}]{tag} ", job.id);
        let _ = log.write_all(line);
        if !line.ends_with(b"\n") {
            let _ = log.write_all(b"\n");
        }
    }

    fn finished(
        &mut self,
        _n: usize,
        job: &Job,
        o: &Outcome,
        report: Report,
    ) -> impl std::future::Future<Output = Report> + Send {
        self.progress.done += 1;
        if !matches!(o.status, Status::Ok | Status::Cancelled) {
            self.progress.failed += 1;
        }
        let error = o.error.clone().unwrap_or_default();
        self.mfa_needed |= o.mfa_needed;
        if let Some((_, log)) = &mut self.file {
            let code = o.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
            let _ = writeln!(log, "[{}] == {} (exit {code}) {error}", job.id, o.status.label());
        }
        let tx = self.tx.clone();
        let progress = self.progress;
        async move {
            let _ = tx.send(Msg::Run(RunMsg::Progress(progress))).await;
            report
        }
    }
}
