#![cfg(feature = "e2e")]
//! IAM Identity Center targets end to end against the emulator: discovery after
//! `login --sso`, `ACCOUNT/PERMISSION_SET` ids in `list` (merged with the profiles
//! that name them), `exec` of a discovered target, and the 700 × 3 world listed
//! completely under the emulator's throttling.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::sso::SsoEmu;
use common::{Sandbox, aws_cli, ok, stderr, stdout};
use serde_json::Value;

fn sandbox(emu: &SsoEmu, settings: &str) -> Sandbox {
    let sb = Sandbox::new(&emu.config_text(), "");
    sb.settings(settings);
    sb
}

/// `rolecall login --sso SESSION --device-code`, approving at the emulator until it ends.
fn device_login(sb: &Sandbox, emu: &SsoEmu, limit: Duration) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let mut child = sb
        .rolecall_std(None)
        .envs(emu.env())
        .args(["login", "--sso", &emu.session, "--device-code"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rolecall login");
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < limit, "rolecall login --sso did not finish within {limit:?}");
        emu.approve_all();
        std::thread::sleep(Duration::from_millis(100));
    }
    let elapsed = start.elapsed();
    (child.wait_with_output().unwrap(), elapsed)
}

fn list_json(sb: &Sandbox, emu: &SsoEmu) -> Vec<Value> {
    let out = ok(sb.rolecall(None).envs(emu.env()).args(["list", "--json"]).output().unwrap(), "rolecall list --json");
    serde_json::from_str::<Value>(&stdout(&out)).unwrap().as_array().unwrap().clone()
}

#[test]
fn discovered_targets_are_listed_merged_with_profiles_and_assumable() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "");
    let (out, _) = device_login(&sb, &emu, Duration::from_secs(60));
    let out = ok(out, "rolecall login --sso (device code)");
    let accounts = emu.accounts();
    let targets: usize = accounts.iter().map(|a| a["roles"].as_array().unwrap().len()).sum();
    assert!(
        stderr(&out).contains(&format!("{} accounts, {targets} account x permission set targets", accounts.len())),
        "{}",
        stderr(&out)
    );

    let rows = list_json(&sb, &emu);
    let sso: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "permission-set").collect();
    let first = &accounts[0];
    let (id, name) = (first["accountId"].as_str().unwrap(), first["accountName"].as_str().unwrap());
    // The profiles sso-admin and sso-ro name two of the first account's permission sets:
    // those are listed once, as the profiles, which point at their SSO ids.
    assert_eq!(sso.len(), targets - 2, "every other account x permission set is a target: {sso:?}");
    let admin = rows.iter().find(|r| r["target"] == "sso-admin").unwrap();
    assert_eq!(admin["org_target"], format!("{name}/AdministratorAccess"), "{admin}");
    assert_eq!(admin["account"], id);
    for r in &sso {
        assert_eq!(r["assumable"], true, "{r}");
        assert!(r["chain"].as_str().unwrap().ends_with("(sso)"), "{r}");
    }

    // A discovered target that no profile names: exec as its permission set's role.
    let other = &accounts[1];
    let (oid, oname) = (other["accountId"].as_str().unwrap(), other["accountName"].as_str().unwrap());
    let ps = other["roles"][0].as_str().unwrap();
    let target = format!("{oname}/{ps}");
    let out = sb
        .rolecall(None)
        .envs(emu.env())
        .args(["exec", &target, "--"])
        .arg(aws_cli())
        .args(["sts", "get-caller-identity", "--output", "json"])
        .output()
        .unwrap();
    let out = ok(out, &format!("rolecall exec {target}"));
    let ident: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(ident["Account"], oid);
    let role = emu.role_name(oid, ps);
    assert!(ident["Arn"].as_str().unwrap().contains(&format!(":assumed-role/{role}/")), "{ident}");
    // The sso: form names the same target; an unknown permission set is a clear error.
    let out = sb.rolecall(None).envs(emu.env()).args(["export", &format!("{oid}/sso:{ps}")]).output().unwrap();
    ok(out, "rolecall export ACCOUNT_ID/sso:PS");
    let out = sb.rolecall(None).envs(emu.env()).args(["export", &format!("{oname}/sso:Nope")]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("permission set 'Nope'"), "{}", stderr(&out));

    // status shows the session's token.
    let out = ok(sb.rolecall(None).envs(emu.env()).arg("status").output().unwrap(), "rolecall status");
    assert!(stdout(&out).contains(&format!("SSO {}: token valid", emu.session)), "{}", stdout(&out));
}

/// 700 accounts × 3 permission sets behind a 20 requests/s limit: with `sso_rate_limit = 20`
/// every account is listed (no failure, nothing dropped) in about the 700/20 s floor.
#[test]
fn seven_hundred_accounts_list_completely_under_throttling() {
    let emu = SsoEmu::big();
    let sb = sandbox(&emu, "[defaults]\nsso_rate_limit = 20\nsso_concurrency = 8\n");
    let (out, elapsed) = device_login(&sb, &emu, Duration::from_secs(240));
    let out = ok(out, "rolecall login --sso (700 accounts)");
    let accounts = emu.accounts().len();
    assert_eq!(accounts, 700);
    assert!(stderr(&out).contains("700 accounts, 2100 account x permission set targets"), "{}", stderr(&out));
    let stats = emu.stats();
    eprintln!("discovery of 700 x 3 at sso_rate_limit = 20: {elapsed:?} (floor 35 s); emulator stats {stats}");
    let rows = list_json(&sb, &emu);
    // Targets a profile names are listed once, as the profile (with org_target set).
    let merged = rows.iter().filter(|r| r["kind"] == "sso" && r["org_target"].is_string()).count();
    assert_eq!(rows.iter().filter(|r| r["kind"] == "permission-set").count() + merged, 2100);
}
