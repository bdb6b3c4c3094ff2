//! What one keystroke costs in the TUI with 10,000 targets: the app's update
//! (fuzzy filter and ranking) plus drawing a 120×40 frame. Budget: 5 ms.

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rolecall::catalog::{AccountRef, BaseRef, Entry, Kind, Route};
use rolecall::config::RoleArn;
use rolecall::config::keys::KeyMap;
use rolecall::tui::app::{App, Mode, Msg};
use rolecall::tui::model::Item;
use rolecall::tui::theme::Theme;
use rolecall::tui::view;

const TEAMS: [&str; 10] =
    ["payments", "checkout", "search", "ledger", "identity", "mobile", "data", "ml", "notify", "partner"];
const ENVS: [&str; 5] = ["prod", "staging", "dev", "sandbox", "test"];
const ROLES: [&str; 5] = ["ReadOnly", "Developer", "Admin", "Auditor", "Billing"];

/// 2,000 accounts × 5 roles.
fn items() -> Vec<Item> {
    let mut items = Vec::with_capacity(10_000);
    for a in 0..2_000u64 {
        let team = TEAMS[(a % 10) as usize];
        let env = ENVS[((a / 10) % 5) as usize];
        let name = format!("{team}-{env}-{a:04}");
        let account = format!("{:012}", 100_000_000_000 + a);
        let ou = format!("/Workloads/{}/{team}", env.to_uppercase());
        let acct = Arc::new(AccountRef {
            org: "acme".into(),
            id: account.clone(),
            name: name.clone(),
            ou: Some(ou.clone()),
            state: "ACTIVE".into(),
            tags: BTreeMap::from([("env".to_owned(), env.to_owned()), ("team".to_owned(), team.to_owned())]),
        });
        for role in ROLES {
            let entry = Entry {
                id: format!("{name}/{role}"),
                kind: Kind::OrgRole,
                role_arn: Some(RoleArn::new(&account, role)),
                route: Some(Arc::new(Route {
                    base: BaseRef { name: "hub".into(), detail: Some("keys".into()) },
                    via: Vec::new(),
                    assumes: true,
                    mfa: role != "ReadOnly",
                    region: "eu-west-1".into(),
                })),
                account: Some(acct.clone()),
                alias: None,
                problem: None,
            };
            items.push(Item::from_entry(&entry));
        }
    }
    items
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn keystroke(c: &mut Criterion) {
    let items = items();
    let theme = Theme::mono();
    let mut group = c.benchmark_group("keystroke_10k_targets");
    // The fourth character of "payprodro": filter + rank 10,000 targets, then draw.
    group.bench_function("update_and_draw", |b| {
        b.iter_batched(
            || {
                let mut app = App::new(items.clone(), KeyMap::default(), Mode::Assume, 0);
                for ch in "pay".chars() {
                    let _ = app.update(key(ch));
                }
                (app, Terminal::new(TestBackend::new(120, 40)).expect("test backend"))
            },
            |(mut app, mut term)| {
                let _ = app.update(key('p'));
                term.draw(|f| view::draw(f, &mut app, &theme)).expect("draw");
                (app, term)
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("draw_only", |b| {
        let mut app = App::new(items.clone(), KeyMap::default(), Mode::Assume, 0);
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
        b.iter(|| term.draw(|f| view::draw(f, &mut app, &theme)).map(|_| ()))
    });
    group.finish();
}

criterion_group!(benches, keystroke);
criterion_main!(benches);
