#![cfg(feature = "e2e")]
//! `-v`/`-vv` and `ROLECALL_LOG`: what the log shows (AWS requests, cache
//! decisions, the MFA source) and what it must never show (keys, session
//! tokens, MFA codes), at the highest verbosity, the SDK's own logs included.

mod common;

use common::{Sandbox, World, ok, stderr, stdout, unique};

/// moto's `GetSessionToken` answers with these fixed credentials (the MFA session's).
const MFA_SESSION_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
const MFA_SESSION_TOKEN_PART: &str = "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT";
const CODE: &str = "864209";

/// A sandbox with `hub` (keys), an MFA role and a role chained from it; the
/// chained target's name is unique, as the keyring is shared by parallel tests.
fn sandbox(w: &World) -> (Sandbox, String) {
    let prod = w.account("payments-prod");
    let dev = w.account("payments-dev");
    let deep = unique("deep");
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n\
         [profile dev]\nrole_arn = arn:aws:iam::{prod}:role/Developer\nsource_profile = hub\nmfa_serial = {mfa}\n\n\
         [profile {deep}]\nrole_arn = arn:aws:iam::{dev}:role/ReadOnly\nsource_profile = dev\n",
        mfa = w.s("mfa_serial")
    );
    (Sandbox::new(&config, &w.credentials_file()), deep)
}

/// Runs rolecall at the highest verbosity: `-vv` and `ROLECALL_LOG=trace` (every crate, every level).
fn loud(sb: &Sandbox, w: &World, args: &[&str]) -> std::process::Output {
    let out = sb.rolecall(Some(&w.endpoint())).arg("-vv").args(args).env("ROLECALL_LOG", "trace").output().unwrap();
    ok(out, &args.join(" "))
}

#[test]
fn the_loudest_log_explains_the_flow_and_holds_no_secret() {
    let w = World::main();
    let (sb, deep) = sandbox(&w);
    let login = loud(&sb, &w, &["login", "hub", "--mfa-code", CODE]);
    let cold = loud(&sb, &w, &["credential-process", &deep]);
    let warm = loud(&sb, &w, &["credential-process", &deep]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&cold)).expect("credential_process JSON");
    let (secret, token) = (json["SecretAccessKey"].as_str().unwrap(), json["SessionToken"].as_str().unwrap());
    let served: serde_json::Value = serde_json::from_str(&stdout(&warm)).expect("credential_process JSON");
    assert_eq!(served["SecretAccessKey"], json["SecretAccessKey"], "the warm run serves the cached session");

    let log = [stderr(&login), stderr(&cold), stderr(&warm)].join("\n");
    let base_secret = w.s("secret_access_key");
    for (what, needle) in [
        ("the base secret key", base_secret.as_str()),
        ("the MFA session's secret key", MFA_SESSION_SECRET),
        ("the MFA session's token", MFA_SESSION_TOKEN_PART),
        ("the role session's secret key", secret),
        ("the role session's token", token),
        ("the MFA code", CODE),
        ("a response body", "SecretAccessKey"),
        ("a response body", "<SessionToken>"),
        ("a request body", "TokenCode"),
        ("a signed header", "x-amz-security-token"),
        ("a signature", "Signature="),
    ] {
        assert!(!log.contains(needle), "the log shows {what} ('{needle}'):\n{log}");
    }

    // What it does show: each AWS request, the MFA source, the cache's decisions.
    let login_log = stderr(&login);
    assert!(login_log.contains("operation=GetSessionToken"), "{login_log}");
    assert!(login_log.contains("source=\"--mfa-code\""), "{login_log}");
    let cold_log = stderr(&cold);
    for needle in [
        "aws request",
        "operation=AssumeRole",
        "operation=GetCallerIdentity",
        "service=STS",
        "region=us-east-1",
        &format!("endpoint={}", w.endpoint().trim_end_matches('/')),
        "status=200",
        "attempts=1",
        "credential-process: cold",
        "cache miss: no record",
        "mfa session: cache hit",
        "lock taken",
        "role session kept in the cache",
    ] {
        assert!(cold_log.contains(needle), "the cold log lacks '{needle}':\n{cold_log}");
    }
    // A real request id, not the placeholder.
    assert!(cold_log.lines().any(|l| l.contains("aws request") && !l.contains("request_id=-")), "{cold_log}");
    // The SDK's own DEBUG logs were on: the filter let them through, TRACE aside.
    assert!(cold_log.contains("aws_smithy_runtime"), "{cold_log}");
    let warm_log = stderr(&warm);
    assert!(warm_log.contains("cache hit"), "{warm_log}");
    assert!(warm_log.contains("credential-process: warm"), "{warm_log}");
    assert!(!warm_log.contains("aws request"), "the warm path makes no AWS call:\n{warm_log}");
}

#[test]
fn without_a_flag_nothing_new_is_printed_and_bad_directives_are_usage_errors() {
    let w = World::main();
    let (sb, deep) = sandbox(&w);
    ok(sb.rolecall(Some(&w.endpoint())).args(["login", "hub", "--mfa-code", CODE]).output().unwrap(), "login");
    let quiet = ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &deep]).output().unwrap(), "cp");
    assert_eq!(stderr(&quiet), "", "no log without -v or ROLECALL_LOG");

    let one = sb.rolecall(Some(&w.endpoint())).args(["-v", "credential-process", &deep]).output().unwrap();
    let one = ok(one, "-v");
    assert!(stderr(&one).contains("cache hit"), "{}", stderr(&one));
    assert!(!stderr(&one).contains("TRACE"), "-v stops at DEBUG:\n{}", stderr(&one));

    // ROLECALL_LOG_FILE: the log goes to that file (private), stderr stays quiet.
    let file = sb.home().join("rolecall.log");
    let to_file = sb
        .rolecall(Some(&w.endpoint()))
        .args(["-v", "credential-process", &deep])
        .env("ROLECALL_LOG_FILE", &file)
        .output()
        .unwrap();
    let to_file = ok(to_file, "ROLECALL_LOG_FILE");
    assert_eq!(stderr(&to_file), "");
    let logged = std::fs::read_to_string(&file).unwrap();
    assert!(logged.contains("cache hit"), "{logged}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let bad = sb
        .rolecall(Some(&w.endpoint()))
        .args(["credential-process", &deep])
        .env("ROLECALL_LOG", "rolecall=loudest")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).starts_with("rolecall: ROLECALL_LOG 'rolecall=loudest': "), "{}", stderr(&bad));
    assert!(stdout(&bad).is_empty());
}
