//! What `rolecall list` says about what it found: on a first run (no AWS
//! files, no settings) where it looked and the ways in; a settings-only
//! profile's region; what an `sso_session` profile lacks; and an id that can
//! be typed for an account whose name holds a control character.

mod common;

use common::{Sandbox, ok, stderr, stdout};
use serde_json::Value;

fn rows(out: &std::process::Output) -> Vec<Value> {
    serde_json::from_slice::<Value>(&out.stdout).expect("list --json").as_array().cloned().unwrap_or_default()
}

#[test]
fn a_first_run_says_where_rolecall_looked_and_the_ways_in() {
    let sb = Sandbox::new("", "");
    std::fs::remove_dir_all(sb.home().join(".aws")).unwrap();
    let xdg = sb.home().join("xdg");
    let run = |json: bool| {
        let mut cmd = sb.rolecall(None);
        cmd.env_remove("ROLECALL_CONFIG").env("XDG_CONFIG_HOME", &xdg).arg("list");
        if json {
            cmd.arg("--json");
        }
        ok(cmd.output().unwrap(), "list")
    };
    let out = run(false);
    assert_eq!(stdout(&out), "", "no bare header");
    let text = stderr(&out).replace('\n', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let home = sb.home().display().to_string();
    for want in [
        format!("'{home}/.aws/config' (not found)"),
        format!("'{home}/.aws/credentials' (not found)"),
        format!("'{home}/xdg/rolecall/config.toml' (not found)"),
        "1. A profile in the AWS config file".to_owned(),
        "2. An [[organization]] in rolecall's settings".to_owned(),
        "3. `rolecall login --sso NAME`".to_owned(),
    ] {
        assert!(text.contains(&want), "{want:?} in:\n{}", stderr(&out));
    }
    for line in stderr(&out).lines() {
        assert!(line.chars().count() <= 100, "wrapped: {line:?}");
    }
    let out = run(true);
    assert_eq!(stdout(&out), "[]\n");
    assert!(stderr(&out).contains("There are three ways in"), "{}", stderr(&out));
}

#[test]
fn settings_profiles_show_their_region_and_sso_profiles_say_what_they_lack() {
    let config = "[profile hub]\nregion = eu-west-2\n\n[profile s]\nsso_session = corp\nregion = eu-west-1\n\n\
                  [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    let sb = Sandbox::new(config, "");
    sb.settings("[defaults]\nstore = \"none\"\n");
    let out = ok(sb.rolecall(None).args(["list", "--json"]).output().unwrap(), "list --json");
    let rows = rows(&out);
    let row = |t: &str| rows.iter().find(|r| r["target"] == t).cloned().unwrap_or_else(|| panic!("{t}: {rows:?}"));
    assert_eq!(row("hub")["kind"], "settings");
    assert_eq!(row("hub")["region"], "eu-west-2", "{:?}", row("hub"));
    let error = row("s")["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("sso_session 'corp' names where to sign in but not what"), "{error}");
    assert!(error.contains("add 'sso_account_id' and 'sso_role_name'"), "{error}");
}

#[test]
fn an_account_name_with_a_control_character_is_listed_by_an_id_that_works() {
    let sb = Sandbox::new("[profile hub]\nregion = us-east-1\n", "");
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"o\"\nprofile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    let now = rolecall::time::now_unix();
    let snapshot = serde_json::json!({
        "version": 1, "org": "o", "profile": "hub",
        "fetched_at": rolecall::time::rfc3339_unix(now), "fetched_at_unix": now, "fetched_by": null,
        "accounts": [{"id": "300000000003", "name": "a\u{7}b", "email": "a@example.com", "state": "ACTIVE", "ou": "/W", "tags": {}}],
    });
    std::fs::create_dir_all(sb.home().join("cache")).unwrap();
    std::fs::write(sb.home().join("cache/org-o.json"), snapshot.to_string()).unwrap();
    let out = ok(sb.rolecall(None).args(["list", "--json"]).output().unwrap(), "list --json");
    let targets: Vec<String> = rows(&out).iter().map(|r| r["target"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(targets, ["hub", "300000000003/ReadOnly"]);
    let table = ok(sb.rolecall(None).arg("list").output().unwrap(), "list");
    assert!(stdout(&table).contains("300000000003/ReadOnly"), "{}", stdout(&table));
    // Each printed id is one a command takes: it resolves to the account (and then
    // stops at the hub profile, which has no credentials here), not "no account".
    for id in &targets[1..] {
        let out = sb.rolecall(None).args(["export", id]).output().unwrap();
        assert!(stderr(&out).contains("profile 'hub'"), "{id}: {}", stderr(&out));
    }
}
