//! The run driver on its own, without a CLI or a TUI: real commands, a
//! session cache that keeps nothing (`store = "none"`), and a small STS on
//! 127.0.0.1 (the one the integration tests use).

use std::ffi::OsString;
use std::path::Path;

use aws_types::os_shim_internal::Env;

use super::{Ended, Request, Watch, drive};
use crate::config::AwsConfig;
use crate::config::settings::{Settings, StoreKind};
use crate::output::run_report::Report;
use crate::service::run::{self as runner, Job, Outcome, Spec, Stop, Stream};
use crate::service::{AppError, Context, Flags, Notify, Prompt};

#[allow(dead_code)] // The fake serves other tests too; these use only its working STS.
#[path = "../../tests/common/fake_sts.rs"]
mod fake_sts;

/// What the driver told its watcher, in order, as text.
#[derive(Default)]
struct Seen {
    events: Vec<String>,
    /// Rows whose status the watcher replaces (as the CLI's sink does when it cannot write a file).
    amend: Option<&'static str>,
}

impl Watch for Seen {
    fn opened(&mut self) -> Result<(), AppError> {
        self.events.push("opened".into());
        Ok(())
    }
    fn skipped(&mut self, report: &Report) {
        self.events.push(format!("skipped {}", report.id));
    }
    fn started(&mut self, n: usize, job: &Job) {
        self.events.push(format!("started {n} {}", job.id));
    }
    fn line(&mut self, n: usize, _job: &Job, stream: Stream, line: &[u8]) {
        self.events.push(format!("line {n} {stream:?} {}", String::from_utf8_lossy(line).trim_end()));
    }
    fn finished(
        &mut self,
        n: usize,
        _job: &Job,
        outcome: &Outcome,
        mut report: Report,
    ) -> impl std::future::Future<Output = Report> + Send {
        self.events.push(format!("finished {n} {} {:?}", outcome.status.label(), outcome.exit_code));
        if let Some(status) = self.amend {
            report.status = status.into();
        }
        std::future::ready(report)
    }
}

/// A context over `dir`: profile `base` with keys (account 111111111111 at
/// the fake STS) and `worker`, a role in 222222222222 assumed from it.
async fn context(dir: &Path, sts: &str) -> Context {
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[profile base]\naws_access_key_id = AKIAFAKEBASE0000000\naws_secret_access_key = fake\nregion = us-east-1\n\n\
         [profile worker]\nrole_arn = arn:aws:iam::222222222222:role/Worker\nsource_profile = base\nregion = us-east-1\n",
    )
    .unwrap();
    let (config, absent, home) =
        (config.display().to_string(), dir.join("absent").display().to_string(), dir.display().to_string());
    let env = Env::from_slice(&[
        ("AWS_CONFIG_FILE", &config),
        ("AWS_SHARED_CREDENTIALS_FILE", &absent),
        ("AWS_ENDPOINT_URL", sts),
        ("HOME", &home),
    ]);
    let aws = AwsConfig::load(&env).await.unwrap();
    let mut settings = Settings::default();
    settings.defaults.store = StoreKind::None;
    Context { env, aws, settings, notify: Notify::Silent }
}

fn request<'a>(ctx: &'a Context, ids: &[&str], skipped: Vec<Report>) -> Request<'a> {
    let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let entries = crate::service::catalog::entries(ctx, &[]);
    // The command passes only for the account of profile `base`.
    let argv =
        ["sh", "-c", "echo \"$ROLECALL_ACCOUNT_ID\"; echo to-stderr >&2; test \"$ROLECALL_ACCOUNT_ID\" = 111111111111"];
    Request {
        snapshots: Vec::new(),
        missing: Vec::new(),
        jobs: runner::jobs_for(&entries, &ids),
        skipped,
        spec: Spec { argv: argv.iter().map(OsString::from).collect(), jobs: 1, timeout: None, fail_fast: false },
        flags: Flags::default(),
        prompt: Prompt::Never,
        catch_signals: false,
    }
}

fn statuses(ended: &Ended) -> Vec<(&str, &str)> {
    ended.reports.iter().map(|r| (r.id.as_str(), r.status.as_str())).collect()
}

#[tokio::test]
async fn the_driver_runs_every_job_and_reports_in_order() {
    let sts = fake_sts::FakeSts::start(fake_sts::Behaviour::Sts);
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), &sts.url).await;
    let skipped = vec![Report { id: "gone".into(), status: "skipped".into(), ..Report::default() }];
    let mut seen = Seen::default();
    let ended =
        drive(&ctx, request(&ctx, &["base", "worker", "nope"], skipped), &Stop::default(), &mut seen).await.unwrap();

    assert_eq!(
        statuses(&ended),
        [("gone", "skipped"), ("base", "ok"), ("worker", "failed"), ("nope", "assume-failed")]
    );
    assert_eq!(ended.reports[1].account.as_deref(), Some("111111111111"));
    assert_eq!(ended.reports[2].account.as_deref(), Some("222222222222"));
    assert_eq!(ended.reports[2].exit_code, Some(1));
    assert!(ended.reports[3].error.as_deref().is_some_and(|e| e.contains("nope")), "{:?}", ended.reports[3]);
    assert_eq!((ended.caught, ended.exit_code()), (None, 1));
    assert!(ended.summary().starts_with("4 targets in "), "{}", ended.summary());
    assert!(ended.summary().contains("1 ok, 2 failed, 1 skipped"), "{}", ended.summary());

    // One job at a time: each target's events in turn, the skipped one first.
    let mut events = seen.events.clone();
    // A command's stdout and stderr are read side by side: their order between them is not fixed.
    for chunk in [3..5, 7..9] {
        events[chunk].sort();
    }
    assert_eq!(
        events,
        [
            "opened",
            "skipped gone",
            "started 0 base",
            "line 0 Err to-stderr",
            "line 0 Out 111111111111",
            "finished 0 ok Some(0)",
            "started 1 worker",
            "line 1 Err to-stderr",
            "line 1 Out 222222222222",
            "finished 1 failed Some(1)",
            "started 2 nope",
            "finished 2 assume-failed None",
        ]
    );
}

#[tokio::test]
async fn the_row_a_watcher_returns_is_the_one_counted() {
    let sts = fake_sts::FakeSts::start(fake_sts::Behaviour::Sts);
    let dir = tempfile::tempdir().unwrap();
    let ctx = context(dir.path(), &sts.url).await;
    let mut seen = Seen { amend: Some("failed"), ..Seen::default() };
    let ended = drive(&ctx, request(&ctx, &["base"], Vec::new()), &Stop::default(), &mut seen).await.unwrap();
    assert_eq!(seen.events.last().map(String::as_str), Some("finished 0 ok Some(0)"));
    assert_eq!((statuses(&ended), ended.exit_code()), (vec![("base", "failed")], 1));
}

#[tokio::test]
async fn a_stopped_run_starts_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // No STS at all: a target that tried to assume would fail, not be cancelled.
    let ctx = context(dir.path(), "http://127.0.0.1:9").await;
    let stop = Stop::default();
    stop.stop();
    let mut seen = Seen::default();
    let ended = drive(&ctx, request(&ctx, &["base", "worker"], Vec::new()), &stop, &mut seen).await.unwrap();
    assert_eq!(statuses(&ended), [("base", "cancelled"), ("worker", "cancelled")]);
    assert_eq!(seen.events, ["opened", "finished 0 cancelled None", "finished 1 cancelled None"]);
    assert!(ended.summary().contains("2 cancelled"), "{}", ended.summary());
    assert_eq!(ended.exit_code(), 1);
}
