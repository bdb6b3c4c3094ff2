#![cfg(feature = "e2e")]
//! `rolecall doctor` against moto: a good set-up passes; a base profile
//! whose keys AWS rejects, and a cache dir others can read, fail with a fix.

mod common;

use common::{Sandbox, World, stderr, stdout};

fn settings(sb: &Sandbox) {
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
}

fn line<'a>(out: &'a str, check: &str) -> Vec<&'a str> {
    out.lines().filter(|l| l.get(5..).is_some_and(|rest| rest.starts_with(check))).collect()
}

#[test]
fn a_good_setup_passes_and_says_what_is_in_effect() {
    let w = World::main();
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n[profile dev]\nrole_arn = arn:aws:iam::{}:role/Developer\nsource_profile = hub\n",
        w.account("payments-prod")
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    settings(&sb);
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .arg("doctor")
        .env("HTTP_PROXY", "http://alice:hunter2@proxy.invalid:3128")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(line(&text, "version")[0].contains(&format!("rolecall {}", env!("CARGO_PKG_VERSION"))), "{text}");
    assert!(line(&text, "aws files")[0].starts_with("ok   "), "{text}");
    let base = line(&text, "base credentials");
    assert_eq!(base.len(), 1, "one base profile: {text}");
    assert!(base[0].starts_with("ok   "), "{text}");
    assert!(base[0].contains(&format!("profile 'hub' (keys): {}", w.s("user_arn"))), "{text}");
    assert!(line(&text, "clock")[0].starts_with("ok   "), "{text}");
    assert!(
        line(&text, "keyring")[0].starts_with("ok   ")
            && line(&text, "keyring")[0].contains("secret-service: reachable"),
        "{text}"
    );
    assert!(line(&text, "endpoints")[0].contains(&format!("AWS_ENDPOINT_URL={}", w.endpoint())), "{text}");
    let proxy = line(&text, "proxy")[0];
    assert!(proxy.contains("HTTP_PROXY=http://proxy.invalid:3128"), "{text}");
    assert!(proxy.contains("NO_PROXY=127.0.0.1,localhost"), "{text}");
    assert!(!text.contains("hunter2"), "a proxy password is never printed: {text}");
    assert!(!text.contains(&w.s("secret_access_key")), "{text}");

    // --json: the same checks, machine-readable.
    let out = sb.rolecall(Some(&w.endpoint())).args(["doctor", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let checks: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let keyring = checks.as_array().unwrap().iter().find(|c| c["check"] == "keyring").expect("keyring check");
    assert_eq!(keyring["status"], "ok");
}

#[test]
fn a_rejected_base_profile_and_an_open_cache_dir_fail_with_fixes() {
    let w = World::load("ROLECALL_TEST_AUTH_WORLD");
    let creds = format!(
        "{}\n[broken]\naws_access_key_id = AKIAUNKNOWNUNKNOWN00\naws_secret_access_key = nope\n\
         [offline]\naws_access_key_id = AKIAOFFLINEOFFLINE00\naws_secret_access_key = nope\n",
        w.credentials_file()
    );
    // 'offline' points at a port where nothing listens: refused at once, reported with its endpoint.
    // The endpoints are in the profiles (AWS_ENDPOINT_URL would win over them).
    let config = format!(
        "[profile hub]\nregion = us-east-1\nendpoint_url = {e}\n[profile broken]\nregion = us-east-1\nendpoint_url = {e}\n\
         [profile offline]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:9\n\
         [profile loop]\nrole_arn = arn:aws:iam::123456789012:role/X\nsource_profile = nowhere\n",
        e = w.endpoint()
    );
    let sb = Sandbox::new(&config, &creds);
    settings(&sb);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let cache = sb.home().join("cache");
        std::fs::create_dir_all(&cache).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(cache.join("index.json"), "{}").unwrap();
        std::fs::set_permissions(cache.join("index.json"), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = sb.rolecall(None).arg("doctor").output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    let base = line(&text, "base credentials");
    let broken = base.iter().find(|l| l.contains("'broken'")).unwrap_or_else(|| panic!("{text}"));
    assert!(broken.starts_with("FAIL "), "{text}");
    assert!(broken.contains("InvalidClientTokenId"), "{text}");
    assert!(!broken.contains("\\n"), "one line: {text}");
    assert!(broken.contains("-> fix: check or rotate the keys of profile 'broken'"), "{text}");
    let offline = base.iter().find(|l| l.contains("'offline'")).unwrap_or_else(|| panic!("{text}"));
    assert!(offline.starts_with("FAIL ") && offline.contains("cannot reach 'http://127.0.0.1:9"), "{text}");
    assert!(offline.contains("-> fix: check the network"), "{text}");
    let hub = base.iter().find(|l| l.contains("'hub'")).unwrap_or_else(|| panic!("{text}"));
    assert!(hub.starts_with("ok   "), "the good base still passes: {text}");
    let profiles = line(&text, "profiles");
    assert!(profiles.iter().any(|l| l.starts_with("FAIL ") && l.contains("'loop'")), "{text}");
    #[cfg(unix)]
    {
        let cache = line(&text, "cache dir")[0];
        assert!(cache.starts_with("FAIL "), "{text}");
        assert!(cache.contains("has mode 0755, not 0700"), "{text}");
        assert!(cache.contains("index.json' has mode 0644, not 0600"), "{text}");
        assert!(cache.contains("-> fix: chmod 700"), "{text}");
        // doctor reports; it does not change anything.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sb.home().join("cache")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
}
