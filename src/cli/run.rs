//! `rolecall run SELECTION -- CMD ARGS…`: run a command on many targets at
//! once, each with its own credentials; the output prefixed, grouped, as
//! JSON lines or in files; a summary at the end.

use std::cell::Cell;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};

use super::print;
use super::select_args::SelectArgs;
use crate::config::duration::parse_seconds;
use crate::output::run_report::{self, Report};
use crate::output::run_sink::{Console, Label, Sink, colour_wanted};
use crate::service::assume::Batch;
use crate::service::run::{self as runner, Event, Spec, Stop, Stream};
use crate::service::signals::{Signal, Signals};
use crate::service::{AppError, Context, Flags, MfaCode, Overrides, Prompt};

/// How the commands' output is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputMode {
    /// Each line as it comes, prefixed with its target.
    Prefixed,
    /// Each target's output together, in the order targets end.
    Grouped,
    /// One JSON object per target (id, account, role, exit code, duration, stdout, stderr, error).
    Jsonl,
}

/// Run a command on many targets.
#[derive(Debug, Args)]
pub struct RunCmd {
    #[command(flatten)]
    pub select: SelectArgs,
    /// Print the selected targets, one a line, and exit.
    #[arg(long)]
    pub list: bool,
    /// How many targets at once.
    #[arg(short = 'j', long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,
    /// Run without asking, however many targets are selected.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// Stop every target at the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Stop a target's command after this long (seconds, or e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// How the output is shown (default: prefixed; none with --output-dir).
    #[arg(long, value_enum, value_name = "MODE")]
    pub output: Option<OutputMode>,
    /// Also write each target's stdout and stderr to DIR/TARGET.stdout and .stderr.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// MFA code (6 digits), used at most once.
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub mfa_code: Option<MfaCode>,
    /// Neither use nor fill the session cache in the keyring.
    #[arg(long)]
    pub no_cache: bool,
    /// The command and its arguments.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    match parse_seconds(s)? {
        0 => Err("the timeout must be more than 0 seconds".into()),
        n => Ok(Duration::from_secs(u64::from(n))),
    }
}

fn parse_code(s: &str) -> Result<MfaCode, String> {
    MfaCode::parse(s).map_err(|e| format!("'{s}': {e}"))
}

/// Asks on the terminal whether to go on.
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

impl RunCmd {
    /// Runs the command; 0 only when every target succeeded.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        if self.command.is_empty() && !self.list {
            return Err(AppError::usage("name the command to run after '--': rolecall run SELECTION -- CMD ARGS…"));
        }
        let selection = self.select.selection()?;
        let (snapshots, missing, entries) = runner::catalog(ctx).await;
        let selected = selection.apply(&entries).map_err(|e| AppError::usage(e.to_string()))?;
        for s in &selected.skipped {
            ctx.warn(&format!("skipping '{}': {}", s.entry.id, s.reason));
        }
        if self.list {
            let text: String = selected.targets.iter().map(|e| format!("{}\n", crate::text::clean(&e.id))).collect();
            print(&text)?;
            return Ok(0);
        }
        let n = selected.targets.len();
        let limit = ctx.settings.defaults.run_confirm_above;
        if n > limit && !self.yes {
            let asks = std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !self.select.reads_stdin();
            if !asks {
                return Err(AppError::usage(format!(
                    "{n} targets are selected, more than run_confirm_above ({limit}) in the settings, and there is no terminal to ask: pass --yes to run on all of them"
                )));
            }
            let shown = self.command.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ");
            if !confirm(&format!("Run '{}' on {n} targets?", crate::text::clean(&shown))) {
                ctx.warn("nothing was run");
                return Ok(1);
            }
        }
        let flags = Flags {
            overrides: Overrides::default(),
            mfa_code: self.mfa_code.clone(),
            no_cache: self.no_cache,
            sso_say: None,
        };
        let batch = Batch::open(ctx, snapshots, missing, flags, Prompt::Terminal).await?;
        let jobs: Vec<runner::Job> = selected.targets.iter().map(|e| runner::job(e)).collect();
        let spec = Spec {
            argv: self.command.clone(),
            jobs: usize::from(self.jobs),
            timeout: self.timeout,
            fail_fast: self.fail_fast,
        };
        let console = match (self.output, &self.output_dir) {
            (Some(OutputMode::Prefixed), _) | (None, None) => Console::Prefixed,
            (Some(OutputMode::Grouped), _) => Console::Grouped,
            (Some(OutputMode::Jsonl), _) => Console::Jsonl,
            (None, Some(_)) => Console::Quiet,
        };
        if let Some(dir) = &self.output_dir {
            crate::paths::create_dirs_private(dir)
                .map_err(|e| AppError::usage(format!("--output-dir '{}': {e}", dir.display())))?;
        }
        let labels: Vec<Label> = jobs.iter().map(|j| Label { id: j.id.clone() }).collect();
        let colour = colour_wanted(std::io::stdout().is_terminal());
        let progress = std::io::stderr().is_terminal();
        let mut sink = Sink::new(&labels, console, self.output_dir.as_deref(), colour, progress);

        let mut reports: Vec<Report> = selected
            .skipped
            .iter()
            .map(|s| Report {
                id: s.entry.id.clone(),
                account: s.entry.account_id().map(str::to_owned),
                account_name: s.entry.account_name().map(str::to_owned),
                role: s.entry.role_name().map(str::to_owned),
                status: "skipped".into(),
                error: Some(s.reason.clone()),
                ..Report::default()
            })
            .collect();
        for r in &reports {
            sink.skipped(r);
        }

        let started = Instant::now();
        let stop = Stop::default();
        // From here on INT, TERM and HUP stop the commands instead of ending rolecall.
        let mut signals = Signals::catch();
        let caught: Cell<Option<Signal>> = Cell::new(None);
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        let run = runner::run(ctx, &batch, &jobs, &spec, tx, &stop);
        let mut done: Vec<Option<Report>> = jobs.iter().map(|_| None).collect();
        let mut notices: Vec<String> = Vec::new();
        let render = async {
            while let Some(event) = rx.recv().await {
                match event {
                    Event::Started(i) => sink.started(i, &jobs[i].id),
                    Event::Line(i, stream, line) => sink.line(i, &jobs[i].id, stream == Stream::Err, &line),
                    Event::Finished(i, o) => {
                        let job = &jobs[i];
                        for n in &o.notices {
                            if !notices.contains(n) {
                                notices.push(n.clone());
                            }
                        }
                        done[i] = Some(sink.finished(i, runner::report(job, &o)));
                    }
                }
            }
        };
        let watch = async {
            caught.set(Some(stop.on_signal(&mut signals).await));
            std::future::pending::<()>().await
        };
        tokio::select! {
            biased;
            () = watch => {}
            _ = async { tokio::join!(run, render) } => {}
        }
        sink.finish();
        for warning in batch.finish().await {
            ctx.warn(&format!("warning: {warning}"));
        }
        // A notice per target (a chaining cap names each) would bury the summary: the first few.
        for notice in notices.iter().take(3) {
            ctx.warn(notice);
        }
        if notices.len() > 3 {
            ctx.warn(&format!("… and {} more notices like these", notices.len() - 3));
        }
        reports.extend(done.into_iter().flatten());
        let summary = run_report::summary(&reports, started.elapsed(), caught.get().is_some());
        // After a hang-up stderr may be gone: the exit code still tells.
        let _ = std::io::stderr().write_all(summary.as_bytes());
        if let Some(signal) = caught.get() {
            return Ok(signal.exit_code());
        }
        Ok(if reports.iter().all(|r| r.ok() || r.status == "skipped") { 0 } else { 1 })
    }
}
