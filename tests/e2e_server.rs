#![cfg(feature = "e2e")]
//! `rolecall exec --server`: the command gets its credentials from a local
//! container-credentials server that renews them, and the AWS CLI v1 (and
//! botocore under it) picks the server up. Sessions here last 900 s and the
//! refresh window is 895 s, so the server renews every few seconds: the
//! renewals a long command would see hourly happen within one test.

mod common;

use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
use serde_json::Value;

fn sandbox(w: &World, settings: &str) -> Sandbox {
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n[profile dev]\nrole_arn = arn:aws:iam::{prod}:role/Developer\n\
         source_profile = hub\nmfa_serial = {mfa}\nduration_seconds = 7200\n\n[profile ro]\n\
         role_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\n",
        prod = w.account("payments-prod"),
        mfa = w.s("mfa_serial"),
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    sb.settings(settings);
    sb
}

fn python() -> std::path::PathBuf {
    aws_cli().parent().unwrap().join("python")
}

/// What the child sees: its environment, the token file, and the server's answers.
const PROBE: &str = r#"
import json, os, stat, urllib.request, urllib.error
import botocore.session
uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
path = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
token = open(path).read()
def get(headers):
    try:
        r = urllib.request.urlopen(urllib.request.Request(uri, headers=headers), timeout=10)
        return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None
ok = get({"Authorization": token})
creds = botocore.session.get_session().get_credentials()
print(json.dumps({
    "uri": uri,
    "token_in_env": any(token in v for v in os.environ.values()),
    "env_keys": sorted(k for k in os.environ if k.startswith("AWS_")),
    "file_mode": oct(stat.S_IMODE(os.stat(path).st_mode)),
    "dir_mode": oct(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)),
    "token_file": path,
    "no_token": get({})[0],
    "wrong_token": get({"Authorization": token[:-1] + ("0" if token[-1] != "0" else "1")})[0],
    "right": ok[0],
    "fields": sorted(ok[1]) if ok[1] else None,
    "method": creds.method,
    "botocore_key": creds.get_frozen_credentials().access_key,
}))
"#;

#[test]
fn the_child_fetches_credentials_with_the_token_from_the_file() {
    let w = World::main();
    let sb = sandbox(&w, "[defaults]\nduration = 900\n");
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["exec", "dev", "--server", "--mfa-code", "123456", "--"])
        .arg(python())
        .args(["-c", PROBE])
        .output()
        .unwrap();
    let out = ok(out, "exec --server probe");
    // The probe's two refused requests are reported when the command ends.
    assert!(stderr(&out).contains("refused 2 request(s)"), "{}", stderr(&out));
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    assert!(v["uri"].as_str().unwrap().starts_with("http://127.0.0.1:"), "{v}");
    assert_eq!(v["token_in_env"], false, "the token is in a file, not in the environment: {v}");
    let keys: Vec<&str> = v["env_keys"].as_array().unwrap().iter().map(|k| k.as_str().unwrap()).collect();
    for gone in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    {
        assert!(!keys.contains(&gone), "{gone} in {keys:?}");
    }
    assert_eq!(v["file_mode"], "0o600");
    assert_eq!(v["dir_mode"], "0o700");
    assert_eq!(v["no_token"], 401);
    assert_eq!(v["wrong_token"], 403);
    assert_eq!(v["right"], 200);
    assert_eq!(v["fields"], serde_json::json!(["AccessKeyId", "AccountId", "Expiration", "SecretAccessKey", "Token"]));
    assert_eq!(v["method"], "container-role", "botocore found the server: {v}");
    assert!(v["botocore_key"].as_str().unwrap().starts_with("ASIA"));
    // The server and its token file live exactly as long as the child.
    assert!(!std::path::Path::new(v["token_file"].as_str().unwrap()).exists(), "token file left behind");
    let addr = v["uri"].as_str().unwrap().trim_start_matches("http://").split('/').next().unwrap().to_owned();
    assert!(std::net::TcpStream::connect(&addr).is_err(), "the server at {addr} still answers");
}

#[test]
fn sigterm_and_sighup_to_rolecall_reach_the_child() {
    use std::io::BufRead;
    let w = World::main();
    let sb = sandbox(&w, "");
    for (sig, name) in [(15, "TERM"), (1, "HUP")] {
        // The loop ends by itself after ~20 s, so a lost signal fails the test instead of hanging it.
        let script = format!(
            "trap 'echo got-{name}; exit 3' {name}; echo ready; n=0; while [ $n -lt 200 ]; do sleep 0.1; n=$((n+1)); done; echo none"
        );
        let mut child = sb
            .rolecall_std(Some(&w.endpoint()))
            .args(["exec", "ro", "--server", "--", "sh", "-c", &script])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
        // SAFETY: kill has no memory preconditions; the pid is our own child's.
        unsafe { libc_kill(child.id() as i32, sig) };
        assert_eq!(lines.next().unwrap().unwrap(), format!("got-{name}"));
        assert_eq!(child.wait().unwrap().code(), Some(3), "SIG{name}: rolecall returns the child's code");
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

#[test]
fn the_aws_cli_keeps_working_across_renewals() {
    let w = World::main();
    // Served sessions go stale 5 s after they are made (900 s sessions, an 895 s window).
    let sb = sandbox(&w, "[defaults]\nduration = 900\nrefresh_window = \"895s\"\n");
    let script = format!(
        "for i in 1 2 3 4; do\n  {py} -c 'import botocore.session as s; print(\"key\", s.get_session().get_credentials().get_frozen_credentials().access_key)' || exit 9\n  \
         {aws} sts get-caller-identity --query Arn --output text || exit 8\n  sleep 6\ndone\nexit 7\n",
        py = python().display(),
        aws = aws_cli().display(),
    );
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["exec", "dev", "--server", "--duration", "900", "--mfa-code", "123456", "--", "sh", "-c", &script])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "the child's own exit code\nstdout: {}\nstderr: {}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    let arns: Vec<&str> = text.lines().filter(|l| l.starts_with("arn:")).collect();
    assert_eq!(arns.len(), 4, "{text}\n{}", stderr(&out));
    for arn in &arns {
        assert!(arn.contains(&format!("{}:assumed-role/Developer/", w.account("payments-prod"))), "{arn}");
    }
    let mut keys: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("key ")).collect();
    assert_eq!(keys.len(), 4, "{text}");
    keys.dedup();
    assert!(keys.len() >= 3, "the server renewed the session as it went stale: {keys:?}");
    assert!(!stderr(&out).contains("cannot renew"), "{}", stderr(&out));
}

#[test]
fn the_setting_serves_capped_sessions_only() {
    let w = World::main();
    let sb = sandbox(&w, "[defaults]\nexec_server = \"when-capped\"\n");
    let has_server = |target: &str| {
        let out = sb
            .rolecall(Some(&w.endpoint()))
            .args([
                "exec",
                target,
                "--mfa-code",
                "123456",
                "--",
                "sh",
                "-c",
                "echo \"uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI:-none}\"",
            ])
            .output()
            .unwrap();
        let out = ok(out, target);
        !stdout(&out).contains("uri=none")
    };
    // dev asks for 2 h from an MFA session: capped at 1 h, so served.
    assert!(has_server("dev"));
    // ro asks for the default hour: not capped, fixed keys.
    assert!(!has_server("ro"));
    // --no-server overrides the setting.
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args([
            "exec",
            "dev",
            "--no-server",
            "--mfa-code",
            "123456",
            "--",
            "sh",
            "-c",
            "echo \"uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI:-none}\"",
        ])
        .output()
        .unwrap();
    assert!(stdout(&ok(out, "--no-server")).contains("uri=none"));
}

#[test]
fn a_default_profile_with_credentials_is_refused() {
    let w = World::main();
    let sb = sandbox(&w, "");
    let creds =
        format!("{}\n[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = x\n", w.credentials_file());
    std::fs::write(sb.home().join(".aws/credentials"), creds).unwrap();
    let out = sb.rolecall(Some(&w.endpoint())).args(["exec", "ro", "--server", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("[default] profile has 'aws_access_key_id'"), "{}", stderr(&out));
    // When only the setting asked for a server, the command runs with fixed keys and a warning.
    sb.settings("[defaults]\nexec_server = \"always\"\n");
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args([
            "exec",
            "ro",
            "--",
            "sh",
            "-c",
            "echo \"uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI:-none} key=$AWS_ACCESS_KEY_ID\"",
        ])
        .output()
        .unwrap();
    let out = ok(out, "exec ro with exec_server = always and a [default] with keys");
    assert!(stdout(&out).contains("uri=none key=ASIA"), "{}", stdout(&out));
    assert!(stderr(&out).contains("warning: fixed keys instead of a credentials server"), "{}", stderr(&out));
}

#[test]
fn a_token_directory_left_by_a_killed_server_is_swept_on_the_next_start() {
    let w = World::main();
    let sb = sandbox(&w, "");
    let cache = sb.home().join("cache");
    // A server killed with SIGKILL leaves its directory; its pid is gone.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let stale = cache.join(format!("server-{dead}-00112233aabbccdd"));
    // One of a live process (this test) stays: its server may be serving.
    let live = cache.join(format!("server-{}-8899aabbccddeeff", std::process::id()));
    // So does one whose token file a server holds locked, though its pid is not ours to
    // see: a server in another PID namespace (a container sharing the cache dir).
    let elsewhere = cache.join(format!("server-{dead}-0123456789abcdef"));
    for dir in [&stale, &live, &elsewhere] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("token"), "0123456789abcdef").unwrap();
    }
    let held = std::fs::File::open(elsewhere.join("token")).unwrap();
    held.lock().unwrap();
    // Not one of the server's: left alone.
    let other = cache.join("server-notes");
    std::fs::create_dir_all(&other).unwrap();
    ok(sb.rolecall(Some(&w.endpoint())).args(["exec", "ro", "--server", "--", "true"]).output().unwrap(), "exec");
    assert!(!stale.exists(), "the dead server's token directory is still there");
    assert!(live.join("token").exists(), "a live server's token was removed");
    assert!(elsewhere.join("token").exists(), "a token a server holds locked was removed");
    drop(held);
    assert!(other.exists());
}
