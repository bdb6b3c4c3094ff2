//! What the operator sees when something outside rolecall misbehaves: an STS
//! endpoint that is silent, stalls, answers HTTP 500 or garbage, or sends
//! terminal control sequences; a corrupt cache index; a closed stdout. Each
//! gives its exit code and a message a person can act on, and nothing panics.
//! No moto and no keyring: a fake STS on 127.0.0.1 (tests/common/fake_sts.rs).

mod common;

use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::fake_sts::{Behaviour, FakeSts};
use common::{Sandbox, stderr, stdout};

const CONFIG: &str = "[profile hub]\nregion = us-east-1\n\n\
                      [profile prod]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
const CREDENTIALS: &str = "[hub]\naws_access_key_id = AKIAFAKEFAKEFAKE0001\naws_secret_access_key = fake\n";
/// Short timeouts and no keyring: every case ends within seconds.
const SETTINGS: &str = "[defaults]\nstore = \"none\"\nconnect_timeout = \"1s\"\n\
                        attempt_timeout = \"1s\"\noperation_timeout = \"3s\"\n";

fn sandbox() -> Sandbox {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    sb.settings(SETTINGS);
    sb
}

/// Waits for `child` at most `limit`, killing it when it takes longer.
fn wait_at_most(mut child: Child, limit: Duration) -> (Output, Duration) {
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), start.elapsed());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?}; stderr so far: {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run(sb: &Sandbox, url: &str, args: &[&str]) -> (Output, Duration) {
    let child = sb
        .rolecall_std(Some(url))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_at_most(child, Duration::from_secs(30))
}

#[test]
fn an_endpoint_that_never_answers_exits_5_within_the_operation_timeout() {
    let sts = FakeSts::start(Behaviour::Silent);
    let sb = sandbox();
    let (out, took) = run(&sb, &sts.url, &["export", "prod"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(took < Duration::from_secs(10), "took {took:?}: the 3 s operation timeout did not hold");
    assert!(err.contains(&format!("'{}'", sts.url)), "the endpoint is not named: {err}");
    assert!(err.contains("no answer in time"), "{err}");
    assert!(stdout(&out).is_empty());
}

#[test]
fn server_failures_exit_5_with_a_message_to_act_on() {
    let xml_head = b"<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws"
        .to_vec();
    let cases: Vec<(&str, Behaviour, &str)> = vec![
        (
            "HTTP 500 with an HTML page",
            Behaviour::Reply {
                status: 500,
                content_type: "text/html",
                body: b"<html><body>Internal Server Error</body></html>".to_vec(),
            },
            "HTTP 500",
        ),
        ("a body that stalls half-way", Behaviour::Stall { declared: 4096, sent: xml_head }, "no answer in time"),
        (
            "a 200 that is not XML",
            Behaviour::Reply { status: 200, content_type: "text/plain", body: b"this is not XML at all".to_vec() },
            "not an AWS response",
        ),
        (
            "a 403 that is not XML",
            Behaviour::Reply { status: 403, content_type: "text/html", body: b"<h1>Forbidden by proxy</h1>".to_vec() },
            "HTTP 403",
        ),
    ];
    let mut failures = Vec::new();
    for (name, behaviour, want) in cases {
        let sts = FakeSts::start(behaviour);
        let sb = sandbox();
        let (out, _) = run(&sb, &sts.url, &["export", "prod"]);
        let err = stderr(&out);
        let named = err.contains(&format!("STS at '{}'", sts.url));
        if out.status.code() != Some(5) || !err.contains(want) || !named || err.to_lowercase().contains("unhandled") {
            failures.push(format!("{name}: exit {:?}, want 5 and {want:?} naming the endpoint:\n  {err}", out.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn terminal_controls_in_an_aws_message_are_escaped() {
    let body = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
                <Code>AccessDenied</Code><Message>denied\u{1b}]0;pwned\u{7} and \u{1b}[2J cleared</Message></Error>\
                <RequestId>fake</RequestId></ErrorResponse>";
    let sts = FakeSts::start(Behaviour::Reply { status: 403, content_type: "text/xml", body: body.into() });
    let sb = sandbox();
    let (out, _) = run(&sb, &sts.url, &["export", "prod"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "raw control characters reached stderr: {err:?}");
    assert!(err.contains("denied\\u{1b}]0;pwned\\u{7} and \\u{1b}[2J cleared"), "the message is shown escaped: {err}");
}

#[test]
fn an_impossible_expiry_in_a_record_header_is_ignored_with_a_warning() {
    let sb = sandbox();
    let entry = |target: &str, expires: u64| {
        serde_json::json!({
            "kind": "role", "target": target, "store": "vault", "access_key_id": "ASIAFAKE",
            "expires_at": expires, "stored_at": 1_700_000_000u64,
            "identity": {"arn": "arn:aws:sts::222222222222:assumed-role/ReadOnly/alice", "account": "222222222222", "user_id": "x"}
        })
    };
    common::write_fake_record(sb.home(), "role/broken", entry("broken", u64::MAX));
    common::write_fake_record(sb.home(), "role/fine", entry("fine", 4_000_000_000));
    for args in [&["status"][..], &["status", "--json"]] {
        let out = sb.rolecall(None).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.contains("'role/broken' has an impossible expiry; leaving it out"), "{args:?}: no warning: {err}");
        let listed = stdout(&out);
        assert!(!listed.contains("broken") && listed.contains("fine"), "{args:?}: {listed}");
    }
}

#[test]
fn credential_process_fails_when_its_stdout_is_closed() {
    let sts = FakeSts::start(Behaviour::Sts);
    let sb = sandbox();
    // Works with an open stdout (so the failure below is the write, not the assume).
    let (out, _) = run(&sb, &sts.url, &["credential-process", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"AccessKeyId\":\"ASIAFAKE"), "{}", stdout(&out));

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = sb
        .rolecall_std(Some(&sts.url))
        .args(["credential-process", "prod"])
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out, _) = wait_at_most(child, Duration::from_secs(30));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "a caller that got no credentials must see a failure: {err}");
    assert!(err.contains("cannot write the output") && err.contains("the credentials were not delivered"), "{err}");
}
