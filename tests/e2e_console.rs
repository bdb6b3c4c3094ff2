#![cfg(feature = "e2e")]
//! `rolecall console` against a local stand-in for the federation endpoint
//! (scripts/federation_standin.py), which checks the Session JSON and the
//! parameters and proves the credentials at moto, as AWS would. Nothing here
//! reaches the internet: the endpoint is always overridden.

mod common;

use std::process::Command;

use common::federation::Standin;
use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
use serde_json::Value;

fn sandbox(w: &World) -> Sandbox {
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n[profile ro]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\n\
         source_profile = hub\nregion = eu-west-1\n\n[profile dev]\nrole_arn = arn:aws:iam::{prod}:role/Developer\n\
         source_profile = hub\nmfa_serial = {mfa}\n\n[profile gov]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\n\
         source_profile = hub\nregion = us-gov-west-1\n",
        prod = w.account("payments-prod"),
        mfa = w.s("mfa_serial"),
    );
    Sandbox::new(&config, &w.credentials_file())
}

fn query(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    q.split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| {
                let s = s.replace('+', " ");
                let mut out = Vec::new();
                let b = s.as_bytes();
                let mut i = 0;
                while i < b.len() {
                    if b[i] == b'%' && i + 2 < b.len() + 1 {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                        i += 3;
                    } else {
                        out.push(b[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).unwrap()
            };
            (dec(k), dec(v))
        })
        .collect()
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> &'a str {
    &q.iter().find(|(k, _)| k == key).unwrap_or_else(|| panic!("no {key} in {q:?}")).1
}

#[test]
fn print_gives_a_login_url_with_the_token_the_endpoint_issued() {
    let w = World::main();
    let fed = Standin::start(&w.endpoint());
    let sb = sandbox(&w);
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "ro", "--print", "--duration", "2h"])
        .env("ROLECALL_SIGNIN_ENDPOINT", fed.endpoint())
        .output()
        .unwrap();
    let out = ok(out, "console ro --print");
    let url = stdout(&out).trim().to_owned();
    assert_eq!(stdout(&out).lines().count(), 1, "one line: {}", stdout(&out));
    assert!(url.starts_with(&format!("{}?Action=login&", fed.endpoint())), "{url}");
    let q = query(&url);
    assert_eq!(
        q.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        ["Action", "Issuer", "Destination", "SigninToken"]
    );
    assert_eq!(param(&q, "Issuer"), "");
    assert_eq!(param(&q, "Destination"), "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1");
    let entries = fed.entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(e["action"], "getSigninToken");
    assert_eq!(param(&q, "SigninToken"), e["token"].as_str().unwrap());
    // One role from an IAM user's keys is not chaining: the console session may last 2 h.
    assert_eq!(e["session_duration"], "7200");
    let arn = e["arn"].as_str().unwrap();
    assert!(arn.contains(&format!("{}:assumed-role/ReadOnly/", w.account("payments-prod"))), "{arn}");
    // The token never reaches the diagnostics.
    assert!(!stderr(&out).contains(e["token"].as_str().unwrap()), "{}", stderr(&out));

    // The URL works at the stand-in: the token is the one it issued, and it sends the browser on.
    let python = aws_cli().parent().unwrap().join("python");
    let probe = "import sys, urllib.request as u\nclass N(u.HTTPRedirectHandler):\n    def redirect_request(self, *a): return None\ntry:\n    u.build_opener(N).open(sys.argv[1])\nexcept u.HTTPError as e:\n    print(e.code, e.headers['Location'])\n";
    let got = ok(Command::new(python).args(["-c", probe, &url]).output().unwrap(), "login at the stand-in");
    assert_eq!(stdout(&got).trim(), "302 https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1");
}

#[test]
fn chained_sessions_send_no_session_duration_and_say_why() {
    let w = World::main();
    let fed = Standin::start(&w.endpoint());
    let sb = sandbox(&w);
    sb.settings(&format!("[defaults]\nsignin_endpoint = \"{}\"\n", fed.endpoint()));
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "dev", "--print", "--service", "s3", "--duration", "2h", "--mfa-code", "123456"])
        .output()
        .unwrap();
    let out = ok(out, "console dev --print");
    assert!(stderr(&out).contains("role chaining"), "{}", stderr(&out));
    let url = stdout(&out).trim().to_owned();
    let q = query(&url);
    assert_eq!(param(&q, "Destination"), "https://us-east-1.console.aws.amazon.com/s3/home?region=us-east-1");
    let entries = fed.entries();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["session_duration"], Value::Null, "no SessionDuration for an MFA-session role");
    assert!(entries[0]["arn"].as_str().unwrap().contains(":assumed-role/Developer/"));
}

#[test]
fn the_browser_gets_a_private_page_not_the_token() {
    let w = World::main();
    let fed = Standin::start(&w.endpoint());
    let sb = sandbox(&w);
    // A "browser" that keeps its argv and the page it was given (and that page's mode).
    let seen = sb.home().join("seen");
    std::fs::create_dir(&seen).unwrap();
    let script = sb.home().join("browser.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {d}/argv\np=${{1#file://}}\nstat -c %a \"$p\" > {d}/mode\ncat \"$p\" > {d}/page\n",
            d = seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args([
            "console",
            "ro",
            "--destination",
            "https://123456789012-abcd1234.eu-west-1.console.aws.amazon.com/iam/home",
        ])
        .env("ROLECALL_SIGNIN_ENDPOINT", fed.endpoint())
        .env("BROWSER", &script)
        .output()
        .unwrap();
    let out = ok(out, "console ro (browser)");
    assert!(stdout(&out).is_empty(), "nothing on stdout without --print: {}", stdout(&out));
    assert!(stderr(&out).contains("opened the AWS console for ro as arn:aws:sts::"), "{}", stderr(&out));
    let token = fed.entries()[0]["token"].as_str().unwrap().to_owned();
    let argv = std::fs::read_to_string(seen.join("argv")).unwrap();
    assert!(argv.starts_with("file://") && !argv.contains(&token), "argv: {argv}");
    assert_eq!(std::fs::read_to_string(seen.join("mode")).unwrap().trim(), "600");
    let page = std::fs::read_to_string(seen.join("page")).unwrap();
    assert!(page.contains(&token), "{page}");
    // The multi-session prefix is gone: the console adds this session beside the others.
    assert!(page.contains("Destination=https%3A%2F%2Feu-west-1.console.aws.amazon.com%2Fiam%2Fhome"), "{page}");
    let pages = sb.home().join("cache/console");
    assert_eq!(std::fs::read_dir(&pages).unwrap().count(), 0, "the page was removed");
}

#[test]
fn failures_name_the_endpoint_and_keep_the_secrets() {
    let w = World::main();
    let sb = sandbox(&w);
    // Nothing listens there: a network error (exit 5) naming the endpoint.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "ro", "--print"])
        .env("ROLECALL_SIGNIN_ENDPOINT", format!("http://127.0.0.1:{port}/federation"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(&format!("'http://127.0.0.1:{port}/federation'")), "{err}");
    assert!(!err.contains("Session") && !err.contains("sessionKey"), "{err}");
    // Plain http to another host would carry the secret key in the clear: refused before any call.
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "ro", "--print"])
        .env("ROLECALL_SIGNIN_ENDPOINT", "http://192.0.2.1/federation")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("must be https"), "{}", stderr(&out));
    // A stand-in that refuses (a bad destination is caught before; a GovCloud target
    // goes to the override too, with the GovCloud console as destination).
    let fed = Standin::start(&w.endpoint());
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "gov", "--print"])
        .env("ROLECALL_SIGNIN_ENDPOINT", fed.endpoint())
        .output()
        .unwrap();
    let url = stdout(&ok(out, "console gov")).trim().to_owned();
    assert_eq!(
        param(&query(&url), "Destination"),
        "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1"
    );
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .args(["console", "ro", "--print", "--destination", "https://evil.example.com/"])
        .env("ROLECALL_SIGNIN_ENDPOINT", fed.endpoint())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--destination 'https://evil.example.com/'"), "{}", stderr(&out));
    assert_eq!(fed.entries().len(), 1, "the bad destination made no request");
}
