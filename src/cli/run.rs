//! `rolecall run SELECTION -- CMD ARGS…`: run a command on many targets at
//! once, each with its own credentials; the output prefixed, grouped, as
//! JSON lines or in files; a summary at the end.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use super::print;
use super::select_args::SelectArgs;
use crate::config::duration::parse_seconds;
use crate::output::run_report::Report;
use crate::output::run_sink::{Console, Label, Sink, colour_wanted};
use crate::service::run::{self as runner, Request, Spec, Stop, Stream, Watch};
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
        let labels: Vec<Label> = jobs.iter().map(|j| Label { id: j.id.clone() }).collect();
        let mut render = Render { labels, console, dir: self.output_dir.clone(), sink: None };
        let skipped = selected.skipped.iter().map(runner::skipped).collect();
        let request =
            Request { snapshots, missing, jobs, skipped, spec, flags, prompt: Prompt::Terminal, catch_signals: true };
        let ended = runner::drive(ctx, request, &Stop::default(), &mut render).await?;
        if let Some(sink) = render.sink {
            sink.finish();
        }
        for warning in &ended.warnings {
            ctx.warn(&format!("warning: {warning}"));
        }
        // A notice per target (a chaining cap names each) would bury the summary: the first few.
        for notice in ended.notices.iter().take(3) {
            ctx.warn(notice);
        }
        if ended.notices.len() > 3 {
            ctx.warn(&format!("… and {} more notices like these", ended.notices.len() - 3));
        }
        // After a hang-up stderr may be gone: the exit code still tells.
        let _ = std::io::stderr().write_all(ended.summary().as_bytes());
        Ok(ended.exit_code())
    }
}

/// Renders the run's events on the terminal (and in `--output-dir`).
struct Render {
    labels: Vec<Label>,
    console: Console,
    dir: Option<PathBuf>,
    /// Made once the batch is open.
    sink: Option<Sink>,
}

impl Watch for Render {
    fn opened(&mut self) -> Result<(), AppError> {
        if let Some(dir) = &self.dir {
            crate::paths::create_dirs_private(dir)
                .map_err(|e| AppError::usage(format!("--output-dir '{}': {e}", dir.display())))?;
        }
        let colour = colour_wanted(std::io::stdout().is_terminal());
        let progress = std::io::stderr().is_terminal();
        self.sink = Some(Sink::new(&self.labels, self.console, self.dir.as_deref(), colour, progress));
        Ok(())
    }

    fn skipped(&mut self, report: &Report) {
        if let Some(sink) = &mut self.sink {
            sink.skipped(report);
        }
    }

    fn started(&mut self, n: usize, job: &runner::Job) {
        if let Some(sink) = &mut self.sink {
            sink.started(n, &job.id);
        }
    }

    fn line(&mut self, n: usize, job: &runner::Job, stream: Stream, line: &[u8]) {
        if let Some(sink) = &mut self.sink {
            sink.line(n, &job.id, stream == Stream::Err, line);
        }
    }

    fn finished(
        &mut self,
        n: usize,
        _job: &runner::Job,
        _outcome: &runner::Outcome,
        report: Report,
    ) -> impl std::future::Future<Output = Report> + Send {
        let report = match &mut self.sink {
            Some(sink) => sink.finished(n, report),
            None => report,
        };
        std::future::ready(report)
    }
}
