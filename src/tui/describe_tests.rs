//! Describing off the event loop: request ids, stale answers dropped, the
//! loading state, and the effect that only hands the request over.

// Many steps drive the app only for its new state; the effects are checked where they matter.
#![allow(unused_must_use)]

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

use super::app::{App, DescribeRequest, Effect, Mode, Msg};
use super::effects::Effects;
use super::model::{Details, Item};
use crate::catalog::{Entry, Kind, ProfileKind, TargetId};
use crate::config::keys::KeyMap;
use crate::service::{Notify, SharedContext};

fn profile(id: &str) -> Item {
    let entry = Entry {
        id: id.into(),
        kind: Kind::Profile(ProfileKind::Role),
        role_arn: None,
        route: None,
        account: None,
        alias: None,
        problem: None,
    };
    Item::from_entry(&entry)
}

fn org(id: &str) -> Item {
    let mut item = profile(id);
    item.kind = "org";
    item
}

fn app_of(n: usize) -> App {
    App::new((0..n).map(|i| profile(&format!("p{i:03}"))).collect(), KeyMap::default(), Mode::Assume, 0)
}

fn down() -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))
}

fn answer(request: u64, target: &str, region: &str) -> Msg {
    Msg::Described {
        request,
        target: target.into(),
        details: Box::new(Details { region: region.into(), ..Details::default() }),
    }
}

fn requests(effects: &[Effect]) -> Vec<DescribeRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Describe(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_request_carries_the_row_id_as_the_row_knows_it() {
    assert_eq!(profile("team/dev").target_id(), TargetId::Profile("team/dev".into()));
    let acct = TargetId::Account { account: "payments-prod".into(), role: "ReadOnly".into() };
    assert_eq!(org("payments-prod/ReadOnly").target_id(), acct);
    let mut app = App::new(vec![org("a/R"), org("b/R")], KeyMap::default(), Mode::Assume, 0);
    let sent = requests(&app.update(down()));
    let parsed = TargetId::Account { account: "b".into(), role: "R".into() };
    assert_eq!(sent, vec![DescribeRequest { request: 1, target: "b/R".into(), parsed }]);
    assert_eq!(app.describing, Some(1));
}

#[test]
fn a_fast_scroll_applies_only_the_answer_for_the_row_it_ends_on() {
    let mut app = app_of(101);
    let mut sent = Vec::new();
    for _ in 0..100 {
        sent.extend(requests(&app.update(down())));
    }
    assert_eq!(sent.len(), 100);
    let last = sent.last().cloned().expect("a request");
    assert_eq!(last.target, "p100");
    // The 99 older answers (even one for the row now selected) are dropped.
    for r in &sent[..99] {
        app.update(answer(r.request, &r.target, "stale"));
        assert_eq!(app.details, None, "request {} applied", r.request);
    }
    app.update(answer(last.request - 1, "p100", "stale"));
    assert_eq!(app.details, None);
    app.update(answer(last.request, &last.target, "eu-west-1"));
    let (id, details) = app.details.clone().expect("applied");
    assert_eq!((id.as_str(), details.region.as_str()), ("p100", "eu-west-1"));
    assert_eq!(app.describing, None);
    // A late duplicate changes nothing.
    app.update(answer(last.request, &last.target, "late"));
    assert_eq!(app.details.map(|(_, d)| d.region), Some("eu-west-1".into()));
}

#[test]
fn while_a_describe_is_pending_the_previous_details_stay_dimmed() {
    let mut app = app_of(3);
    let first = requests(&app.describe_selected()).remove(0);
    assert_eq!(app.shown_details(), None, "nothing known yet");
    app.update(answer(first.request, "p000", "eu-west-1"));
    assert!(matches!(app.shown_details(), Some((d, true)) if d.region == "eu-west-1"));
    let next = requests(&app.update(down())).remove(0);
    // Kept (not blanked) while p001's describe is in flight, and marked as not its own.
    assert!(matches!(app.shown_details(), Some((d, false)) if d.region == "eu-west-1"));
    app.update(answer(next.request, "p001", "us-east-1"));
    assert!(matches!(app.shown_details(), Some((d, true)) if d.region == "us-east-1"));
}

const CONFIG: &str = "[profile hub]\nregion = eu-west-1\n\n[profile dev]\nrole_arn = arn:aws:iam::222222222222:role/Dev\nsource_profile = hub\n";
const CREDENTIALS: &str = "[hub]\naws_access_key_id = AKIAEXAMPLEEXAMPLE00\naws_secret_access_key = not-a-secret\n";

/// On a one-thread runtime nothing spawned runs until the test awaits: so
/// `Effects::describe` returning with no answer yet shows it only handed the
/// request over; the hundred requests of a fast scroll are then described once.
#[tokio::test(flavor = "current_thread")]
async fn the_describe_effect_only_hands_over_and_coalesces() {
    let (_dir, ctx) = crate::service::describe::test_context(CONFIG, CREDENTIALS).await;
    let shared = Arc::new(SharedContext::new(Some(ctx), None, Notify::Silent));
    let (tx, mut rx) = mpsc::channel(64);
    let mut effects = Effects::new(shared, tx);
    for request in 1..=100 {
        effects.describe(DescribeRequest { request, target: "dev".into(), parsed: TargetId::Profile("dev".into()) });
        assert!(rx.try_recv().is_err(), "request {request} was answered on the caller's thread");
    }
    let Some(Msg::Described { request, target, details }) = rx.recv().await else { panic!("no answer") };
    assert_eq!((request, target.as_str()), (100, "dev"));
    assert_eq!(details.error, None);
    assert!(details.chain.ends_with("dev"), "{}", details.chain);
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert!(rx.try_recv().is_err(), "the 99 passed-over requests were described too");
    // The next request is answered by the same describer.
    effects.describe(DescribeRequest { request: 101, target: "dev".into(), parsed: TargetId::Profile("dev".into()) });
    assert!(matches!(rx.recv().await, Some(Msg::Described { request: 101, .. })));
}

/// The event loop's dispatch of a describe hands the request to the
/// describer and does nothing else (the old one planned and read files there).
#[test]
fn the_event_loop_dispatch_of_describe_only_hands_over() {
    let source = include_str!("mod.rs");
    let arm = source.lines().find(|l| l.contains("Effect::Describe(")).expect("a Describe arm").trim();
    assert_eq!(arm, "Effect::Describe(request) => effects.describe(request),");
    assert!(!source.contains("service::describe"), "mod.rs calls the describer itself");
    assert!(!source.contains("app.described("), "mod.rs applies details itself");
}

/// The cells of the line that starts with `label` in the details pane.
fn styled_line(app: &mut App, label: &str) -> Vec<ratatui::style::Style> {
    let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 20)).expect("backend");
    term.draw(|f| super::view::draw(f, app, &super::theme::Theme::color())).expect("draw");
    let buffer = term.backend().buffer();
    for y in 0..20 {
        let row: String = (0..100).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(start) = row.find(&format!("│{label}")) {
            let x0 = row[..start].chars().count() as u16 + 1;
            return (x0..100).map(|x| buffer[(x, y)].style()).collect();
        }
    }
    panic!("no '{label}' line")
}

#[test]
fn the_pending_rows_details_are_drawn_dimmed_and_fresh_ones_are_not() {
    use ratatui::style::Modifier;
    let mut app = app_of(3);
    let first = requests(&app.describe_selected()).remove(0);
    app.update(answer(first.request, "p000", "eu-west-1"));
    let fresh = styled_line(&mut app, "region");
    assert!(fresh.iter().skip(10).all(|s| !s.add_modifier.contains(Modifier::DIM)), "fresh details drawn dimmed");
    app.update(down());
    let pending = styled_line(&mut app, "region");
    assert!(pending.iter().take(16).all(|s| s.add_modifier.contains(Modifier::DIM)), "pending details not dimmed");
}
