//! The one driver of a run on many targets, for `rolecall run` and the TUI's
//! run on marked rows alike: it opens the batch, runs the jobs, stops them on
//! INT, TERM and HUP (when asked to catch them), and assembles the report.
//! The caller only renders what it is told through a [`Watch`].

use std::future::Future;
use std::time::{Duration, Instant};

use super::assume::{Batch, Flags, Prompt};
use super::run::{Event, Job, Outcome, Spec, Stop, Stream, report, run};
use super::signals::{Signal, Signals};
use super::{AppError, Context};
use crate::output::run_report::{self, Report};

/// What a run is asked to do.
pub struct Request<'a> {
    /// The organisations the targets were selected from (see [`super::run::catalog`]).
    pub snapshots: Vec<(&'a crate::config::org::OrgSettings, crate::org::Snapshot)>,
    /// The organisations that could not be had.
    pub missing: Vec<String>,
    /// The targets to run on, in order.
    pub jobs: Vec<Job>,
    /// The targets the selection skipped: reported, never run.
    pub skipped: Vec<Report>,
    /// What to run and how.
    pub spec: Spec,
    /// How credentials are had.
    pub flags: Flags,
    /// Whether a person may be asked for an MFA code on the terminal.
    pub prompt: Prompt,
    /// Catch INT, TERM and HUP for the run's length: they then stop the
    /// commands instead of ending rolecall (the TUI catches them itself).
    pub catch_signals: bool,
}

/// What the caller renders. Every method has a default that does nothing.
pub trait Watch {
    /// The batch is open, the run about to start: the place to open files.
    fn opened(&mut self) -> Result<(), AppError> {
        Ok(())
    }
    /// A target the selection skipped (before anything starts).
    fn skipped(&mut self, _report: &Report) {}
    /// Target `n` began (assuming).
    fn started(&mut self, _n: usize, _job: &Job) {}
    /// A line (its newline included, when it had one) from target `n`'s command.
    fn line(&mut self, _n: usize, _job: &Job, _stream: Stream, _line: &[u8]) {}
    /// Target `n` ended with `outcome`; `report` is its row. The row returned
    /// is the one counted (a renderer that could not keep the output says so in it).
    fn finished(
        &mut self,
        _n: usize,
        _job: &Job,
        _outcome: &Outcome,
        report: Report,
    ) -> impl Future<Output = Report> + Send {
        std::future::ready(report)
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Ended {
    /// The skipped targets, then every job's row in job order.
    pub reports: Vec<Report>,
    /// What the session cache warned about.
    pub warnings: Vec<String>,
    /// What the operator should know about the credentials, each once, in the order they came.
    pub notices: Vec<String>,
    /// From the first job's start to the last one's end.
    pub elapsed: Duration,
    /// The signal that stopped the run, if one did.
    pub caught: Option<Signal>,
}

impl Ended {
    /// The summary shown at the end (counts first, then the failures).
    pub fn summary(&self) -> String {
        run_report::summary(&self.reports, self.elapsed, self.caught.is_some())
    }

    /// 0 when every target succeeded (or was skipped), 1 otherwise, and
    /// 128 + the signal when one stopped the run.
    pub fn exit_code(&self) -> u8 {
        if let Some(signal) = self.caught {
            return signal.exit_code();
        }
        u8::from(!self.reports.iter().all(|r| r.ok() || r.status == "skipped"))
    }
}

/// Runs `request`, telling `watch` what happens; `stop` ends it early.
pub async fn drive<W: Watch>(
    ctx: &Context,
    request: Request<'_>,
    stop: &Stop,
    watch: &mut W,
) -> Result<Ended, AppError> {
    let Request { snapshots, missing, jobs, mut skipped, spec, flags, prompt, catch_signals } = request;
    let batch = Batch::open(ctx, snapshots, missing, flags, prompt).await?;
    watch.opened()?;
    for r in &skipped {
        watch.skipped(r);
    }
    let started = Instant::now();
    // From here on INT, TERM and HUP stop the commands instead of ending rolecall.
    let mut signals = catch_signals.then(Signals::catch);
    let mut caught: Option<Signal> = None;
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let running = run(ctx, &batch, &jobs, &spec, tx, stop);
    let mut done: Vec<Option<Report>> = jobs.iter().map(|_| None).collect();
    let mut notices: Vec<String> = Vec::new();
    let render = async {
        while let Some(event) = rx.recv().await {
            match event {
                Event::Started(i) => watch.started(i, &jobs[i]),
                Event::Line(i, stream, line) => watch.line(i, &jobs[i], stream, &line),
                Event::Finished(i, o) => {
                    for n in &o.notices {
                        if !notices.contains(n) {
                            notices.push(n.clone());
                        }
                    }
                    done[i] = Some(watch.finished(i, &jobs[i], &o, report(&jobs[i], &o)).await);
                }
            }
        }
    };
    let on_signal = async {
        if let Some(s) = signals.as_mut() {
            caught = Some(stop.on_signal(s).await);
        }
        std::future::pending::<()>().await
    };
    tokio::select! {
        biased;
        () = on_signal => {}
        _ = async { tokio::join!(running, render) } => {}
    }
    let warnings = batch.finish().await;
    skipped.extend(done.into_iter().flatten());
    Ok(Ended { reports: skipped, warnings, notices, elapsed: started.elapsed(), caught })
}

#[cfg(test)]
#[path = "run_driver_tests.rs"]
mod tests;
