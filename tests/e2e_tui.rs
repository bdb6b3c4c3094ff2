#![cfg(feature = "e2e")]
//! The TUI end to end in tmux against moto: search, MFA, shell, and back.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::federation::Standin;
use common::{Sandbox, World, aws_cli, ok, unique};

/// A tmux server of its own, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self { socket: unique("rolecall-tui-") }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux (scripts/test installs it)");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-t", "t", "-p"])
    }

    /// Waits until the screen shows `want` (polling, not sleeping a fixed time).
    fn wait_for(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(want) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "waited 20 s for {want:?}; the screen is:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

#[test]
fn find_an_mfa_role_assume_it_open_a_shell_and_come_back() {
    let w = World::main();
    let prod = w.account("payments-prod");
    let config = format!(
        "[profile hub]\nregion = us-east-1\nmfa_serial = {}\n\n[profile org-reader]\nregion = us-east-1\n",
        w.s("mfa_serial")
    );
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(&config, &credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\", \"Developer\"]\n[organization.role.Developer]\nmfa = true\n",
    );
    // Fill the organisation cache first, so the TUI shows the accounts at once.
    ok(sb.rolecall(Some(&w.endpoint())).args(["accounts"]).output().unwrap(), "accounts");

    // `c` in the result panel opens the console: a stand-in signs in, a "browser" keeps the page.
    let fed = Standin::start(&w.endpoint());
    let browser = sb.home().join("browser.sh");
    let page = sb.home().join("page.html");
    std::fs::write(&browser, format!("#!/bin/sh\ncat \"${{1#file://}}\" > {}\n", page.display())).unwrap();
    std::fs::set_permissions(&browser, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let tmux = Tmux::new();
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    let venv_bin = aws_cli().parent().unwrap().display().to_string();
    let home = sb.home().display().to_string();
    let env = [
        format!("HOME={home}"),
        format!("AWS_CONFIG_FILE={home}/.aws/config"),
        format!("AWS_SHARED_CREDENTIALS_FILE={home}/.aws/credentials"),
        format!("ROLECALL_CONFIG={home}/rolecall.toml"),
        format!("ROLECALL_CACHE_DIR={home}/cache"),
        format!("AWS_ENDPOINT_URL={}", w.endpoint()),
        format!("PATH={venv_bin}:/usr/bin:/bin"),
        "SHELL=/bin/sh".to_owned(),
        "TERM=xterm-256color".to_owned(),
        format!("BROWSER={}", browser.display()),
        format!("ROLECALL_SIGNIN_ENDPOINT={}", fed.endpoint()),
    ];
    let mut args: Vec<String> = vec![
        "new-session".into(),
        "-d".into(),
        "-s".into(),
        "t".into(),
        "-x".into(),
        "120".into(),
        "-y".into(),
        "36".into(),
    ];
    for e in &env {
        args.push("-e".into());
        args.push(e.clone());
    }
    args.push(format!("{}; echo rolecall-exited-$?; sleep 30", bin.display()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tmux.run(&args);

    tmux.wait_for("payments-prod/Developer");
    tmux.text("payprodDev");
    let screen = tmux.wait_for("› payprodDev");
    let first_row = screen.lines().nth(2).unwrap_or_default();
    assert!(first_row.contains("payments-prod/Developer"), "best match first:\n{screen}");

    tmux.keys(&["Enter"]);
    tmux.wait_for("MFA code");
    tmux.text("123456");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("arn:aws:sts::{prod}:assumed-role/Developer/alice"));

    tmux.text("c");
    let screen = tmux.wait_for("opened the AWS console for 'payments-prod/Developer'");
    let signed = fed.entries();
    assert_eq!(signed.len(), 1, "{signed:?}");
    assert!(signed[0]["arn"].as_str().unwrap().contains(&format!("{prod}:assumed-role/Developer/")));
    let token = signed[0]["token"].as_str().unwrap();
    assert!(std::fs::read_to_string(&page).unwrap().contains(token), "the browser got the sign-in page");
    assert!(!screen.contains(token), "the token is never on the screen");

    tmux.text("s");
    tmux.wait_for("rolecall: shell as");
    tmux.text("aws sts get-caller-identity --query Arn --output text");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("\narn:aws:sts::{prod}:assumed-role/Developer/alice"));
    // Esc typed ahead, before rolecall is back: it waits in the terminal
    // until then, as a key pressed at the moment the shell ends does; it must
    // reach the picker at once (the first key after the shell once stuck
    // until the next one came).
    tmux.text("exit");
    tmux.keys(&["Enter", "Escape"]);
    tmux.wait_for("shell exited (0); back in rolecall");

    // Usable again: the search cleared, search anew.
    tmux.wait_for("type to search");
    tmux.text("lake");
    tmux.wait_for("› lake");
    tmux.wait_for("data-lake/ReadOnly");
    tmux.keys(&["C-c"]);
    tmux.wait_for("rolecall-exited-0");
}

/// Starts rolecall's TUI in `tmux` for the sandbox (120×36).
fn start_tui(tmux: &Tmux, sb: &Sandbox, w: &World) {
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    start_in_tmux(tmux, sb, w, &format!("{}; echo rolecall-exited-$?; sleep 30", bin.display()));
}

/// Starts `command` (a shell command line) in `tmux` with the sandbox's environment (120×36).
fn start_in_tmux(tmux: &Tmux, sb: &Sandbox, w: &World, command: &str) {
    let venv_bin = aws_cli().parent().unwrap().display().to_string();
    let home = sb.home().display().to_string();
    let mut args: Vec<String> = ["new-session", "-d", "-s", "t", "-x", "120", "-y", "36"].map(String::from).to_vec();
    for e in [
        format!("HOME={home}"),
        format!("AWS_CONFIG_FILE={home}/.aws/config"),
        format!("AWS_SHARED_CREDENTIALS_FILE={home}/.aws/credentials"),
        format!("ROLECALL_CONFIG={home}/rolecall.toml"),
        format!("ROLECALL_CACHE_DIR={home}/cache"),
        format!("AWS_ENDPOINT_URL={}", w.endpoint()),
        format!("PATH={venv_bin}:/usr/bin:/bin"),
        "SHELL=/bin/sh".to_owned(),
        "TERM=xterm-256color".to_owned(),
    ] {
        args.push("-e".into());
        args.push(e);
    }
    args.push(command.to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tmux.run(&args);
}

#[test]
fn mark_two_targets_run_a_command_on_them_and_stop_a_slow_one() {
    let w = World::main();
    let (prod, lake) = (w.account("payments-prod"), w.account("data-lake"));
    let config = "[profile hub]\nregion = us-east-1\n\n[profile org-reader]\nregion = us-east-1\n";
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(config, &credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    ok(sb.rolecall(Some(&w.endpoint())).args(["accounts"]).output().unwrap(), "accounts");
    let tmux = Tmux::new();
    start_tui(&tmux, &sb, &w);
    tmux.wait_for("payments-prod/ReadOnly");

    // Ctrl-Space marks (tmux sends NUL, as terminals do); marks survive a new search.
    for id in ["payments-prod/ReadOnly", "data-lake/ReadOnly"] {
        tmux.text(id);
        tmux.wait_for(&format!("› {id}"));
        tmux.keys(&["C-Space"]);
        tmux.keys(&["Escape"]);
        tmux.wait_for("type to search");
    }
    tmux.wait_for("2 marked");
    tmux.keys(&["C-x"]);
    tmux.wait_for("run on 2 ›");
    tmux.text("aws sts get-caller-identity --query Arn --output text");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("2 targets in");
    assert!(screen.contains("2 ok, 0 failed"), "{screen}");
    let runs = sb.home().join("cache/runs");
    let logs: Vec<_> = std::fs::read_dir(&runs).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&runs).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(std::fs::metadata(&logs[0]).unwrap().permissions().mode() & 0o777, 0o600);
    let log = std::fs::read_to_string(&logs[0]).unwrap();
    for (id, account) in [("payments-prod/ReadOnly", &prod), ("data-lake/ReadOnly", &lake)] {
        let want = format!("[{id}] arn:aws:sts::{account}:assumed-role/ReadOnly/");
        assert!(log.contains(&want), "{want} in:\n{log}");
        assert!(log.contains(&format!("[{id}] == ok (exit 0)")), "{log}");
    }
    assert!(!log.contains("aws_secret_access_key") && !log.contains("testing"), "no secrets in the log:\n{log}");

    // A slow command: Esc asks, Esc again stops it; the UI answers all along.
    tmux.keys(&["C-x"]);
    tmux.wait_for("run on 2 ›");
    tmux.text("sleep 30");
    tmux.keys(&["Enter"]);
    tmux.wait_for("run: 0/2 done");
    let started = Instant::now();
    tmux.keys(&["Escape"]);
    tmux.wait_for("esc again stops it");
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("cancelled");
    assert!(started.elapsed() < Duration::from_secs(10), "stopped quickly:\n{screen}");
    assert!(screen.contains("2 cancelled"), "{screen}");

    // Quitting while a run goes on kills its commands too.
    let sleeper = "sleep 37.125";
    tmux.keys(&["C-x"]);
    tmux.wait_for("run on 2 ›");
    tmux.text(sleeper);
    tmux.keys(&["Enter"]);
    wait_for_sleepers(sleeper, 2);
    tmux.keys(&["C-c"]);
    tmux.wait_for("rolecall-exited-0");
    wait_for_sleepers(sleeper, 0);
}

#[test]
fn term_hup_and_int_stop_a_runs_commands_before_the_picker_exits() {
    let w = World::main();
    let config = "[profile hub]\nregion = us-east-1\n\n[profile org-reader]\nregion = us-east-1\n";
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(config, &credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    ok(sb.rolecall(Some(&w.endpoint())).args(["accounts"]).output().unwrap(), "accounts");
    for (signal, name, code) in [("TERM", "SIGTERM", 143), ("HUP", "SIGHUP", 129), ("INT", "SIGINT", 130)] {
        let tmux = Tmux::new();
        start_tui(&tmux, &sb, &w);
        tmux.wait_for("payments-prod/ReadOnly");
        for id in ["payments-prod/ReadOnly", "data-lake/ReadOnly"] {
            tmux.text(id);
            tmux.wait_for(&format!("› {id}"));
            tmux.keys(&["C-Space"]);
            tmux.keys(&["Escape"]);
            tmux.wait_for("type to search");
        }
        tmux.wait_for("2 marked");
        tmux.keys(&["C-x"]);
        tmux.wait_for("run on 2 ›");
        // Each command leaves a grandchild behind in its own process group.
        let sleeper = format!("sleep 41.{code}");
        tmux.text(&format!("sh -c '{sleeper} & wait'"));
        tmux.keys(&["Enter"]);
        wait_for_sleepers(&sleeper, 2);
        let shell = tmux.run(&["display-message", "-p", "-t", "t", "#{pane_pid}"]);
        let out = Command::new("pgrep").args(["-P", shell.trim(), "-x", "rolecall"]).output().unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        assert!(!pid.is_empty() && !pid.contains('\n'), "{name}: rolecall's pid under the pane's shell: {pid:?}");
        ok(Command::new("kill").args(["-s", signal, &pid]).output().unwrap(), "kill");
        tmux.wait_for(&format!("rolecall-exited-{code}"));
        wait_for_sleepers(&sleeper, 0);
        let runs = sb.home().join("cache/runs");
        let log = std::fs::read_dir(&runs)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .find(|l| l.contains(&sleeper))
            .unwrap_or_default();
        assert!(log.contains("2 cancelled"), "{name}: the summary is written:\n{log}");
    }
}

#[test]
fn closing_the_terminal_stops_every_command_of_a_run() {
    let w = World::main();
    let config = "[profile hub]\nregion = us-east-1\n\n[profile org-reader]\nregion = us-east-1\n";
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(config, &credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    ok(sb.rolecall(Some(&w.endpoint())).args(["accounts"]).output().unwrap(), "accounts");
    let tmux = Tmux::new();
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    let sleeper = "sleep 44.25";
    let run =
        format!("{} run --yes payments-prod/ReadOnly data-lake/ReadOnly -- sh -c '{sleeper} & wait'", bin.display());
    start_in_tmux(&tmux, &sb, &w, &run);
    wait_for_sleepers(sleeper, 2);
    // The window closes: the terminal hangs up (SIGHUP), as when a terminal emulator is closed.
    drop(tmux);
    wait_for_sleepers(sleeper, 0);
}

/// Waits (20 s at most) until exactly `n` processes run `command`.
fn wait_for_sleepers(command: &str, n: usize) {
    let start = Instant::now();
    loop {
        let out = Command::new("pgrep").args(["-f", &format!("^{command}$")]).output().unwrap();
        let found = String::from_utf8_lossy(&out.stdout).lines().count();
        if found == n {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{found} processes run '{command}', not {n}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_run_never_asks_for_an_mfa_code_and_says_login_is_needed() {
    let w = World::main();
    let config = format!(
        "[profile hub]\nregion = us-east-1\nmfa_serial = {}\n\n[profile org-reader]\nregion = us-east-1\n",
        w.s("mfa_serial")
    );
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(&config, &credentials);
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"Developer\"]\n[organization.role.Developer]\nmfa = true\n",
    );
    ok(sb.rolecall(Some(&w.endpoint())).args(["accounts"]).output().unwrap(), "accounts");
    let tmux = Tmux::new();
    start_tui(&tmux, &sb, &w);
    tmux.wait_for("payments-prod/Developer");
    tmux.text("payments-prod/Developer");
    tmux.wait_for("› payments-prod/Developer");
    tmux.keys(&["C-t"]);
    tmux.keys(&["C-x"]);
    tmux.wait_for("run on 1 ›");
    tmux.text("true");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("1 targets in");
    assert!(screen.contains("0 ok, 1 failed"), "{screen}");
    assert!(screen.contains("`rolecall login` first"), "{screen}");
    assert!(!screen.contains("MFA code ─") && !screen.contains("6 digits"), "no dialog during a run:\n{screen}");
    let runs = sb.home().join("cache/runs");
    let log = std::fs::read_dir(&runs)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<String>();
    assert!(log.contains("[payments-prod/Developer] == assume-failed (exit -) an MFA code is needed"), "{log}");
    tmux.keys(&["C-c"]);
    tmux.wait_for("rolecall-exited-0");
}
