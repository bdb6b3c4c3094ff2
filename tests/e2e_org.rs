#![cfg(feature = "e2e")]
//! End to end against moto's 300-account organisation (`scripts/seed_big_org.py
//! --layout org300`): discovery, the cache, targets, and exec with the AWS CLI v1.
//! Requests are counted at the server from its recording file, so the tests
//! here take turns (one lock) and each uses its own cache dir.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
use serde_json::Value;

static SERVER: Mutex<()> = Mutex::new(());

fn world() -> World {
    World::load("ROLECALL_TEST_ORG_WORLD")
}

/// Organizations requests recorded so far, by action.
fn org_requests() -> BTreeMap<String, usize> {
    let path = std::env::var("ROLECALL_TEST_ORG_RECORDING")
        .unwrap_or_else(|_| panic!("ROLECALL_TEST_ORG_RECORDING is not set: run the tests through scripts/test"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Ok(req) = serde_json::from_str::<Value>(line) else { continue };
        let Some(headers) = req["headers"].as_object() else { continue };
        let target = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target")).and_then(|(_, v)| v.as_str());
        if let Some(action) = target.and_then(|t| t.strip_prefix("AWSOrganizationsV20161128.")) {
            *counts.entry(action.to_owned()).or_insert(0) += 1;
        }
    }
    counts
}

fn since(before: &BTreeMap<String, usize>) -> BTreeMap<String, usize> {
    org_requests()
        .into_iter()
        .map(|(k, v)| (k.clone(), v - before.get(&k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

const SETTINGS: &str = r#"[defaults]
store = "none"
org_cache_ttl = "1h"

[[organization]]
name = "acme"
profile = "org-reader"
source_profile = "hub"
roles = ["ReadOnly", "Developer", "Admin"]
[organization.role.Developer]
mfa = true
duration = "2h"
"#;

struct Org {
    w: World,
    sb: Sandbox,
    /// Account name → id (names used twice are left out).
    ids: HashMap<String, String>,
}

impl Org {
    fn new(settings: &str) -> Self {
        let w = world();
        let ids = accounts(&w)
            .into_iter()
            .map(|a| (a["name"].as_str().unwrap().to_owned(), a["id"].as_str().unwrap().to_owned()))
            .collect();
        let config = format!(
            "[profile org-reader]\nregion = us-east-1\n\n[profile hub]\nregion = us-east-1\nmfa_serial = {mfa}\n\n\
             [profile member-reader]\nregion = us-east-1\n\n\
             [profile zurich-ro]\nrole_arn = arn:aws:iam::{zurich}:role/ReadOnly\nsource_profile = hub\nduration_seconds = 1800\n",
            mfa = w.s("mfa_serial"),
            zurich = id_of(&w, "Zürich Ops"),
        );
        let credentials = format!(
            "[org-reader]\naws_access_key_id = {}\naws_secret_access_key = {}\n\n[hub]\naws_access_key_id = {k}\naws_secret_access_key = {s}\n\n\
             [member-reader]\naws_access_key_id = {k}\naws_secret_access_key = {s}\n",
            w.s("reader_access_key_id"),
            w.s("reader_secret_access_key"),
            k = w.s("access_key_id"),
            s = w.s("secret_access_key"),
        );
        let sb = Sandbox::new(&config, &credentials);
        std::fs::write(sb.home().join("rolecall.toml"), settings).unwrap();
        Self { w, sb, ids }
    }

    fn cache_dir(&self) -> PathBuf {
        self.sb.home().join("org-cache")
    }

    fn rolecall(&self, endpoint: Option<&str>, args: &[&str]) -> std::process::Output {
        let endpoint = endpoint.map(str::to_owned).unwrap_or_else(|| self.w.endpoint());
        self.sb.rolecall(Some(&endpoint)).env("ROLECALL_CACHE_DIR", self.cache_dir()).args(args).output().unwrap()
    }

    fn id(&self, name: &str) -> &str {
        &self.ids[name]
    }
}

fn accounts(w: &World) -> Vec<Value> {
    w.json["accounts"].as_array().unwrap().clone()
}

fn id_of(w: &World, name: &str) -> String {
    accounts(w).iter().find(|a| a["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

#[test]
fn discovery_pages_walks_the_ou_tree_once_and_is_cached() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new(SETTINGS);
    let want = accounts(&org.w);
    assert!(want.len() >= 300, "the organisation has {} accounts", want.len());

    let before = org_requests();
    let out = ok(org.rolecall(None, &["accounts", "--json"]), "accounts --json");
    let cold = since(&before);
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), want.len());
    let got: HashMap<&str, &Value> = rows.iter().map(|r| (r["id"].as_str().unwrap(), r)).collect();
    for a in &want {
        let id = a["id"].as_str().unwrap();
        let row = got.get(id).unwrap_or_else(|| panic!("account {id} ({}) missing", a["name"]));
        assert_eq!(row["name"], a["name"], "{id}");
        assert_eq!(row["ou"], a["ou"], "{id}: OU path");
        assert_eq!(row["state"], a["state"], "{id}");
        assert_eq!(row["tags"], a["tags"], "{id}: tags");
        assert_eq!(row["org"], "acme");
    }
    assert_eq!(rows.iter().filter(|r| r["state"] == "SUSPENDED").count(), 2);
    assert!(rows.iter().any(|r| r["ou"] == "/Workloads/Prod/EU/Payments"), "four levels deep");

    // Requests: ListAccounts pages of 20, one walk of the OU tree, one tag call per account.
    let nodes = org.w.json["ous"].as_array().unwrap().len() + 1;
    let pages = want.len().div_ceil(20);
    assert_eq!(cold.get("ListAccounts"), Some(&pages), "{cold:?}");
    assert_eq!(cold.get("ListRoots"), Some(&1), "{cold:?}");
    assert_eq!(cold.get("ListOrganizationalUnitsForParent"), Some(&nodes), "{cold:?}");
    assert!(cold.get("ListAccountsForParent").is_some_and(|n| *n >= nodes && *n <= nodes + pages), "{cold:?}");
    assert_eq!(cold.get("ListTagsForResource"), Some(&want.len()), "{cold:?}");
    assert_eq!(cold.get("ListParents"), None, "no per-account ListParents: {cold:?}");

    // The cache: 0600, and a second run makes no Organizations request at all.
    let file = std::fs::read_dir(org.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("org-acme"));
    let file = file.expect("org cache file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let before = org_requests();
    let table = ok(org.rolecall(None, &["accounts"]), "accounts (cached)");
    assert_eq!(since(&before), BTreeMap::new(), "the cached run made Organizations requests");
    assert!(stderr(&table).contains("accounts from the cache"), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.starts_with("ORG"), "{text}");
    assert!(text.lines().any(|l| l.contains("Zürich Ops") && l.contains("env=")), "{text}");

    // --refresh lists it again.
    let before = org_requests();
    ok(org.rolecall(None, &["accounts", "--refresh"]), "accounts --refresh");
    assert_eq!(since(&before).get("ListAccounts"), Some(&pages));
}

#[test]
fn a_failed_refresh_keeps_the_cache_and_says_so() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new(SETTINGS);
    ok(org.rolecall(None, &["accounts"]), "accounts");
    let file = std::fs::read_dir(org.cache_dir()).unwrap().next().unwrap().unwrap().path();
    let kept = std::fs::read(&file).unwrap();

    let dead = Some("http://127.0.0.1:9");
    let out = org.rolecall(dead, &["accounts", "--refresh"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refreshing organisation 'acme' failed; the cached copy fetched at"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("is kept"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&file).unwrap(), kept, "the cache file is untouched");

    // Past its TTL, a failed refresh falls back to the old copy with a warning.
    std::fs::write(
        org.sb.home().join("rolecall.toml"),
        SETTINGS.replace("org_cache_ttl = \"1h\"", "org_cache_ttl = 0"),
    )
    .unwrap();
    let out = ok(org.rolecall(dead, &["list", "--json"]), "list with a stale cache");
    assert!(
        stderr(&out).contains("refreshing organisation 'acme' failed, so its cached copy fetched at"),
        "{}",
        stderr(&out)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.iter().any(|r| r["kind"] == "org"), "org targets from the stale cache");
    assert_eq!(std::fs::read(&file).unwrap(), kept);
}

#[test]
fn every_active_account_and_role_is_a_target() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new(SETTINGS);
    let out = ok(org.rolecall(None, &["list", "--json"]), "list --json");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let total = accounts(&org.w).len();
    let org_rows: Vec<&Value> = rows.iter().filter(|r| r["kind"] == "org").collect();
    // Every account × 3 roles, less the one merged with profile 'zurich-ro'.
    assert_eq!(org_rows.len(), total * 3 - 1);
    let row = |t: &str| rows.iter().find(|r| r["target"] == t).unwrap_or_else(|| panic!("no target {t}"));
    let twin: Vec<&&Value> = org_rows.iter().filter(|r| r["account_name"] == "shared sandbox").collect();
    assert_eq!(twin.len(), 6, "two accounts named alike, listed by id");
    assert!(twin.iter().all(|r| r["target"].as_str().unwrap().starts_with(|c: char| c.is_ascii_digit())));
    let retired = row("retired-2019/ReadOnly");
    assert_eq!((retired["state"].as_str(), retired["assumable"].as_bool()), (Some("SUSPENDED"), Some(false)));
    let dev = row("payments prod/Developer");
    assert_eq!(dev["assumable"], true);
    assert_eq!(dev["mfa"], true);
    assert_eq!(dev["chain"], "hub (keys) -> mfa-session -> payments prod/Developer");
    assert_eq!(dev["role_arn"], format!("arn:aws:iam::{}:role/Developer", org.id("payments prod")));
    assert_eq!(row("東京 analytics/ReadOnly")["ou"], id_ou(&org.w, "東京 analytics"));
    // The profile for the same account and role is that target: it keeps its settings and gains the account's.
    let merged = row("zurich-ro");
    assert_eq!(merged["org_target"], "Zürich Ops/ReadOnly");
    assert_eq!(merged["account_name"], "Zürich Ops");
    assert_eq!(merged["ou"], id_ou(&org.w, "Zürich Ops"));
    assert!(merged["tags"].is_object());
    assert!(!rows.iter().any(|r| r["target"] == "Zürich Ops/ReadOnly"), "merged, not listed twice");

    // The table groups by organisation and OU.
    let table = stdout(&ok(org.rolecall(None, &["list"]), "list"));
    assert!(table.contains("organisation 'acme':"), "{table}");
    assert!(table.lines().any(|l| l == "  /Workloads/Prod/EU/Payments"), "{table}");

    // include_ous narrows the targets.
    std::fs::write(
        org.sb.home().join("rolecall.toml"),
        SETTINGS.replace("roles = [", "include_ous = [\"/Security/**\"]\nroles = ["),
    )
    .unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&ok(org.rolecall(None, &["list", "--json"]), "list").stdout).unwrap();
    let ous: std::collections::BTreeSet<&str> =
        rows.iter().filter(|r| r["kind"] == "org").map(|r| r["ou"].as_str().unwrap()).collect();
    let want: std::collections::BTreeSet<String> = accounts(&org.w)
        .iter()
        .map(|a| a["ou"].as_str().unwrap().to_owned())
        .filter(|ou| ou == "/Security" || ou.starts_with("/Security/"))
        .collect();
    assert!(want.len() >= 2, "{want:?}");
    assert_eq!(ous.into_iter().map(str::to_owned).collect::<std::collections::BTreeSet<_>>(), want);
}

fn id_ou(w: &World, name: &str) -> String {
    accounts(w).iter().find(|a| a["name"] == name).unwrap()["ou"].as_str().unwrap().to_owned()
}

#[test]
fn exec_into_organisation_targets_with_the_aws_cli() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new(SETTINGS);
    let rows = [
        ("Zürich Ops/ReadOnly", "Zürich Ops", "ReadOnly"),
        ("payments prod/Developer", "payments prod", "Developer"),
        ("données équipe/Admin", "données équipe", "Admin"),
    ];
    let mut cases: Vec<(String, String, &str)> =
        rows.iter().map(|(t, name, role)| (t.to_string(), org.id(name).to_owned(), *role)).collect();
    let by_id = org.id("acct-0150").to_owned();
    cases.push((format!("{by_id}/ReadOnly"), by_id, "ReadOnly"));
    for (target, account, role) in cases {
        let mut cmd = org.sb.rolecall(Some(&org.w.endpoint()));
        cmd.env("ROLECALL_CACHE_DIR", org.cache_dir())
            .args(["exec", &target, "--mfa-code", "123456", "--"])
            .arg(aws_cli())
            .args(["sts", "get-caller-identity"]);
        let out = ok(cmd.output().unwrap(), &target);
        let v: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{target}: {e}: {}", stdout(&out)));
        assert_eq!(v["Arn"], format!("arn:aws:sts::{account}:assumed-role/{role}/alice"), "{target}");
    }

    // The merged target keeps the profile's 30-minute duration.
    let out = ok(org.rolecall(None, &["export", "Zürich Ops/ReadOnly", "--format", "json"]), "export merged");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let exp = aws_smithy_types::DateTime::from_str(
        v["Expiration"].as_str().unwrap(),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    let left =
        exp.secs() - std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((1700..=1800).contains(&left), "{left} s left");

    let refused = [
        ("retired-2019/ReadOnly", "is SUSPENDED, not ACTIVE: its roles cannot be assumed"),
        ("acct-0100/Auditor", "'Auditor' is not one of them"),
        ("no-such-account/ReadOnly", "no account 'no-such-account' in organisation 'acme'"),
        ("shared sandbox/ReadOnly", "account name 'shared sandbox' is used by 2 accounts; use the account id"),
    ];
    for (target, want) in refused {
        let out = org.rolecall(None, &["export", target]);
        assert_eq!(out.status.code(), Some(1), "{target}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{target}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn member_account_credentials_get_the_explained_error() {
    let _turn = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let org = Org::new(&SETTINGS.replace("profile = \"org-reader\"", "profile = \"member-reader\""));
    let out = org.rolecall(None, &["accounts"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    let caller = format!(
        "organizations:ListAccounts as 'arn:aws:iam::{}:user/alice' (profile 'member-reader') returned no accounts",
        org.w.s("hub_account")
    );
    for want in [caller.as_str(), "credentials of a member account", "management account", "delegated administrator"] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    // Targets cannot be resolved either, and say why.
    let out = org.rolecall(None, &["export", "acct-0001/ReadOnly"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("returned no accounts"), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not be listed"), "{}", stderr(&out));
}
