#![cfg(feature = "e2e")]
//! Identity Center discovery's adaptive pace end to end, with default settings, against a
//! private emulator of the 700 accounts × 3 permission sets world throttled at 20 requests a
//! second: alone, and with a second rolecall discovering at the same time (sharing the limit)
//! while a third client polls the portal at a steady rate. Every account is listed by every
//! client (the emulator's per-account counters) and all 2,100 targets are kept. Correctness
//! only: the wall time is measured by `scripts/bench-sso`, never asserted.

mod common;

use std::process::{Child, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::sso::{SsoEmu, list_kinds, request};
use common::{Sandbox, stderr};
use serde_json::Value;

fn big() -> SsoEmu {
    SsoEmu::private_with(SsoEmu::big().world_path(), 20, None)
}

/// A sandbox for session `session` of `emu`, with default settings.
fn sandbox(emu: &SsoEmu, session: &str) -> Sandbox {
    Sandbox::new(&emu.config_text().replace(&emu.session, session), "")
}

fn start_login(sb: &Sandbox, emu: &SsoEmu, session: &str) -> Child {
    sb.rolecall_std(None)
        .envs(emu.env())
        .args(["login", "--sso", session, "--device-code"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rolecall login --sso")
}

/// Waits for every child, approving device codes at the emulator meanwhile; their stderr.
fn finish(emu: &SsoEmu, children: Vec<Child>) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut children: Vec<Option<Child>> = children.into_iter().map(Some).collect();
    let mut outs = vec![String::new(); children.len()];
    while children.iter().any(Option::is_some) {
        assert!(Instant::now() < deadline, "discovery did not end within 10 min");
        emu.approve_all();
        for (i, slot) in children.iter_mut().enumerate() {
            if let Some(child) = slot
                && child.try_wait().unwrap().is_some()
            {
                let out = slot.take().unwrap().wait_with_output().unwrap();
                assert!(out.status.success(), "rolecall login --sso #{i} failed: {}", stderr(&out));
                outs[i] = stderr(&out);
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    outs
}

/// The login said it listed everything, no account was left out, and `list` has every target.
fn assert_complete(sb: &Sandbox, emu: &SsoEmu, said: &str) {
    assert!(said.contains("700 accounts, 2100 account x permission set targets"), "{said}");
    assert!(!said.contains("warning"), "{said}");
    let kinds = list_kinds(sb, emu, None);
    // The profiles sso-admin and sso-ro stand for two of the first account's targets.
    let sso = kinds.values().filter(|k| *k == "permission-set" || *k == "sso").count();
    assert_eq!(sso, 2100, "every account x permission set is a target");
}

/// Every account of the world had its ListAccountRoles answered at least `clients` times.
fn assert_every_account_listed(emu: &SsoEmu, clients: u64) -> Value {
    let stats = emu.stats();
    let listed = &stats["ListAccountRoles.accounts"];
    let missing: Vec<String> = emu
        .accounts()
        .iter()
        .map(|a| a["accountId"].as_str().unwrap().to_owned())
        .filter(|id| listed[id].as_u64().unwrap_or(0) < clients)
        .collect();
    assert!(missing.is_empty(), "accounts not listed by each of {clients} clients: {missing:?}");
    assert!(stats["ListAccounts"].as_u64().unwrap_or(0) >= 7 * clients, "{stats}");
    stats
}

#[test]
fn default_pace_lists_every_account_alone() {
    let emu = big();
    let sb = sandbox(&emu, &emu.session);
    let said = finish(&emu, vec![start_login(&sb, &emu, &emu.session)]);
    let stats = assert_every_account_listed(&emu, 1);
    assert_complete(&sb, &emu, &said[0]);
    eprintln!("alone: throttled {}", stats["throttled"]);
}

#[test]
fn default_pace_lists_every_account_while_others_share_the_limit() {
    let emu = big();
    // A client that does not adapt: ListAccounts at 4 requests a second, 429s and all.
    let token = emu.device_login()["accessToken"].as_str().unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let polled = Arc::new(AtomicU64::new(0));
    let poller = {
        let (url, stop, polled) = (emu.url.clone(), stop.clone(), polled.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let _ = request(
                    &url,
                    "GET",
                    "/assignment/accounts?max_result=1",
                    None,
                    &[("x-amz-sso_bearer_token", &token)],
                );
                polled.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(250));
            }
        })
    };
    let other = format!("{}-b", emu.session);
    let (a, b) = (sandbox(&emu, &emu.session), sandbox(&emu, &other));
    let said = finish(&emu, vec![start_login(&a, &emu, &emu.session), start_login(&b, &emu, &other)]);
    stop.store(true, Ordering::SeqCst);
    poller.join().unwrap();
    assert!(polled.load(Ordering::SeqCst) > 0);
    let stats = assert_every_account_listed(&emu, 2);
    assert!(stats["throttled"].as_u64().unwrap_or(0) > 0, "the clients did contend for the limit: {stats}");
    assert_complete(&a, &emu, &said[0]);
    assert_complete(&b, &emu, &said[1]);
    eprintln!("shared: throttled {}, polls {}", stats["throttled"], polled.load(Ordering::SeqCst));
}
