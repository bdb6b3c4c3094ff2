#![cfg(feature = "e2e")]
//! Identity Center targets end to end: every account × permission set the portal lists is a
//! target beside the organisation's, 700 accounts listed through throttling, and the TUI in
//! tmux (search, assume, shell, its own device-code sign-in). The emulator is
//! `scripts/sso_emulator.py`, started by scripts/test next to moto.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::sso::{SsoEmu, assert_is_role, first_account, list_kinds, rolecall, rolecall_std, run_approving, sandbox};
use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
use serde_json::Value;

/// After a sign-in, every account × permission set is a target `ACCOUNT/PERMISSION_SET` next to
/// the organisation's `ACCOUNT/ROLE`; where both have the same id (ReadOnly in payments-prod)
/// the organisation keeps it and the permission set is `ACCOUNT/sso:ReadOnly`. exec gives each
/// its own identity.
#[test]
fn permission_sets_are_targets_beside_the_organisation() {
    let w = World::main();
    let emu = SsoEmu::private(0);
    let config = format!(
        "{}\n[profile hub]\nregion = us-east-1\n\n[profile org-reader]\nregion = us-east-1\n",
        emu.config_text()
    );
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(&config, &credentials);
    sb.settings(
        "[defaults]\nsso_token_cache = \"aws-cli\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    let moto = w.endpoint();
    let mut login = sb.rolecall_std(Some(&moto));
    login.envs(emu.env()).args(["login", "--sso", &emu.session, "--device-code"]);
    let out = run_approving(login, &emu);
    ok(out, "rolecall login --sso (device code)");

    let kinds = list_kinds(&sb, &emu, Some(&moto));
    let want = [
        ("payments-dev/AdministratorAccess", "permission-set"),
        ("payments-dev/sso:ReadOnly", "permission-set"),
        ("payments-dev/ReadOnly", "org"),
        ("payments-dev/DataScientist", "permission-set"),
        ("data-lake/DataScientist", "permission-set"),
        ("data-lake/ReadOnly", "org"),
        ("payments-prod/ReadOnly", "org"),
        // payments-prod's two permission sets are the profiles that name them.
        ("sso-admin", "sso"),
        ("sso-ro", "sso"),
    ];
    for (target, kind) in want {
        assert_eq!(kinds.get(target).map(String::as_str), Some(kind), "{target} in rolecall list: {kinds:?}");
    }
    assert!(!kinds.contains_key("payments-prod/AdministratorAccess"), "merged with the profile sso-admin: {kinds:?}");
    let sso_count = kinds.values().filter(|k| *k == "permission-set" || *k == "sso").count();
    let assigned: usize = emu.accounts().iter().map(|a| a["roles"].as_array().unwrap().len()).sum();
    assert_eq!(sso_count, assigned, "one SSO target per assignment: {kinds:?}");

    let prod = w.account("payments-prod");
    let exec = |target: &str| {
        let mut cmd = sb.rolecall(Some(&moto));
        cmd.envs(emu.env()).args(["exec", target, "--"]).arg(aws_cli()).args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
        ]);
        let out = ok(cmd.timeout(Duration::from_secs(120)).output().unwrap(), &format!("rolecall exec {target}"));
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let dev = w.account("payments-dev");
    assert_is_role(&exec("payments-dev/sso:ReadOnly"), &emu, &dev, "ReadOnly");
    assert_is_role(&exec("payments-dev/AdministratorAccess"), &emu, &dev, "AdministratorAccess");
    // The merged target still answers to its ACCOUNT/PERMISSION_SET id.
    assert_is_role(&exec("payments-prod/AdministratorAccess"), &emu, &prod, "AdministratorAccess");
    let lake = w.account("data-lake");
    assert_is_role(&exec(&format!("{lake}/DataScientist")), &emu, &lake, "DataScientist");
    let org = exec("payments-prod/ReadOnly");
    assert!(
        org["Arn"].as_str().unwrap().starts_with(&format!("arn:aws:sts::{prod}:assumed-role/ReadOnly/")),
        "the organisation's role keeps its id: {org}"
    );
}

/// 700 accounts × 3 permission sets behind an Identity Center that throttles at 20 requests a
/// second while rolecall asks for more: every one of the 2100 targets is listed, no warning.
#[test]
fn seven_hundred_accounts_listed_through_throttling() {
    let emu = SsoEmu::big();
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\nsso_rate_limit = 60\nsso_concurrency = 16\n");
    emu.set_rate(20);
    emu.reset_stats();
    let started = Instant::now();
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", &emu.session, "--device-code"]);
    let out = ok(run_approving(login, &emu), "rolecall login --sso (700 accounts)");
    let took = started.elapsed();
    assert!(!stderr(&out).contains("warning"), "no account left out: {}", stderr(&out));
    let stats = emu.stats();
    eprintln!("700 × 3 discovery at 20 requests/s: {took:?}, {stats}");
    assert!(stats["throttled"].as_u64().unwrap_or(0) > 0, "the emulator throttled: {stats}");
    assert_eq!(stats["ListAccountRoles"], 700, "one served ListAccountRoles per account: {stats}");

    let kinds = list_kinds(&sb, &emu, None);
    let sso: Vec<&String> =
        kinds.iter().filter(|(_, k)| *k == "permission-set" || *k == "sso").map(|(t, _)| t).collect();
    // Two of them are the profiles sso-admin and sso-ro, merged with their targets.
    assert!(sso.len() >= 2098, "{} SSO targets of 2100", sso.len());
    for account in emu.accounts().iter().step_by(97) {
        let name = account["accountName"].as_str().unwrap();
        for ps in ["AdministratorAccess", "ReadOnly", "PowerUserAccess"] {
            let id = format!("{name}/{ps}");
            assert!(kinds.contains_key(&id) || account == &emu.accounts()[0], "{id} is listed");
        }
    }
    // Listing again reads the kept discovery: no portal request.
    emu.reset_stats();
    list_kinds(&sb, &emu, None);
    assert_eq!(emu.stat("ListAccounts") + emu.stat("ListAccountRoles"), 0, "{}", emu.stats());
}

/// A tmux server of its own for the TUI, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self { socket: common::unique("rolecall-sso-tui-") }
    }

    /// rolecall's TUI in a 140×36 pane with the sandbox's files, the emulator's endpoints and the
    /// AWS CLI v1 on PATH; the pane prints `rolecall-exited-CODE` when it ends.
    fn start(sb: &Sandbox, emu: &SsoEmu) -> Self {
        Self::start_with(sb, emu, &[])
    }

    /// As [`Tmux::start`], with more `NAME=value` variables.
    fn start_with(sb: &Sandbox, emu: &SsoEmu, extra: &[String]) -> Self {
        let tmux = Self::new();
        let home = sb.home().display().to_string();
        let venv_bin = aws_cli().parent().unwrap().display().to_string();
        let mut env = vec![
            format!("HOME={home}"),
            format!("AWS_CONFIG_FILE={home}/.aws/config"),
            format!("AWS_SHARED_CREDENTIALS_FILE={home}/.aws/credentials"),
            format!("ROLECALL_CONFIG={home}/rolecall.toml"),
            format!("ROLECALL_CACHE_DIR={home}/cache"),
            format!("PATH={venv_bin}:/usr/bin:/bin"),
            "SHELL=/bin/sh".to_owned(),
            "TERM=xterm-256color".to_owned(),
            "AWS_EC2_METADATA_DISABLED=true".to_owned(),
        ];
        env.extend(emu.env().into_iter().map(|(k, v)| format!("{k}={v}")));
        env.extend(extra.iter().cloned());
        let bin = assert_cmd::cargo::cargo_bin("rolecall").display().to_string();
        let mut args: Vec<String> =
            ["new-session", "-d", "-s", "t", "-x", "140", "-y", "36"].map(String::from).to_vec();
        for e in env {
            args.extend(["-e".to_owned(), e]);
        }
        args.push(format!("{bin}; echo rolecall-exited-$?; sleep 30"));
        tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux (scripts/test installs it)");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    fn key(&self, key: &str) {
        self.run(&["send-keys", "-t", "t", key]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-t", "t", "-p", "-J"])
    }

    fn wait_for(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.run(&["capture-pane", "-t", "t", "-p", "-J"]);
            if screen.contains(want) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "waited 30 s for {want:?}; the screen is:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "-f", "/dev/null", "kill-server"]).output();
    }
}

/// The TUI in tmux: a permission set found by search, assumed with Enter (the token the AWS CLI
/// left), a shell in it that is the AWSReservedSSO role, and back.
#[test]
fn tui_finds_a_permission_set_assumes_it_and_opens_a_shell() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nstore = \"none\"\nsso_token_cache = \"aws-cli\"\n");
    emu.write_cli_cache(sb.home(), Duration::from_secs(4 * 3600));
    // The token is valid: login signs nobody in, and lists the accounts for the catalog.
    ok(
        rolecall(&sb, &emu).args(["login", "--sso", &emu.session]).timeout(Duration::from_secs(60)).output().unwrap(),
        "login",
    );
    let dev = emu.account("payments-dev")["accountId"].as_str().unwrap().to_owned();
    let role = emu.role_name(&dev, "DataScientist");

    let tmux = Tmux::start(&sb, &emu);

    tmux.wait_for("payments-dev/DataScientist");
    tmux.text("devDataSci");
    let screen = tmux.wait_for("› devDataSci");
    let first_row = screen.lines().nth(2).unwrap_or_default();
    assert!(first_row.contains("payments-dev/DataScientist"), "best match first:\n{screen}");
    tmux.key("Enter");
    tmux.wait_for(&format!("arn:aws:sts::{dev}:assumed-role/{role}/"));
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());

    tmux.text("s");
    tmux.wait_for("rolecall: shell as");
    tmux.text("aws sts get-caller-identity --query Arn --output text");
    tmux.key("Enter");
    tmux.wait_for(&format!("\narn:aws:sts::{dev}:assumed-role/{role}/"));
    tmux.text("exit");
    tmux.key("Enter");
    tmux.wait_for("back in rolecall");
    tmux.key("C-c");
    tmux.wait_for("rolecall-exited-0");
}

/// The TUI with no token: Enter on an Identity Center profile starts a device-code sign-in
/// (no browser here) and shows its code; once the code is approved at the emulator, as the person
/// in the browser would, the role is assumed.
#[test]
fn tui_signs_in_with_a_device_code_when_there_is_no_token() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nstore = \"none\"\nsso_token_cache = \"aws-cli\"\n");
    let account = first_account(&emu);
    let role = emu.role_name(&account, "ReadOnly");
    let tmux = Tmux::start(&sb, &emu);

    tmux.wait_for("sso-ro");
    tmux.text("sso-ro");
    tmux.wait_for("› sso-ro");
    tmux.key("Enter");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(code) = emu.pending().pop() {
            break code;
        }
        assert!(Instant::now() < deadline, "no device authorization started");
        std::thread::sleep(Duration::from_millis(100));
    };
    tmux.wait_for(&code);
    assert_eq!(emu.stat("GetRoleCredentials"), 0, "{}", emu.stats());
    assert_eq!(emu.approve(&code), 1);
    tmux.wait_for(&format!("arn:aws:sts::{account}:assumed-role/{role}/"));
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
    assert!(emu.cli_cache_path(sb.home()).exists(), "the token is kept (aws-cli mode)");
    tmux.key("C-c");
    tmux.wait_for("rolecall-exited-0");
}

/// The TUI with no token and a browser at hand (BROWSER): Enter on an Identity Center profile
/// signs in in the browser (authorization code with PKCE on the loopback callback), as
/// `login --sso` does. The dialog shows the whole address (for a browser that did not open);
/// what the opener prints, to its output or to /dev/tty, never reaches the screen.
#[test]
fn tui_signs_in_in_the_browser_and_shows_the_address() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nstore = \"none\"\nsso_token_cache = \"aws-cli\"\n");
    let account = first_account(&emu);
    let role = emu.role_name(&account, "ReadOnly");
    // A "browser" that is noisy everywhere it can be, keeps the address, and follows it
    // (approving the sign-in) once the test has read the screen.
    let dir = sb.home().join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("noisy-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho OPENER-NOISE-OUT\necho OPENER-NOISE-ERR >&2\n\
             if (echo OPENER-NOISE-TTY > /dev/tty) 2>/dev/null; then : > {dir}/reached-tty; fi\n\
             for a in \"$@\"; do url=\"$a\"; done\nprintf '%s' \"$url\" > {dir}/url.tmp && mv {dir}/url.tmp {dir}/url\n\
             i=0; while [ ! -e {dir}/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\n\
             exec {follow} \"$url\"\n",
            dir = dir.display(),
            follow = common::sso::browser_follow().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let tmux = Tmux::start_with(&sb, &emu, &[format!("BROWSER={}", script.display())]);

    tmux.wait_for("sso-ro");
    tmux.text("sso-ro");
    tmux.wait_for("› sso-ro");
    tmux.key("Enter");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("url").exists() {
        assert!(Instant::now() < deadline, "the browser was not started; the screen is:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    let url = std::fs::read_to_string(dir.join("url")).unwrap();
    assert!(!dir.join("reached-tty").exists(), "the opener could write to the terminal (/dev/tty)");
    assert!(url.contains("/authorize?") && url.contains("code_challenge="), "{url}");
    let screen = tmux.wait_for("open this URL");
    // The dialog's lines, borders taken off, hold the whole address.
    let inside: String = screen.lines().filter_map(|l| l.split('│').nth(1)).map(str::trim_end).collect();
    assert!(inside.contains(&url), "the whole address is on the screen:\n{screen}");
    assert!(!screen.contains("OPENER-NOISE"), "nothing the opener printed is on the screen:\n{screen}");
    std::fs::write(dir.join("go"), "").unwrap();
    let screen = tmux.wait_for(&format!("arn:aws:sts::{account}:assumed-role/{role}/"));
    assert!(!screen.contains("OPENER-NOISE"), "nothing the opener printed is on the screen:\n{screen}");
    assert_eq!(emu.stat("issued.authorization_code"), 1, "{}", emu.stats());
    assert_eq!(emu.stat("issued.device_code"), 0, "{}", emu.stats());
    tmux.key("C-c");
    tmux.wait_for("rolecall-exited-0");
}

/// The AWS CLI v1 as the caller: twenty `aws sts get-caller-identity` at once through
/// `credential_process = rolecall credential-process ACCOUNT/PERMISSION_SET` for two discovered
/// targets, with the token due for refresh: each gets its role, one refresh, one
/// GetRoleCredentials per target.
#[test]
fn aws_cli_credential_process_twenty_at_once_for_discovered_targets() {
    let emu = SsoEmu::private(0);
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    let config = format!(
        "{}\n[profile cp-admin]\ncredential_process = {bin} credential-process payments-dev/AdministratorAccess\nregion = us-east-1\n\n\
         [profile cp-science]\ncredential_process = {bin} credential-process data-lake/DataScientist\nregion = us-east-1\n",
        emu.config_text(),
        bin = bin.display()
    );
    let sb = Sandbox::new(&config, "");
    emu.set_token_ttl(120);
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", &emu.session, "--device-code"]);
    ok(run_approving(login, &emu), "rolecall login --sso (device code)");
    emu.set_token_ttl(8 * 3600);
    emu.reset_stats();

    let children: Vec<_> = (0..20)
        .map(|i| {
            let profile = if i % 2 == 0 { "cp-admin" } else { "cp-science" };
            let child = sb
                .std_cmd(&aws_cli(), None)
                .envs(emu.env())
                .args(["sts", "get-caller-identity", "--output", "json", "--profile", profile])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (profile, child)
        })
        .collect();
    let dev = emu.account("payments-dev")["accountId"].as_str().unwrap().to_owned();
    let lake = emu.account("data-lake")["accountId"].as_str().unwrap().to_owned();
    for (profile, child) in children {
        let out = ok(child.wait_with_output().unwrap(), &format!("aws sts get-caller-identity --profile {profile}"));
        let ident: Value = serde_json::from_str(&stdout(&out)).unwrap();
        match profile {
            "cp-admin" => assert_is_role(&ident, &emu, &dev, "AdministratorAccess"),
            _ => assert_is_role(&ident, &emu, &lake, "DataScientist"),
        }
    }
    let stats = emu.stats();
    assert_eq!(stats["CreateToken.refresh_token"], 1, "one refresh: {stats}");
    assert_eq!(stats["GetRoleCredentials.targets"][format!("{dev}/AdministratorAccess")], 1, "{stats}");
    assert_eq!(stats["GetRoleCredentials.targets"][format!("{lake}/DataScientist")], 1, "{stats}");
}

/// Makes every kept Identity Center account list look a year old, without the account or
/// permission set `drop`.
fn age_account_lists(sb: &Sandbox, drop: &str) -> usize {
    let mut aged = 0;
    let mut dirs = vec![sb.home().join("cache")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let Ok(mut v) = serde_json::from_str::<Value>(&text) else { continue };
            if v.get("fetched_at").is_some() && v.get("accounts").is_some() {
                v["fetched_at"] = Value::from(v["fetched_at"].as_u64().unwrap() - 365 * 86_400);
                v["accounts"].as_array_mut().unwrap().retain(|a| a["name"] != drop);
                for a in v["accounts"].as_array_mut().unwrap() {
                    a["roles"].as_array_mut().unwrap().retain(|r| r != drop);
                }
                std::fs::write(&path, v.to_string()).unwrap();
                aged += 1;
            }
        }
    }
    aged
}

/// Twenty `credential-process` calls at once for `target`; each must succeed.
fn twenty_credential_process(sb: &Sandbox, emu: &SsoEmu, target: &str) {
    let children: Vec<_> = (0..20)
        .map(|_| {
            rolecall_std(sb, emu)
                .args(["credential-process", target])
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = ok(child.wait_with_output().unwrap(), &format!("rolecall credential-process {target}"));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{json}");
    }
}

/// Twenty `credential-process` calls at once with a stale account list: a target the list names
/// is served without listing the accounts first; with no list kept, one process lists them and
/// the others, waiting on its lock, find the list fresh.
#[test]
fn twenty_at_once_with_a_stale_account_list_list_the_accounts_at_most_once() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", &emu.session, "--device-code"]);
    ok(run_approving(login, &emu), "rolecall login --sso (device code)");
    let one_listing = emu.stat("ListAccounts");
    assert!(one_listing >= 1, "the sign-in lists the accounts: {}", emu.stats());

    assert_eq!(age_account_lists(&sb, "none"), 1, "one account list kept");
    emu.reset_stats();
    twenty_credential_process(&sb, &emu, "payments-dev/AdministratorAccess");
    assert_eq!(emu.stat("ListAccounts"), 0, "the stale list names the target: {}", emu.stats());

    // A stale list without the target's account: it can only be found by listing, once.
    assert_eq!(age_account_lists(&sb, "data-lake"), 1);
    emu.reset_stats();
    twenty_credential_process(&sb, &emu, "data-lake/DataScientist");
    let stats = emu.stats();
    let listed = stats["ListAccounts"].as_u64().unwrap_or(0);
    assert!((1..=one_listing).contains(&listed), "one listing for twenty: {stats}");

    // The account is listed but not the permission set (newly assigned): listed again, once.
    assert_eq!(age_account_lists(&sb, "DataScientist"), 1);
    emu.reset_stats();
    twenty_credential_process(&sb, &emu, "data-lake/DataScientist");
    let stats = emu.stats();
    let listed = stats["ListAccounts"].as_u64().unwrap_or(0);
    assert!((1..=one_listing).contains(&listed), "one listing for a new permission set: {stats}");
}
