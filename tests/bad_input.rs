//! Broken configuration, one case per directory of `tests/fixtures/bad-config`:
//! each gives exactly the message (and exit code) in its `expected` file.
//!
//! A case directory holds `config`, `credentials` (bytes, so a case can hold
//! text that is not UTF-8), optionally `rolecall.toml`,
//! `args` (the command line), `expected` (stderr, `{home}` for the sandbox),
//! optionally `exit` (default 1) and `stdout`. No network is needed: every case
//! fails, or finishes, before any AWS call.

mod common;

use std::path::Path;

use common::{Sandbox, stderr, stdout};

struct Case {
    name: String,
    config: Vec<u8>,
    credentials: Vec<u8>,
    settings: Option<String>,
    args: Vec<String>,
    expected: String,
    exit: i32,
    stdout: Option<String>,
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

fn from_dir(dir: &Path) -> Case {
    let need = |f: &str| read(dir, f).unwrap_or_else(|| panic!("{}: missing '{f}'", dir.display()));
    let bytes = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{}: '{f}': {e}", dir.display()));
    Case {
        name: dir.file_name().unwrap().to_string_lossy().into_owned(),
        config: bytes("config"),
        credentials: bytes("credentials"),
        settings: read(dir, "rolecall.toml"),
        args: need("args").split_whitespace().map(str::to_owned).collect(),
        expected: need("expected"),
        exit: read(dir, "exit").map_or(1, |e| e.trim().parse().expect("exit code")),
        stdout: read(dir, "stdout"),
    }
}

/// A 1 MB config: thousands of valid profiles, then one with a bad ARN at the end.
fn one_megabyte() -> Case {
    let mut config = String::with_capacity(1 << 20);
    let mut i = 0;
    while config.len() < 1 << 20 {
        config.push_str(&format!(
            "[profile p{i:05}]\nrole_arn = arn:aws:iam::{:012}:role/ReadOnly\nsource_profile = hub\nregion = eu-west-1\n\n",
            100_000_000_000u64 + i
        ));
        i += 1;
    }
    config.push_str("[profile last]\nrole_arn = arn:aws:iam::123456789012:user/last\nsource_profile = hub\n");
    Case {
        name: "one-megabyte (generated)".into(),
        config: config.into_bytes(),
        credentials: b"[hub]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = example\n".to_vec(),
        settings: None,
        args: vec!["export".into(), "last".into()],
        expected: "rolecall: profile 'last' in '{home}/.aws/config': role_arn 'arn:aws:iam::123456789012:user/last' is not a role ARN: the resource must start with 'role/'\n".into(),
        exit: 1,
        stdout: None,
    }
}

#[test]
fn every_broken_config_gives_its_exact_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad-config");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let mut cases: Vec<Case> = dirs.iter().map(|d| from_dir(d)).collect();
    cases.push(one_megabyte());
    assert!(cases.len() >= 14, "fixtures missing: {}", cases.len());

    let mut failures = Vec::new();
    for case in &cases {
        let sb = Sandbox::new("", "");
        std::fs::write(sb.home().join(".aws/config"), &case.config).unwrap();
        std::fs::write(sb.home().join(".aws/credentials"), &case.credentials).unwrap();
        if let Some(settings) = &case.settings {
            std::fs::write(sb.home().join("rolecall.toml"), settings).unwrap();
        }
        // No endpoint at all: a case that reached the network would fail loudly.
        let out = sb.rolecall(Some("http://127.0.0.1:9")).args(&case.args).output().unwrap();
        let home = sb.home().display().to_string();
        let want_err = case.expected.replace("{home}", &home);
        let got_err = stderr(&out);
        if got_err != want_err || out.status.code() != Some(case.exit) {
            failures.push(format!(
                "{}: exit {:?} (want {})\n  got:  {got_err:?}\n  want: {want_err:?}",
                case.name,
                out.status.code(),
                case.exit
            ));
        }
        if let Some(want_out) = &case.stdout {
            let got_out = stdout(&out);
            if &got_out != want_out {
                failures.push(format!("{}: stdout\n  got:  {got_out:?}\n  want: {want_out:?}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
