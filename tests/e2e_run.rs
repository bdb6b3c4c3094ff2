#![cfg(feature = "e2e")]
//! `rolecall run` end to end: selections over moto's 300-account organisation
//! (`scripts/seed_big_org.py --layout org300`), the output modes, the child's
//! environment seen by the AWS CLI v1, one MFA session for many targets, and
//! partial failure (a real AccessDenied from the auth-enforcing moto),
//! confirmation, --fail-fast, --timeout and Ctrl-C.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
use serde_json::Value;

const SETTINGS: &str = r#"[defaults]
store = "none"
org_cache_ttl = "1h"

[[organization]]
name = "acme"
profile = "org-reader"
source_profile = "hub"
roles = ["ReadOnly", "Admin", "Developer"]
[organization.role.Developer]
mfa = true
"#;

struct Org {
    w: World,
    sb: Sandbox,
}

impl Org {
    fn new() -> Self {
        let w = World::load("ROLECALL_TEST_ORG_WORLD");
        let config = format!(
            "[profile org-reader]\nregion = us-east-1\n\n[profile hub]\nregion = us-east-1\nmfa_serial = {}\n",
            w.s("mfa_serial")
        );
        let credentials = format!(
            "[org-reader]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[hub]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            w.s("reader_access_key_id"),
            w.s("reader_secret_access_key"),
            w.s("access_key_id"),
            w.s("secret_access_key"),
        );
        let sb = Sandbox::new(&config, &credentials);
        sb.settings(SETTINGS);
        Self { w, sb }
    }

    fn cmd(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = self.sb.rolecall_std(Some(&self.w.endpoint()));
        cmd.arg("run").args(args).stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn accounts(&self) -> Vec<Value> {
        self.w.json["accounts"].as_array().unwrap().clone()
    }

    /// The target id of an account × role, as the catalog names it.
    fn target(a: &Value, role: &str) -> String {
        let name = a["name"].as_str().unwrap();
        let label = if name == "shared sandbox" { a["id"].as_str().unwrap() } else { name };
        format!("{label}/{role}")
    }

    fn id_of(&self, name: &str) -> String {
        let a = self.accounts().into_iter().find(|a| a["name"] == name).unwrap();
        a["id"].as_str().unwrap().to_owned()
    }
}

fn lines(out: &Output) -> BTreeSet<String> {
    stdout(out).lines().map(str::to_owned).collect()
}

fn jsonl(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?} in\n{}", stdout(out))))
        .collect()
}

#[test]
fn selections_by_glob_ou_tag_role_and_file() {
    let org = Org::new();
    let all = org.accounts();
    let active = |a: &&Value| a["state"] == "ACTIVE";
    let want = |keep: &dyn Fn(&Value) -> bool, role: &str| -> BTreeSet<String> {
        all.iter().filter(active).filter(|a| keep(a)).map(|a| Org::target(a, role)).collect()
    };

    // --ou with --role.
    let out = ok(org.run(&["--list", "--role", "ReadOnly", "--ou", "/Workloads/Prod/EU/**"]), "--ou");
    let expected = want(&|a| a["ou"].as_str().unwrap().starts_with("/Workloads/Prod/EU"), "ReadOnly");
    assert!(expected.len() >= 10, "{expected:?}");
    assert_eq!(lines(&out), expected);

    // --tag (two keys: both) with two roles.
    let out = ok(org.run(&["--list", "--tag", "env=prod", "--tag", "team=team-1", "--role", "Admin"]), "--tag");
    let expected = want(&|a| a["tags"]["env"] == "prod" && a["tags"]["team"] == "team-1", "Admin");
    assert!(!expected.is_empty());
    assert_eq!(lines(&out), expected);

    // Globs over ids; a suspended account is reported and left out.
    let out = ok(org.run(&["--list", "acct-001?/Read*", "retired-2019/ReadOnly"]), "glob");
    let expected: BTreeSet<String> = (0..10).map(|i| format!("acct-001{i}/ReadOnly")).collect();
    assert_eq!(lines(&out), expected);
    assert!(stderr(&out).contains("skipping 'retired-2019/ReadOnly': the account is SUSPENDED"), "{}", stderr(&out));

    // Ids from a file and from stdin, by name and by account id, combined and de-duplicated.
    let file = org.sb.home().join("targets.txt");
    let by_id = format!("{}/Admin", org.id_of("acct-0020"));
    std::fs::write(&file, format!("# payments\npayments prod/ReadOnly\n\n{by_id}\n")).unwrap();
    let mut cmd = org.cmd(&["--list", "--file", file.to_str().unwrap(), "--file", "-", "acct-0020/Admin"]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all("Zürich Ops/ReadOnly\n".as_bytes()).unwrap();
    }
    let out = ok(child.wait_with_output().unwrap(), "--file");
    let got: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    let expected: BTreeSet<String> =
        ["payments prod/ReadOnly", "acct-0020/Admin", "Zürich Ops/ReadOnly"].map(str::to_owned).into();
    assert_eq!(got.len(), 3, "each target once: {got:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected);

    // Mistakes are usage errors that say what is wrong.
    let rows: [(&[&str], &str); 4] = [
        (&["--list", "no-such/ReadOnly"], "no target 'no-such/ReadOnly'"),
        (&["--list", "--ou", "/Nowhere/**"], "the selection matches no target"),
        (&["--list"], "no targets selected"),
        (&["acct-0010/ReadOnly"], "name the command to run after '--'"),
    ];
    for (args, want) in rows {
        let out = org.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn children_get_each_targets_credentials_and_names() {
    let org = Org::new();
    let script = r#"printf '%s|%s|%s|' "$ROLECALL_TARGET" "$ROLECALL_ACCOUNT_ID" "$ROLECALL_ACCOUNT_NAME"; exec "$0" sts get-caller-identity --query Arn --output text"#;
    let aws = aws_cli();
    let out = ok(
        org.run(&[
            "--output",
            "jsonl",
            "acct-001[0-3]/ReadOnly",
            "payments prod/Admin",
            "--",
            "sh",
            "-c",
            script,
            aws.to_str().unwrap(),
        ]),
        "run aws sts get-caller-identity",
    );
    let records = jsonl(&out);
    assert_eq!(records.len(), 5, "{}", stdout(&out));
    for r in &records {
        let id = r["id"].as_str().unwrap();
        let (name, role) = id.rsplit_once('/').unwrap();
        let account = org.id_of(name);
        let want = format!("{id}|{account}|{name}|arn:aws:sts::{account}:assumed-role/{role}/alice\n");
        assert_eq!(r["stdout"], want, "{r}");
        assert_eq!(r["status"], "ok");
        assert_eq!(r["exit_code"], 0);
        assert_eq!(r["account"], account.as_str());
        assert_eq!(r["role"], role);
        assert!(r["duration"].as_f64().unwrap() > 0.0);
        assert_eq!(r["error"], Value::Null);
    }
    assert!(stderr(&out).contains("5 targets in"), "{}", stderr(&out));
    assert!(stderr(&out).contains("5 ok, 0 failed, 0 skipped"), "{}", stderr(&out));
}

const ECHO: &str = r#"echo "out $ROLECALL_ACCOUNT_NAME"; echo "err $ROLECALL_ACCOUNT_NAME" >&2"#;

#[test]
fn output_prefixed_grouped_and_to_files() {
    let org = Org::new();
    let sel = ["acct-0010/ReadOnly", "acct-0011/ReadOnly", "payments prod/ReadOnly"];
    let with = |extra: &[&str]| -> Output {
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(sel);
        args.extend(["--", "sh", "-c", ECHO]);
        ok(org.run(&args), &format!("{extra:?}"))
    };

    // Prefixed (the default): aligned, no colour without a terminal, streams kept apart.
    let out = with(&[]);
    let got = lines(&out);
    let want: BTreeSet<String> = [
        "acct-0010/ReadOnly     | out acct-0010",
        "acct-0011/ReadOnly     | out acct-0011",
        "payments prod/ReadOnly | out payments prod",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(got, want);
    let err = stderr(&out);
    assert!(err.contains("acct-0011/ReadOnly     | err acct-0011\n"), "{err}");
    assert!(!stdout(&out).contains("err "), "stderr lines stay on stderr");
    assert!(!err.contains('\x1b'), "no colour without a terminal: {err:?}");

    // Grouped: each target's output together.
    let out = with(&["--output", "grouped"]);
    let text = stdout(&out);
    for (id, name) in [("acct-0010/ReadOnly", "acct-0010"), ("payments prod/ReadOnly", "payments prod")] {
        assert!(text.contains(&format!("=== {id} (ok, exit 0) ===\nout {name}\n")), "{text}");
        assert!(stderr(&out).contains(&format!("=== {id} (ok, exit 0) ===\nerr {name}\n")), "{}", stderr(&out));
    }

    // Files: one per target and stream, nothing on stdout.
    let dir = org.sb.home().join("out");
    let out = with(&["--output-dir", dir.to_str().unwrap()]);
    assert_eq!(stdout(&out), "");
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let files: BTreeSet<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(files.len(), 6, "{files:?}");
    let stem =
        |prefix: &str| files.iter().find(|f| f.starts_with(prefix)).unwrap().rsplit_once('.').unwrap().0.to_owned();
    let s = stem("payments_prod_ReadOnly");
    assert_eq!(read(&format!("{s}.stdout")), "out payments prod\n");
    assert_eq!(read(&format!("{s}.stderr")), "err payments prod\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(format!("{s}.stdout"))).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // A file that cannot be written fails its target alone; the others' files are still written.
    let blocked = stem("acct-0011_ReadOnly");
    std::fs::remove_file(dir.join(format!("{blocked}.stdout"))).unwrap();
    std::fs::create_dir(dir.join(format!("{blocked}.stdout"))).unwrap();
    std::fs::remove_file(dir.join(format!("{s}.stdout"))).unwrap();
    let mut args = vec!["--output-dir", dir.to_str().unwrap()];
    args.extend(sel);
    args.extend(["--", "sh", "-c", ECHO]);
    let out = org.run(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("2 ok, 1 failed"), "{err}");
    assert!(err.contains("cannot write the output of 'acct-0011/ReadOnly'"), "{err}");
    assert_eq!(read(&format!("{s}.stdout")), "out payments prod\n");
}

/// GetSessionToken requests the organisation's moto recorded so far.
fn session_tokens() -> usize {
    org_bodies().iter().filter(|b| b.contains("Action=GetSessionToken")).count()
}

/// AssumeRole requests the organisation's moto recorded so far into `account`.
fn assumes_into(account: &str) -> usize {
    org_bodies().iter().filter(|b| b.contains("Action=AssumeRole") && b.contains(account)).count()
}

fn org_bodies() -> Vec<String> {
    use base64::Engine;
    let path = std::env::var("ROLECALL_TEST_ORG_RECORDING").expect("run through scripts/test");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|r| r["body"].as_str().map(str::to_owned))
        .map(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(&b)
                .map(|d| String::from_utf8_lossy(&d).into_owned())
                .unwrap_or(b)
        })
        .collect()
}

/// The tests that count GetSessionToken requests take turns.
static MFA_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn one_mfa_code_for_every_target() {
    let _turn = MFA_TURN.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new();
    let before = session_tokens();
    let out = org.run(&[
        "--yes",
        "--mfa-code",
        "123456",
        "--role",
        "Developer",
        "--ou",
        "/Workloads/Prod/**",
        "--output",
        "jsonl",
        "--",
        "true",
    ]);
    let records = jsonl(&out);
    assert!(records.len() > 20, "{}", records.len());
    assert!(records.iter().all(|r| r["status"] == "ok"), "{}\n{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(session_tokens() - before, 1, "one MFA session for {} targets", records.len());
}

#[test]
fn too_many_targets_without_a_terminal_need_yes() {
    let org = Org::new();
    let marker = org.sb.home().join("ran");
    let touch = format!("touch '{}'", marker.display());
    let out = org.run(&["--role", "ReadOnly", "--ou", "/Workloads/**", "--", "sh", "-c", &touch]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("targets are selected, more than run_confirm_above (20) in the settings"), "{err}");
    assert!(err.contains("pass --yes"), "{err}");
    assert!(!marker.exists(), "nothing ran");

    // Under the threshold, or with --yes, it runs.
    ok(org.run(&["--yes", "--role", "ReadOnly", "--ou", "/Workloads/Prod/EU/**", "--", "sh", "-c", &touch]), "--yes");
    assert!(marker.exists());
}

#[test]
fn fail_fast_and_timeout_stop_the_others() {
    let org = Org::new();
    let script = r#"[ "$ROLECALL_ACCOUNT_NAME" = acct-0010 ] && { echo "broke here" >&2; exit 3; }; exec sleep 30"#;
    let started = Instant::now();
    let out = org.run(&["--fail-fast", "--output", "jsonl", "acct-001[0-3]/ReadOnly", "--", "sh", "-c", script]);
    assert!(started.elapsed() < Duration::from_secs(20), "fail-fast took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = jsonl(&out);
    let status = |id: &str| records.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id}"))["status"].clone();
    assert_eq!(status("acct-0010/ReadOnly"), "failed");
    for id in ["acct-0011/ReadOnly", "acct-0012/ReadOnly", "acct-0013/ReadOnly"] {
        assert_eq!(status(id), "cancelled", "{}", stdout(&out));
    }
    let err = stderr(&out);
    assert!(err.contains("1 failed") && err.contains("3 cancelled"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("acct-0010/ReadOnly") && l.contains("broke here")), "{err}");

    let started = Instant::now();
    let out = org.run(&["--timeout", "1", "--output", "jsonl", "acct-001[0-1]/ReadOnly", "--", "sleep", "30"]);
    assert!(started.elapsed() < Duration::from_secs(15), "timeout took {:?}", started.elapsed());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    for r in jsonl(&out) {
        assert_eq!(r["status"], "timed-out", "{r}");
        assert!(r["error"].as_str().unwrap().starts_with("timed out after 1s"), "{r}");
    }
}

fn alive(pid: i32) -> bool {
    // A zombie waiting for its new parent to reap it is gone as far as anyone can tell.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn wait_for(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The process group of a live process.
fn group_of(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    rest.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// Live (not zombie) processes in any of `groups`.
fn members_of(groups: &BTreeSet<i32>) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| alive(*pid))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().is_some_and(|stat| {
                let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
                rest.split_whitespace().nth(2).and_then(|g| g.parse().ok()).is_some_and(|g| groups.contains(&g))
            })
        })
        .collect()
}

#[test]
fn int_term_and_hup_stop_every_child_and_print_the_summary() {
    // Ctrl-C, a CI job's time-out, a closed terminal window: the same end. Each command
    // leaves a grandchild in its process group; in the last row the shell has already
    // exited and only its grandchild (which holds its output open) runs.
    let rows = [
        (libc::SIGINT, "INT", 130, "; wait"),
        (libc::SIGTERM, "TERM", 143, "; wait"),
        (libc::SIGHUP, "HUP", 129, "; wait"),
        (libc::SIGTERM, "TERM (the shell gone)", 143, ""),
    ];
    for (signal, name, code, then) in rows {
        let org = Org::new();
        let dir: PathBuf = org.sb.home().join("pids");
        std::fs::create_dir(&dir).unwrap();
        let script = format!(r#"sleep 300 & echo $! > "{}/$ROLECALL_ACCOUNT_ID"{then}"#, dir.display());
        let jsonl = org.sb.home().join("out.jsonl");
        let mut child = org
            .cmd(&["--output", "jsonl", "acct-002[0-2]/ReadOnly", "--", "sh", "-c", &script])
            .stdout(std::fs::File::create(&jsonl).unwrap())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let count = |d: &Path| std::fs::read_dir(d).map(|r| r.count()).unwrap_or(0);
        let read_pid = |p: &Path| std::fs::read_to_string(p).ok().and_then(|t| t.trim().parse::<i32>().ok());
        wait_for("three children", Duration::from_secs(30), || {
            count(&dir) == 3 && std::fs::read_dir(&dir).unwrap().all(|e| read_pid(&e.unwrap().path()).is_some())
        });
        let pids: Vec<i32> = std::fs::read_dir(&dir).unwrap().filter_map(|e| read_pid(&e.unwrap().path())).collect();
        let groups: BTreeSet<i32> = pids.iter().map(|p| group_of(*p)).collect();
        assert_eq!(groups.len(), 3, "{name}: a process group per target");
        assert!(pids.iter().all(|p| alive(*p)), "{name}: the grandchildren run");
        // SAFETY: signals the rolecall process this test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let start = Instant::now();
        let out = loop {
            if let Some(_status) = child.try_wait().unwrap() {
                break child.wait_with_output().unwrap();
            }
            assert!(start.elapsed() < Duration::from_secs(10), "rolecall did not stop after SIG{name}");
            std::thread::sleep(Duration::from_millis(50));
        };
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "SIG{name}: {err}");
        assert!(err.contains("3 targets in") && err.contains("3 cancelled") && err.contains("(interrupted)"), "{err}");
        // rolecall waited for its commands: nothing of the run is left, not even for a moment.
        let left = members_of(&groups);
        assert!(left.is_empty(), "SIG{name}: processes of the run outlived rolecall: {left:?}");
        let lines = std::fs::read_to_string(&jsonl).unwrap();
        assert_eq!(lines.lines().filter(|l| l.contains(r#""status":"cancelled""#)).count(), 3, "{lines}");
    }
}

#[test]
fn a_run_goes_on_when_stderr_is_gone() {
    // As after a closed terminal window: writing a warning or the summary fails.
    let org = Org::new();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = org.sb.home().join("out.txt");
    let status = org
        .cmd(&["acct-0010/ReadOnly", "retired-2019/ReadOnly", "--", "sh", "-c", "echo ran"])
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "the skipped target's warning could not be written");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "acct-0010/ReadOnly | ran\n");
}

#[test]
fn a_refused_target_does_not_stop_the_others() {
    let w = World::load("ROLECALL_TEST_AUTH_WORLD");
    let hub = w.s("hub_account");
    let mut config = format!(
        "[profile partner]\nrole_arn = arn:aws:iam::{hub}:role/Partner\nsource_profile = hub\nexternal_id = not-the-agreed-id\n"
    );
    for name in ["payments-prod", "payments-dev", "data-lake"] {
        config.push_str(&format!(
            "\n[profile ro-{name}]\nrole_arn = arn:aws:iam::{}:role/ReadOnly\nsource_profile = hub\n",
            w.account(name)
        ));
    }
    let sb = Sandbox::new(&config, &w.credentials_file());
    let out = sb
        .rolecall_std(Some(&w.endpoint()))
        .args(["run", "--output", "jsonl", "ro-*", "partner", "--", "true"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let records = jsonl(&out);
    assert_eq!(records.len(), 4);
    for r in &records {
        if r["id"] == "partner" {
            assert_eq!(r["status"], "assume-failed");
            assert_eq!(r["exit_code"], Value::Null);
            let e = r["error"].as_str().unwrap();
            assert!(e.starts_with("AccessDenied: sts:AssumeRole on"), "{e}");
            assert!(e.contains("Check, in this order:") && e.contains("ExternalId"), "{e}");
        } else {
            assert_eq!(r["status"], "ok", "{r}");
        }
    }
    let err = stderr(&out);
    assert!(err.contains("4 targets in") && err.contains("3 ok, 1 failed"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("partner") && l.contains("assume-failed")), "{err}");
}

#[test]
fn setup_profiles_for_a_selection_work_with_the_aws_cli() {
    let org = Org::new();
    let out = ok(
        org.sb
            .rolecall(Some(&org.w.endpoint()))
            .args(["setup", "profiles", "acct-003[0-1]/ReadOnly", "--write"])
            .output()
            .unwrap(),
        "setup profiles --write",
    );
    assert!(stderr(&out).contains("2 profiles: 2 new, 0 removed"), "{}", stderr(&out));
    for name in ["acct-0030", "acct-0031"] {
        let mut cmd = org.sb.cmd(&aws_cli(), Some(&org.w.endpoint()));
        cmd.args(["--profile", &format!("rolecall-{name}-ReadOnly"), "sts", "get-caller-identity"]);
        let out = ok(cmd.output().unwrap(), name);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["Arn"], format!("arn:aws:sts::{}:assumed-role/ReadOnly/alice", org.id_of(name)));
    }
}

#[test]
fn sessions_made_by_a_run_serve_the_next_one() {
    let org = Org::new();
    org.sb.settings(&SETTINGS.replace("store = \"none\"", "store = \"secret-service\""));
    let ids: Vec<String> = ["acct-0040", "acct-0041", "acct-0042"].iter().map(|n| org.id_of(n)).collect();
    let before: Vec<usize> = ids.iter().map(|id| assumes_into(id)).collect();
    ok(org.run(&["acct-004[0-2]/ReadOnly", "--", "true"]), "cold run");
    let after: Vec<usize> = ids.iter().map(|id| assumes_into(id)).collect();
    assert!(after.iter().zip(&before).all(|(a, b)| a - b == 1), "one assume each: {before:?} -> {after:?}");

    // Every session is in the index (written once, at the end of the run).
    let status = ok(org.sb.rolecall(None).args(["status", "--json"]).output().unwrap(), "status");
    let rows: Vec<Value> = serde_json::from_slice(&status.stdout).unwrap();
    let targets: BTreeSet<&str> = rows.iter().filter_map(|r| r["target"].as_str()).collect();
    for t in ["acct-0040/ReadOnly", "acct-0041/ReadOnly", "acct-0042/ReadOnly"] {
        assert!(targets.contains(t), "{t} not cached: {}", stdout(&status));
    }

    // The next run assumes nothing.
    ok(org.run(&["acct-004[0-2]/ReadOnly", "--", "true"]), "warm run");
    let warm: Vec<usize> = ids.iter().map(|id| assumes_into(id)).collect();
    assert_eq!(warm, after, "the warm run assumed again");
}

#[test]
fn a_stored_mfa_session_serves_a_whole_run_from_the_keyring() {
    let _turn = MFA_TURN.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new();
    org.sb.settings(&SETTINGS.replace("store = \"none\"", "store = \"secret-service\""));
    let before = session_tokens();
    ok(org.run(&["--mfa-code", "123456", "acct-005[0-4]/Developer", "--", "true"]), "first run");
    assert_eq!(session_tokens() - before, 1);
    // Other targets, no code: the MFA session comes from the keyring, and no code is asked for.
    let out = ok(org.run(&["--output", "jsonl", "acct-006[0-9]/Developer", "--", "true"]), "second run");
    assert_eq!(jsonl(&out).iter().filter(|r| r["status"] == "ok").count(), 10, "{}", stderr(&out));
    assert_eq!(session_tokens() - before, 1, "the second run made another MFA session");
}

#[test]
fn a_parallel_run_writes_one_whole_record_per_target_and_rewrites_nothing() {
    let org = Org::new();
    org.sb.settings(&SETTINGS.replace("store = \"none\"", "store = \"secret-service\""));
    let listed = ok(org.run(&["--list", "acct-01[0-9][0-9]/ReadOnly"]), "list");
    let targets: BTreeSet<String> = stdout(&listed).lines().map(str::to_owned).collect();
    assert!(targets.len() >= 50, "{targets:?}");
    ok(org.run(&["--yes", "-j", "16", "acct-01[0-9][0-9]/ReadOnly", "--", "true"]), "cold run");

    // One record per target, every one whole (its header parses and names its target), nothing half-written.
    let dir = org.sb.home().join("data/vault");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(!files.iter().any(|p| p.to_string_lossy().ends_with(".tmp")), "{files:?}");
    let mut recorded = BTreeSet::new();
    for t in &targets {
        let (header, _) = common::record_header(org.sb.home(), &format!("role/{t}"));
        assert_eq!(header["meta"]["target"], t.as_str(), "{header}");
        recorded.insert(t.clone());
    }
    assert_eq!(recorded, targets);
    assert_eq!(files.iter().filter(|p| p.extension().is_some_and(|x| x == "rec")).count(), targets.len());
    assert!(!org.sb.home().join("cache/index.json").exists(), "no index is written");
    // The warm run is served from them, each record opening under the one key.
    let ids: Vec<String> = targets.iter().take(5).map(|t| org.id_of(t.split('/').next().unwrap())).collect();
    let before: Vec<usize> = ids.iter().map(|id| assumes_into(id)).collect();
    let out = ok(
        org.run(&["--yes", "-j", "16", "--output", "jsonl", "acct-01[0-9][0-9]/ReadOnly", "--", "true"]),
        "warm run",
    );
    assert!(!stderr(&out).contains("not used"), "{}", stderr(&out));
    assert_eq!(jsonl(&out).iter().filter(|r| r["status"] == "ok").count(), targets.len());
    assert_eq!(ids.iter().map(|id| assumes_into(id)).collect::<Vec<_>>(), before, "the warm run assumed again");
}
