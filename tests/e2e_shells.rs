#![cfg(feature = "e2e")]
//! `rolecall export` output read back by real shells: bash, dash and zsh
//! (`--format env` through `eval`, `--format dotenv` through `set -a; . FILE`)
//! and fish (`--format fish` through `| source`). Random and crafted values
//! must come back byte for byte, run nothing, and leave no stale session behind.
//!
//! Values never hold NUL: rendering refuses it (no shell variable can hold one).
//! A missing shell fails these tests; scripts/test installs all four.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rolecall::credentials::Credentials;
use rolecall::output::export::{Format, render};

/// The variables read back, in the order the scripts print them.
const VARS: [&str; 6] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "ROLECALL_TARGET",
    "AWS_CREDENTIAL_EXPIRATION",
];

/// One way of loading an export: the shell, the format, and the script that
/// loads `$ROLECALL_EXPORT_FILE` and then prints every one of [`VARS`] with
/// `printf %s` (each followed by NUL), then the exported environment (`env -0`).
struct Reader {
    shell: &'static str,
    format: Format,
    script: &'static str,
}

const POSIX_PRINT: &str = r#"printf '%s\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$ROLECALL_TARGET" "$AWS_CREDENTIAL_EXPIRATION"; env -0"#;

const READERS: [Reader; 7] = [
    Reader { shell: "bash", format: Format::Env, script: "eval \"$(cat \"$ROLECALL_EXPORT_FILE\")\"" },
    Reader { shell: "dash", format: Format::Env, script: "eval \"$(cat \"$ROLECALL_EXPORT_FILE\")\"" },
    Reader { shell: "zsh", format: Format::Env, script: "eval \"$(cat \"$ROLECALL_EXPORT_FILE\")\"" },
    Reader { shell: "fish", format: Format::Fish, script: "cat $ROLECALL_EXPORT_FILE | source" },
    Reader { shell: "bash", format: Format::Dotenv, script: "set -a; . \"$ROLECALL_EXPORT_FILE\"; set +a" },
    Reader { shell: "dash", format: Format::Dotenv, script: "set -a; . \"$ROLECALL_EXPORT_FILE\"; set +a" },
    Reader { shell: "zsh", format: Format::Dotenv, script: "set -a; . \"$ROLECALL_EXPORT_FILE\"; set +a" },
];

/// What a shell made of an export: the printed values and its exported environment.
struct ReadBack {
    values: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
}

impl ReadBack {
    fn env_var(&self, name: &str) -> Option<&[u8]> {
        self.env.iter().find(|(k, _)| k == name.as_bytes()).map(|(_, v)| v.as_slice())
    }
}

/// Runs `reader` on `text` in `dir`, with `parent_env` added to the shell's
/// environment; panics (never skips) if the shell is not installed.
fn read_back(reader: &Reader, text: &str, dir: &Path, parent_env: &[(&str, &str)]) -> Result<ReadBack, String> {
    let file = dir.join(format!("export.{}", reader.format.name()));
    std::fs::write(&file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    let script = if reader.shell == "fish" {
        format!("{}; printf '%s\\0' \"${}\"; env -0", reader.script, VARS.join("\" \"$"))
    } else {
        format!("{}; {POSIX_PRINT}", reader.script)
    };
    let mut cmd = Command::new(reader.shell);
    cmd.arg("-c").arg(&script).current_dir(dir).env("ROLECALL_EXPORT_FILE", &file).env("LC_ALL", "C.UTF-8");
    for var in VARS {
        cmd.env_remove(var);
    }
    cmd.envs(parent_env.iter().copied());
    let out = match cmd.stdin(Stdio::null()).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "cannot run '{}': {e}. The e2e feature needs bash, dash, zsh and fish \
             (apt-get install bash dash zsh fish; scripts/test does it)",
            reader.shell
        ),
    };
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(format!(
            "{} ({:?}) exited {} with stderr {:?} on:\n{text}",
            reader.shell,
            reader.format,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let mut fields = out.stdout.split(|b| *b == 0).map(<[u8]>::to_vec);
    let values: Vec<Vec<u8>> = fields.by_ref().take(VARS.len()).collect();
    let env = fields
        .filter(|f| !f.is_empty())
        .filter_map(|f| f.iter().position(|b| *b == b'=').map(|i| (f[..i].to_vec(), f[i + 1..].to_vec())))
        .collect();
    Ok(ReadBack { values, env })
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("cannot make a temporary directory: {e}"))
}

/// Checks that `reader` reads `creds`, `region` and `target` back exactly, and
/// that each is exported.
fn assert_round_trip(reader: &Reader, creds: &Credentials, region: &str, target: &str) -> Result<(), String> {
    let text = render(reader.format, creds, region, target).map_err(|e| e.to_string())?;
    let dir = tempdir();
    let got = read_back(reader, &text, dir.path(), &[])?;
    let expiry = creds.expiration.map(rolecall::output::export::rfc3339).unwrap_or_default();
    let want = [
        creds.access_key_id.as_str(),
        creds.secret_access_key(),
        creds.session_token().unwrap_or_default(),
        region,
        target,
        expiry.as_str(),
    ];
    for ((var, want), value) in VARS.iter().zip(want).zip(&got.values) {
        if value != want.as_bytes() {
            return Err(format!(
                "{} ({:?}) read {var} as {:?}, want {want:?}; the export was:\n{text}",
                reader.shell,
                reader.format,
                String::from_utf8_lossy(value)
            ));
        }
        let exported = match *var {
            "AWS_SESSION_TOKEN" => creds.session_token().is_some(),
            "AWS_CREDENTIAL_EXPIRATION" => creds.expiration.is_some(),
            _ => true,
        };
        if got.env_var(var) != exported.then_some(want.as_bytes()) {
            return Err(format!("{} ({:?}) exported {var} wrongly:\n{text}", reader.shell, reader.format));
        }
    }
    Ok(())
}

/// Characters that mean something to some shell, mixed with arbitrary ones.
fn nasty_char() -> impl Strategy<Value = char> {
    let special = prop::sample::select(vec![
        '\'', '"', '\\', '$', '`', '(', ')', '{', '}', '[', ']', ';', '|', '&', '<', '>', '#', '!', '*', '?', '~', '=',
        '%', '^', ' ', '\n', '\r', '\t', '\x01', '\x1b', '\x7f', '\u{85}', '\u{a0}', '\u{2018}', '\u{2019}',
        '\u{201a}', '\u{201b}', '\u{201c}', '\u{201d}', '\u{2028}', '\u{f600}', '\u{fdd0}', '\u{feff}', '\u{fffd}',
    ]);
    prop_oneof![4 => special, 2 => prop::char::range('\x01', '\x7f'), 2 => any::<char>()]
        .prop_filter("NUL cannot be in a shell variable", |c| *c != '\0')
}

/// A random value; for dotenv, one that `quote::dotenv` accepts (see [`dotenv_can_hold`]).
fn nasty_string(dotenv: bool) -> impl Strategy<Value = String> {
    prop::collection::vec(nasty_char(), 0..20).prop_map(move |cs| {
        let mut s: String = cs.into_iter().collect();
        if dotenv {
            s.retain(|c| !matches!(c, '\'' | '\\' | '\n' | '\r'));
            while s.contains("${") {
                s = s.replace("${", "$");
            }
        }
        s
    })
}

/// What `--format dotenv` can write: no `'`, `\`, line break or `${`.
fn dotenv_can_hold(s: &str) -> bool {
    !s.contains(['\'', '\\', '\n', '\r']) && !s.contains("${")
}

fn check(
    reader: &Reader,
    key: &str,
    secret: &str,
    token: &str,
    region: &str,
    target: &str,
) -> Result<(), TestCaseError> {
    let exp = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let creds = Credentials::new(key, secret, Some(token.to_owned()), Some(exp));
    assert_round_trip(reader, &creds, region, target).map_err(TestCaseError::fail)
}

fn config() -> ProptestConfig {
    // Each case starts a shell: 64 per reader keeps the whole file to seconds.
    ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() }
}

macro_rules! round_trip_test {
    ($name:ident, $reader:expr) => {
        proptest! {
            #![proptest_config(config())]
            #[test]
            fn $name(
                key in nasty_string(READERS[$reader].format == Format::Dotenv),
                secret in nasty_string(READERS[$reader].format == Format::Dotenv),
                token in nasty_string(READERS[$reader].format == Format::Dotenv),
                region in nasty_string(READERS[$reader].format == Format::Dotenv),
                target in nasty_string(READERS[$reader].format == Format::Dotenv),
            ) {
                check(&READERS[$reader], &key, &secret, &token, &region, &target)?;
            }
        }
    };
}

round_trip_test!(bash_env_round_trips, 0);
round_trip_test!(dash_env_round_trips, 1);
round_trip_test!(zsh_env_round_trips, 2);
round_trip_test!(fish_round_trips, 3);
round_trip_test!(bash_dotenv_round_trips, 4);
round_trip_test!(dash_dotenv_round_trips, 5);
round_trip_test!(zsh_dotenv_round_trips, 6);

/// Values built to break out of the quoting: each would run `touch` on a
/// marker file if a shell read it as code.
#[test]
fn crafted_values_run_nothing() {
    let dir = tempdir();
    let marker = dir.path().join("ran");
    let m = marker.display();
    let payloads: Vec<String> = vec![
        format!(r"fish\'|touch {m}|echo \'"),
        format!(r"x\'; touch {m}; echo \'"),
        r"trailing backslash\".into(),
        format!("'; touch {m}; '"),
        format!("'\\''; touch {m}; '"),
        format!("$(touch {m})"),
        format!("`touch {m}`"),
        format!("${{X:=$(touch {m})}}"),
        format!("\n touch {m}\n"),
        format!("\"; touch {m}; \""),
        format!("\u{2019}; touch {m}; \u{2018}"),
        "=ls".into(),
        "*".into(),
        "~".into(),
        "!!".into(),
        "\x1b]0;title\x07".into(),
    ];
    let mut failures = Vec::new();
    for reader in &READERS {
        for payload in &payloads {
            if reader.format == Format::Dotenv && !dotenv_can_hold(payload) {
                continue;
            }
            let creds = Credentials::new("AKIA", payload.as_str(), Some(payload.clone()), None);
            if let Err(e) = assert_round_trip(reader, &creds, payload, payload) {
                failures.push(e);
            }
            if marker.exists() {
                failures.push(format!("{} ({:?}) ran a command from {payload:?}", reader.shell, reader.format));
                let _ = std::fs::remove_file(&marker);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Static keys (no token, no expiry) must not inherit the parent's session.
#[test]
fn static_keys_clear_a_stale_session() {
    let stale = [
        ("AWS_SESSION_TOKEN", "stale"),
        ("AWS_SECURITY_TOKEN", "stale"),
        ("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z"),
        ("ROLECALL_EXPIRATION", "2000-01-01T00:00:00Z"),
        ("AWS_PROFILE", "stale"),
    ];
    let creds = Credentials::new("AKIAUSER", "secret", None, None);
    let dir = tempdir();
    let mut failures = Vec::new();
    for reader in READERS.iter().filter(|r| r.format != Format::Dotenv) {
        let text = render(reader.format, &creds, "eu-west-1", "user").unwrap_or_else(|e| panic!("{e}"));
        match read_back(reader, &text, dir.path(), &stale) {
            Err(e) => failures.push(e),
            Ok(got) => {
                for (var, _) in stale {
                    if let Some(v) = got.env_var(var) {
                        failures.push(format!(
                            "{} kept {var}={:?} after:\n{text}",
                            reader.shell,
                            String::from_utf8_lossy(v)
                        ));
                    }
                }
                if got.env_var("AWS_ACCESS_KEY_ID") != Some(b"AKIAUSER".as_slice()) {
                    failures.push(format!("{} did not export the new keys", reader.shell));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// `--format nushell` through `from json | load-env` in a real nushell: crafted
/// values come back exactly (compared as JSON, which nushell writes back) and run nothing.
#[test]
fn nushell_loads_crafted_values_exactly() {
    let nu = std::env::var("ROLECALL_TEST_NU").unwrap_or_else(|_| {
        panic!("ROLECALL_TEST_NU is not set: run the tests through scripts/test, which installs nushell")
    });
    let dir = tempdir();
    let marker = dir.path().join("ran");
    let m = marker.display();
    let payloads = [
        format!("$(touch {m})"),
        format!("'; touch {m}; '"),
        format!("\"; ^touch {m}; \""),
        format!("`touch {m}`"),
        format!("(touch {m})"),
        "trailing backslash\\".to_owned(),
        "two\nlines\ttab \u{1b}]0;t\u{7} ünïcödé".to_owned(),
    ];
    for payload in &payloads {
        let creds = Credentials::new("AKIA", payload.as_str(), Some(payload.clone()), None);
        let text = render(Format::Nushell, &creds, "eu-west-1", payload).unwrap();
        let file = dir.path().join("export.json");
        std::fs::write(&file, &text).unwrap();
        let script = "open --raw $env.ROLECALL_EXPORT_FILE | from json | load-env; \
                      {s: $env.AWS_SECRET_ACCESS_KEY, t: $env.AWS_SESSION_TOKEN, r: $env.ROLECALL_TARGET} | to json -r";
        let out = Command::new(&nu)
            .args(["-n", "-c", script])
            .env("ROLECALL_EXPORT_FILE", &file)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run nushell '{nu}': {e}"));
        assert!(out.status.success(), "{payload:?}: {}", String::from_utf8_lossy(&out.stderr));
        let back: serde_json::Value = serde_json::from_slice(&out.stdout).expect("nushell's JSON");
        for key in ["s", "t", "r"] {
            assert_eq!(back[key].as_str(), Some(payload.as_str()), "{key} of {payload:?}");
        }
        assert!(!marker.exists(), "nushell ran a command from {payload:?}");
    }
}
