//! When the cache is used, when Organizations is called, and what a failed refresh leaves behind.

use std::cell::Cell;

use super::*;

fn org() -> OrgSettings {
    toml::from_str("name = 'acme'\nprofile = 'reader'\nroles = ['ReadOnly']").unwrap()
}

fn snap(at: u64, names: &[&str]) -> Snapshot {
    let accounts = names
        .iter()
        .enumerate()
        .map(|(i, n)| Account {
            id: format!("{:012}", 100 + i),
            name: (*n).into(),
            email: String::new(),
            state: "ACTIVE".into(),
            joined: None,
            ou: Some("/".into()),
            tags: Default::default(),
        })
        .collect();
    Snapshot::new(&org(), at, None, accounts)
}

fn denied() -> OrgError {
    OrgError::Network { org: "acme".into(), endpoint: "http://127.0.0.1:9".into(), detail: "connection refused".into() }
}

#[tokio::test]
async fn cache_fetch_and_failed_refresh() {
    const TTL: u64 = 100;
    // (cached at, now, refresh, fetch succeeds) → (fetch called, Ok(origin, first account) | Err(text))
    type Want = Result<(Origin, &'static str), &'static str>;
    let rows: Vec<(Option<u64>, u64, Refresh, bool, bool, Want)> = vec![
        (None, 1000, Refresh::IfStale, true, true, Ok((Origin::Fetched, "new"))),
        (None, 1000, Refresh::IfStale, false, true, Err("cannot reach Organizations")),
        (Some(950), 1000, Refresh::IfStale, true, false, Ok((Origin::Cache, "old"))),
        (Some(800), 1000, Refresh::IfStale, true, true, Ok((Origin::Fetched, "new"))),
        (Some(800), 1000, Refresh::IfStale, false, true, Ok((Origin::StaleCache, "old"))),
        (Some(950), 1000, Refresh::Force, true, true, Ok((Origin::Fetched, "new"))),
        (
            Some(950),
            1000,
            Refresh::Force,
            false,
            true,
            Err("refreshing organisation 'acme' failed; the cached copy fetched at 1970-01-01T00:15:50Z is kept."),
        ),
    ];
    for (i, (cached_at, now, refresh, succeeds, want_call, want)) in rows.into_iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OrgCache::new(dir.path());
        if let Some(at) = cached_at {
            cache.store(&snap(at, &["old"])).unwrap();
        }
        let called = Cell::new(false);
        let got = load_or_fetch(&cache, &org(), TTL, refresh, now, || {
            called.set(true);
            async move { if succeeds { Ok(snap(now, &["new"])) } else { Err(denied()) } }
        })
        .await;
        assert_eq!(called.get(), want_call, "row {i}: fetch called");
        match (got, want) {
            (Ok(loaded), Ok((origin, first))) => {
                assert_eq!(loaded.origin, origin, "row {i}");
                assert_eq!(loaded.snapshot.accounts[0].name, first, "row {i}");
                assert_eq!(
                    loaded.warnings.len(),
                    usize::from(origin == Origin::StaleCache),
                    "row {i}: {:?}",
                    loaded.warnings
                );
            }
            (Err(e), Err(text)) => {
                assert!(e.to_string().contains(text), "row {i}: {e}");
                assert_eq!(e.exit_code(), 5, "row {i}: the cause's exit code");
            }
            (got, want) => panic!("row {i}: got {got:?}, want {want:?}"),
        }
        // Whatever happened, the file on disk is a whole snapshot: the new one, or the old one kept.
        let on_disk = match cache.load(&org(), TTL, now) {
            Cached::Found { snapshot, .. } => Some(snapshot.accounts[0].name.clone()),
            _ => None,
        };
        let want_disk = match (succeeds && want_call, cached_at) {
            (true, _) => Some("new".to_owned()),
            (false, Some(_)) => Some("old".to_owned()),
            (false, None) => None,
        };
        assert_eq!(on_disk, want_disk, "row {i}: cache file");
    }
}

#[test]
fn discovery_failures_are_explained() {
    let org = org();
    let rows: Vec<(DiscoveryFailure, &str, u8)> = vec![
        (
            DiscoveryFailure::Empty,
            "organizations:ListAccounts as 'arn:aws:iam::222222222222:user/alice' (profile 'reader') returned no accounts",
            2,
        ),
        (
            DiscoveryFailure::Call {
                operation: "ListTagsForResource",
                failure: AwsFailure::Denied("not authorized".into()),
            },
            "AccessDenied: organizations:ListTagsForResource was refused for 'arn:aws:iam::222222222222:user/alice'",
            2,
        ),
        (
            DiscoveryFailure::Call {
                operation: "ListAccounts",
                failure: AwsFailure::Other {
                    code: "AWSOrganizationsNotInUseException".into(),
                    message: "not in an organization".into(),
                },
            },
            "was refused (AWSOrganizationsNotInUseException: not in an organization)",
            2,
        ),
        (
            DiscoveryFailure::Call { operation: "ListAccounts", failure: AwsFailure::Network("refused".into()) },
            "organisation 'acme': cannot reach Organizations at 'http://x': refused",
            5,
        ),
        (
            DiscoveryFailure::TooDeep { path: "/L1/L2/L3/L4/L5/L6/L7/L8/L9/L10/L11".into() },
            "Organizations at 'http://x' returned an OU tree more than 10 levels deep (at '/L1/L2/L3/L4/L5/L6/L7/L8/L9/L10/L11')",
            5,
        ),
    ];
    for (failure, want, code) in rows {
        let err = OrgError::from_discovery(failure, &org, "arn:aws:iam::222222222222:user/alice", "http://x");
        let text = err.to_string();
        assert!(text.contains(want), "got {text}\nwant {want}");
        assert_eq!(err.exit_code(), code, "{text}");
        if code == 2 {
            assert!(text.contains("management account"), "{text}");
            assert!(text.contains("delegated administrator"), "{text}");
        }
    }
}
