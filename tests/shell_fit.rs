//! The shell commands as a process, with no outside program: `rolecall
//! prompt` and `rolecall --version` through their fast path (no argument
//! parsing, no runtime) and through clap, and `__complete-targets` from a
//! sandbox's files.

mod common;

use common::{Sandbox, ok, stdout};

fn sandbox() -> Sandbox {
    let config = "[profile hub]\nregion = us-east-1\n\n[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/Dev\nsource_profile = hub\n";
    let sb = Sandbox::new(config, "[hub]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = x\n");
    sb.settings("[defaults]\nstore = \"none\"\n");
    sb
}

#[test]
fn prompt_prints_the_session_and_nothing_outside_one() {
    let sb = sandbox();
    let soon = rolecall::time::rfc3339_unix(rolecall::time::now_unix() + 42 * 60 + 30);
    let past = rolecall::time::rfc3339_unix(rolecall::time::now_unix() - 5);
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], ""),
        (&[("ROLECALL_TARGET", "dev"), ("ROLECALL_EXPIRATION", &soon)], "dev 42m\n"),
        (&[("ROLECALL_TARGET", "dev"), ("ROLECALL_EXPIRATION", &past)], "dev expired\n"),
        (&[("ROLECALL_TARGET", "dev")], "dev\n"),
    ];
    for (env, want) in cases {
        // `prompt` alone takes the fast path; `--config` makes clap parse it.
        for args in [&["prompt"][..], &["--config", "/nonexistent", "prompt"][..]] {
            let mut cmd = sb.rolecall(None);
            cmd.args(args).envs(env.iter().copied());
            let out = ok(cmd.output().unwrap(), "prompt");
            assert_eq!(stdout(&out), *want, "{args:?} {env:?}");
        }
    }
}

#[test]
fn version_prints_the_same_line_through_the_fast_path_and_through_clap() {
    let sb = sandbox();
    let want = format!("rolecall {}\n", env!("CARGO_PKG_VERSION"));
    // `--version` or `-V` alone takes the fast path; `--config` makes clap parse it.
    for args in
        [&["--version"][..], &["-V"], &["--config", "/nonexistent", "--version"], &["--config", "/nonexistent", "-V"]]
    {
        let out = sb.rolecall(None).args(args).output().unwrap();
        assert_eq!(
            (out.status.code(), stdout(&out), common::stderr(&out)),
            (Some(0), want.clone(), String::new()),
            "{args:?}"
        );
    }
}

#[test]
fn complete_targets_prints_matching_ids_and_survives_a_broken_config() {
    let sb = sandbox();
    let out = ok(sb.rolecall(None).args(["__complete-targets", "--", "d"]).output().unwrap(), "complete");
    assert_eq!(stdout(&out), "dev\n");
    // Twice: the second answer comes from the catalog snapshot the first one saved.
    let out = ok(sb.rolecall(None).args(["__complete-targets"]).output().unwrap(), "complete");
    assert_eq!(stdout(&out), "dev\nhub\n");
    std::fs::write(sb.home().join("rolecall.toml"), "this is not toml").unwrap();
    let out = sb.rolecall(None).args(["__complete-targets", "d"]).output().unwrap();
    assert_eq!((out.status.code(), stdout(&out), common::stderr(&out)), (Some(1), String::new(), String::new()));
}
