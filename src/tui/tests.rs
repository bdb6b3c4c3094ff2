//! `App::update` driven headlessly, and snapshots of what it draws (TestBackend + insta).

// Many steps drive the app only for its new state; the effects are checked where they matter.
#![allow(unused_must_use)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use std::sync::Arc;

use super::app::{App, Assumed, DescribeRequest, Effect, Exit, Failure, Modal, Mode, Msg};
use super::model::{Details, Item};
use super::theme::Theme;
use super::view;
use crate::catalog::{AccountRef, BaseRef, Entry, Hop, Kind, ProfileKind, RoleArn, Route};
use crate::config::keys::KeyMap;
use crate::service::MfaCode;

fn entry(target: &str, account: &str, role: &str, ou: &str, mfa: bool) -> Entry {
    let name = target.split('/').next().unwrap_or(target);
    let env = ou.rsplit('/').next().unwrap_or("").to_lowercase();
    let via = if mfa { vec![Hop::MfaSession] } else { Vec::new() };
    Entry {
        id: target.into(),
        kind: Kind::OrgRole,
        role_arn: Some(RoleArn::new(account, role)),
        route: Some(Arc::new(Route {
            base: BaseRef { name: "hub".into(), detail: Some("keys".into()) },
            via,
            assumes: true,
            mfa,
            region: "eu-west-1".into(),
        })),
        account: Some(Arc::new(AccountRef {
            org: "acme".into(),
            id: account.into(),
            name: name.into(),
            ou: Some(ou.into()),
            state: "ACTIVE".into(),
            tags: [("env".to_owned(), env)].into_iter().collect(),
        })),
        alias: None,
        problem: None,
    }
}

fn items() -> Vec<Item> {
    let entries = [
        entry("payments-prod/ReadOnly", "222222222222", "ReadOnly", "/Workloads/Prod", false),
        entry("payments-prod/Developer", "222222222222", "Developer", "/Workloads/Prod", true),
        entry("payments-dev/ReadOnly", "333333333333", "ReadOnly", "/Workloads/Dev", false),
        entry("data-lake/Auditor", "444444444444", "Auditor", "/Workloads/Dev", false),
        entry("security-audit/ReadOnly", "555555555555", "ReadOnly", "/Security", false),
    ];
    let mut items: Vec<Item> = entries.iter().map(Item::from_entry).collect();
    let mut suspended = entry("old-sandbox/ReadOnly", "666666666666", "ReadOnly", "/Sandbox", false);
    if let Some(a) = suspended.account.as_mut() {
        Arc::make_mut(a).state = "SUSPENDED".into();
    }
    items.push(Item::from_entry(&suspended));
    items
}

fn make_app() -> App {
    let mut app = App::new(items(), KeyMap::default(), Mode::Assume, 1_800_000_000);
    app.update(Msg::Resized { list_rows: 10, list_top: 2 });
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    text.chars().flat_map(|c| app.update(key(KeyCode::Char(c)))).collect()
}

fn selected(app: &App) -> String {
    app.selected_item().map(|i| i.id.clone()).unwrap_or_default()
}

fn assumed(target: &str) -> Assumed {
    Assumed {
        target: target.into(),
        arn: format!("arn:aws:sts::222222222222:assumed-role/{}/alice", target.rsplit('/').next().unwrap_or("")),
        account: "222222222222".into(),
        access_key_id: "ASIAEXAMPLEEXAMPLE01".into(),
        expires_at: 1_800_000_000 + 3600,
        notices: vec![],
        from_cache: false,
    }
}

#[test]
fn navigation_moves_and_clamps() {
    let mut app = make_app();
    let first = selected(&app);
    app.update(key(KeyCode::Down));
    app.update(ctrl('n'));
    app.update(ctrl('j'));
    assert_eq!(app.selected, 3);
    app.update(ctrl('k'));
    app.update(ctrl('p'));
    assert_eq!(app.selected, 1);
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    assert_eq!(selected(&app), first, "clamped at the top");
    app.update(key(KeyCode::End));
    assert_eq!(app.selected, app.visible.len() - 1);
    app.update(key(KeyCode::PageUp));
    assert_eq!(app.selected, 0);
}

#[test]
fn search_ranks_the_best_match_first() {
    let mut app = make_app();
    typed(&mut app, "payprodro");
    assert_eq!(selected(&app), "payments-prod/ReadOnly");
    app.update(Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(app.query.is_empty());
    typed(&mut app, "444444");
    assert_eq!(selected(&app), "data-lake/Auditor", "account ids are searched");
    app.update(key(KeyCode::Esc));
    typed(&mut app, "security");
    assert_eq!(selected(&app), "security-audit/ReadOnly", "OU paths are searched");
    app.update(key(KeyCode::Esc));
    typed(&mut app, "zzzz");
    assert!(app.visible.is_empty());
    app.update(key(KeyCode::Backspace));
    assert_eq!(app.query, "zzz");
}

#[test]
fn selection_change_asks_for_details() {
    let mut app = make_app();
    let effects = app.update(key(KeyCode::Down));
    let target = selected(&app);
    let parsed = app.selected_item().map(Item::target_id).unwrap();
    assert_eq!(effects, vec![Effect::Describe(DescribeRequest { request: 1, target, parsed })]);
    let effects = app.update(Msg::Tick(1));
    assert!(effects.is_empty());
}

#[test]
fn mfa_modal_takes_digits_only_and_esc_cancels() {
    let mut app = make_app();
    typed(&mut app, "payments-prod/Developer");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let Some(Modal::Mfa { input, .. }) = &app.modal else { panic!("MFA modal expected: {:?}", app.modal) };
    assert!(input.is_empty());
    typed(&mut app, "12a3x456789");
    let Some(Modal::Mfa { input, .. }) = &app.modal else { panic!() };
    assert_eq!(input, "123456", "letters ignored, six digits at most");
    app.update(key(KeyCode::Esc));
    assert_eq!(app.modal, None);

    app.update(key(KeyCode::Enter));
    typed(&mut app, "654321");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Assume {
            request: 1,
            target: "payments-prod/Developer".into(),
            code: Some(MfaCode::parse("654321").unwrap())
        }]
    );
    assert!(matches!(app.modal, Some(Modal::Working { request: 1, .. })));
}

#[test]
fn wrong_code_keeps_the_modal_open_with_the_message() {
    let mut app = make_app();
    typed(&mut app, "payments-prod/Developer");
    app.update(key(KeyCode::Enter));
    typed(&mut app, "000000");
    app.update(key(KeyCode::Enter));
    let failure = Failure { message: "AWS rejected the MFA code".into(), mfa_rejected: true, mfa_needed: None };
    app.update(Msg::AssumeFinished(1, Err(failure)));
    let Some(Modal::Mfa { error, input, .. }) = &app.modal else { panic!("{:?}", app.modal) };
    assert_eq!(error.as_deref(), Some("AWS rejected the MFA code"));
    assert!(input.is_empty());
}

/// A short code is the dialog's state: it says why and stays open; nothing
/// is sent, and no broker error is made up for it.
#[test]
fn a_short_code_is_explained_in_the_dialog_and_not_sent() {
    let mut app = make_app();
    typed(&mut app, "payments-prod/Developer");
    app.update(key(KeyCode::Enter));
    for typed_code in ["", "12345"] {
        typed(&mut app, typed_code);
        let effects = app.update(key(KeyCode::Enter));
        assert!(effects.is_empty(), "{typed_code:?}: {effects:?}");
        let Some(Modal::Mfa { error, input, .. }) = &app.modal else { panic!("{typed_code:?}: {:?}", app.modal) };
        assert_eq!(error.as_deref(), Some("an MFA code is exactly 6 digits"), "{typed_code:?}");
        assert_eq!(input, typed_code, "what was typed stays to be finished");
    }
    typed(&mut app, "6");
    let Some(Modal::Mfa { error, .. }) = &app.modal else { panic!("{:?}", app.modal) };
    assert_eq!(*error, None, "typing again clears the explanation");
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Assume {
            request: 1,
            target: "payments-prod/Developer".into(),
            code: Some(MfaCode::parse("123456").unwrap())
        }]
    );
}

#[test]
fn stale_and_cancelled_results_are_dropped() {
    let mut app = make_app();
    typed(&mut app, "payprodro");
    app.update(key(KeyCode::Enter)); // needs no MFA
    assert!(matches!(app.modal, Some(Modal::Working { request: 1, .. })));
    let effects = app.update(key(KeyCode::Esc));
    assert_eq!(effects, vec![Effect::Cancel(1)]);
    app.update(Msg::AssumeFinished(1, Ok(assumed("payments-prod/ReadOnly"))));
    assert_eq!(app.modal, None, "a cancelled request's answer is ignored");

    app.update(key(KeyCode::Enter));
    app.update(Msg::AssumeFinished(1, Ok(assumed("payments-prod/ReadOnly"))));
    assert!(matches!(app.modal, Some(Modal::Working { request: 2, .. })), "answer to an older request ignored");
    let effects = app.update(Msg::AssumeFinished(2, Ok(assumed("payments-prod/ReadOnly"))));
    assert!(matches!(app.modal, Some(Modal::Result(_))));
    assert!(matches!(effects.as_slice(), [Effect::SavePrefs { recent, .. }] if recent[0] == "payments-prod/ReadOnly"));
}

#[test]
fn result_actions_and_error_panel() {
    let mut app = make_app();
    typed(&mut app, "payprodro");
    app.update(key(KeyCode::Enter));
    app.update(Msg::AssumeFinished(1, Ok(assumed("payments-prod/ReadOnly"))));
    assert_eq!(app.update(key(KeyCode::Char('s'))), vec![Effect::Shell]);
    assert_eq!(app.update(key(KeyCode::Char('k'))), vec![Effect::Store]);
    assert_eq!(app.update(key(KeyCode::Char('c'))), vec![Effect::Console]);
    app.update(Msg::ConsoleOpened(Err("no browser could be started".into())));
    assert_eq!(app.status.as_deref(), Some("console: no browser could be started"));
    app.update(Msg::ShellExited(0));
    assert_eq!(app.modal, None, "back to the list after the shell");

    app.update(key(KeyCode::Enter));
    let failure = Failure { message: "AccessDenied: …".into(), mfa_rejected: false, mfa_needed: None };
    app.update(Msg::AssumeFinished(2, Err(failure)));
    assert!(matches!(&app.modal, Some(Modal::Error { text, .. }) if text == "AccessDenied: …"));
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.modal, None, "any key dismisses the error");

    app.update(key(KeyCode::Enter));
    app.update(Msg::AssumeFinished(3, Ok(assumed("payments-prod/ReadOnly"))));
    app.update(key(KeyCode::Char('e')));
    assert_eq!(app.exit, Some(Exit::Export));
}

#[test]
fn unassumable_targets_explain_themselves_and_pick_mode_prints() {
    let mut app = make_app();
    typed(&mut app, "old-sandbox");
    app.update(key(KeyCode::Enter));
    assert!(matches!(&app.modal, Some(Modal::Error { text, .. }) if text.contains("SUSPENDED")));

    let mut pick = App::new(items(), KeyMap::default(), Mode::Pick, 0);
    typed(&mut pick, "lake");
    pick.update(key(KeyCode::Enter));
    assert_eq!(pick.exit, Some(Exit::Pick("data-lake/Auditor".into())));
}

#[test]
fn details_decide_whether_a_code_is_asked() {
    let mut app = make_app();
    typed(&mut app, "payments-prod/Developer");
    let id = selected(&app);
    let details =
        Details { mfa_device: Some("arn:aws:iam::1:mfa/alice".into()), needs_code: false, ..Details::default() };
    answer_describe(&mut app, id, details);
    let effects = app.update(key(KeyCode::Enter));
    assert!(matches!(effects.as_slice(), [Effect::Assume { code: None, .. }]), "MFA session stored: no modal");
}

#[test]
fn favourites_grouping_help_mouse_and_quit() {
    let mut app = make_app();
    app.update(key(KeyCode::End));
    let last = selected(&app);
    let effects = app.update(ctrl('f'));
    assert!(matches!(effects.as_slice(), [Effect::SavePrefs { favourites, .. }] if favourites == &vec![last.clone()]));
    assert_eq!(app.visible[0], app.items().iter().position(|i| i.id == last).unwrap(), "favourites first");

    app.update(ctrl('g'));
    assert_eq!(app.grouping, super::app::Grouping::Source);
    app.update(key(KeyCode::Char('?')));
    assert_eq!(app.modal, Some(Modal::Help));
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.modal, None);

    app.update(Msg::Mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 0,
        row: 5,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(app.selected, 3);
    let click = MouseEvent {
        kind: MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 3,
        row: 3,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Msg::Mouse(click));
    assert_eq!(app.selected, 1);

    app.update(key(KeyCode::Esc));
    assert_eq!(app.exit, Some(Exit::Quit), "Esc with nothing open quits");
    let mut other = make_app();
    other.update(ctrl('c'));
    assert_eq!(other.exit, Some(Exit::Quit));
}

fn render(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let (list_rows, list_top) = view::list_geometry(ratatui::layout::Rect::new(0, 0, width, height), app);
    app.update(Msg::Resized { list_rows, list_top });
    terminal.draw(|f| view::draw(f, app, &Theme::mono())).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn described(app: &mut App) {
    let id = selected(app);
    let details = Details {
        role_arn: Some("arn:aws:iam::222222222222:role/Developer".into()),
        chain: format!("hub (keys) -> mfa-session -> {id}"),
        mfa_device: Some("arn:aws:iam::111111111111:mfa/alice".into()),
        needs_code: true,
        external_id: Some("•••••••f3a".into()),
        requested_duration: Some(43200),
        effective_duration: Some(3600),
        duration_note: Some("capped at 3600 s: role chaining".into()),
        region: "eu-west-1".into(),
        cached: None,
        error: None,
    };
    answer_describe(app, id, details);
}

/// Answers the describe in flight (asking for one first when none is).
fn answer_describe(app: &mut App, target: String, details: Details) {
    let request = match app.describing {
        Some(r) => r,
        None => match app.describe_selected().as_slice() {
            [Effect::Describe(r)] => r.request,
            other => panic!("no describe: {other:?}"),
        },
    };
    app.update(Msg::Described { request, target, details: Box::new(details) });
}

#[test]
fn snapshots() {
    for (w, h) in [(100u16, 30u16), (60, 15)] {
        let mut app = make_app();
        insta::assert_snapshot!(format!("empty_{w}x{h}"), render(&mut app, w, h));

        typed(&mut app, "payprod");
        described(&mut app);
        insta::assert_snapshot!(format!("searched_{w}x{h}"), render(&mut app, w, h));

        app.update(key(KeyCode::Tab));
        insta::assert_snapshot!(format!("details_{w}x{h}"), render(&mut app, w, h));
        app.update(key(KeyCode::Tab));

        app.update(key(KeyCode::Down));
        // The describe of the new row is in flight: the previous row's details stay (dimmed).
        insta::assert_snapshot!(format!("describing_{w}x{h}"), render(&mut app, w, h));
        described(&mut app);
        app.update(key(KeyCode::Enter));
        typed(&mut app, "123");
        insta::assert_snapshot!(format!("mfa_modal_{w}x{h}"), render(&mut app, w, h));

        typed(&mut app, "456");
        app.update(key(KeyCode::Enter));
        let mut result = assumed("payments-prod/Developer");
        result.notices = vec!["notice: capped at 3600 s (role chaining)".into()];
        app.update(Msg::AssumeFinished(1, Ok(result)));
        app.update(Msg::Tick(1_800_000_000 + 61));
        insta::assert_snapshot!(format!("result_{w}x{h}"), render(&mut app, w, h));

        app.update(key(KeyCode::Esc));
        app.update(key(KeyCode::Enter));
        let text = "AccessDenied: sts:AssumeRole on 'arn:aws:iam::222222222222:role/Developer' was refused.\nCheck, in this order:\n  1. Does the role's trust policy trust this caller?";
        app.update(Msg::AssumeFinished(
            2,
            Err(Failure { message: text.into(), mfa_rejected: false, mfa_needed: None }),
        ));
        insta::assert_snapshot!(format!("error_{w}x{h}"), render(&mut app, w, h));
    }
}

/// A long status line is wrapped above the bottom edge (at most three lines,
/// then cut with '…'), not cut at the terminal's edge.
#[test]
fn long_status_lines_wrap() {
    let long = "refresh failed, showing the cached accounts: organisation 'acme': cannot get credentials from \
                profile 'org-reader': the base credentials from profile 'hub' (keys) were rejected by AWS \
                (InvalidClientTokenId): The security token included in the request is invalid.";
    for (w, h) in [(100u16, 20u16), (60, 15)] {
        let mut app = make_app();
        app.status = Some(long.into());
        let screen = render(&mut app, w, h);
        insta::assert_snapshot!(format!("long_status_{w}x{h}"), screen);
    }
    let mut app = make_app();
    app.status = Some(long.into());
    let screen = render(&mut app, 100, 20);
    assert!(screen.contains("profile 'hub' (keys)"), "the middle of the message is shown:\n{screen}");
    let mut narrow = make_app();
    narrow.status = Some(long.into());
    let screen = render(&mut narrow, 60, 15);
    assert!(
        screen.lines().rev().take(3).collect::<Vec<_>>().concat().contains('…'),
        "cut after three lines:\n{screen}"
    );
}

#[test]
fn narrowing_search_matches_a_fresh_search() {
    let mut typed_on = make_app();
    let mut fresh = make_app();
    for query in ["p", "pa", "pay", "payp", "paypr", "paypro", "payprod"] {
        typed(&mut typed_on, &query[query.len() - 1..]);
        fresh.update(key(KeyCode::Esc));
        typed(&mut fresh, query);
        assert_eq!(typed_on.visible, fresh.visible, "{query}");
    }
    // Backspace widens again.
    typed_on.update(key(KeyCode::Backspace));
    fresh.update(key(KeyCode::Esc));
    typed(&mut fresh, "paypro");
    assert_eq!(typed_on.visible, fresh.visible);
}

#[test]
fn typing_part_of_an_account_name_shows_that_name_on_the_top_row() {
    // Profile 'mfa-chain' is the organisation account "Zürich Analytics" (a merged entry).
    let mut merged = entry("mfa-chain", "777777777777", "Developer", "/Workloads/Prod", true);
    merged.kind = Kind::Profile(ProfileKind::Role);
    if let Some(a) = merged.account.as_mut() {
        Arc::make_mut(a).name = "Zürich Analytics".into();
    }
    merged.alias = Some(crate::catalog::Alias::OrgTarget("Zürich Analytics/Developer".into()));
    let mut all = items();
    all.push(Item::from_entry(&merged));
    let mut app = App::new(all, KeyMap::default(), Mode::Assume, 1_800_000_000);
    app.update(Msg::Resized { list_rows: 10, list_top: 2 });
    typed(&mut app, "zurich");
    assert_eq!(app.selected_item().map(|i| i.id.as_str()), Some("mfa-chain"));
    let screen = render(&mut app, 100, 30);
    let top = screen.lines().nth(2).unwrap_or_default();
    assert!(top.contains("mfa-chain") && top.contains("Zürich Analy"), "{top}");
}

#[test]
fn the_search_line_has_the_readline_keys() {
    let alt = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
    let mut app = make_app();
    typed(&mut app, "pay prod");
    app.update(ctrl('w'));
    assert_eq!((app.query.as_str(), app.cursor), ("pay ", 4));
    app.update(alt('b'));
    assert_eq!(app.cursor, 0);
    app.update(ctrl('e'));
    typed(&mut app, "dev");
    assert_eq!(app.query, "pay dev");
    let shown: Vec<&str> = app.visible.iter().map(|&i| app.items()[i].id.as_str()).collect();
    assert!(shown.contains(&"payments-dev/ReadOnly") && shown.len() < app.items().len(), "{shown:?}");
    app.update(ctrl('a'));
    app.update(key(KeyCode::Delete));
    assert_eq!((app.query.as_str(), app.cursor), ("ay dev", 0));
    app.update(alt('f'));
    app.update(key(KeyCode::Right));
    typed(&mut app, "x");
    assert_eq!(app.query, "ay xdev");
    app.update(ctrl('e'));
    app.update(ctrl('u'));
    assert_eq!((app.query.as_str(), app.cursor), ("", 0));
    assert_eq!(app.visible.len(), app.items().len(), "an empty search shows everything again");
}

mod marks;

fn many_items(n: usize) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let e = entry(
                &format!("acct-{i:02}/ReadOnly"),
                &format!("{:012}", 100_000_000_000u64 + i as u64),
                "ReadOnly",
                "/Workloads",
                false,
            );
            Item::from_entry(&e)
        })
        .collect()
}

/// PageDown moves by the rows the list shows, and the selection stays on
/// screen, whatever the height of the status at the bottom.
#[test]
fn paging_moves_by_the_visible_rows_under_a_three_line_status() {
    let long = "refresh failed, showing the cached accounts: organisation 'acme': cannot get credentials from \
                profile 'org-reader': the base credentials from profile 'hub' (keys) were rejected by AWS \
                (InvalidClientTokenId): The security token included in the request is invalid.";
    for status in [None, Some(long)] {
        let mut app = App::new(many_items(40), KeyMap::default(), Mode::Assume, 1_800_000_000);
        app.status = status.map(str::to_owned);
        let screen = render(&mut app, 100, 20);
        let shown = screen.lines().filter(|l| l.contains("/ReadOnly")).count();
        app.update(key(KeyCode::PageDown));
        assert_eq!(app.selected, shown, "status {status:?}: one page is the {shown} rows shown:\n{screen}");
        let screen = render(&mut app, 100, 20);
        assert!(screen.contains(&selected(&app)), "the selection is on screen:\n{screen}");
        app.update(key(KeyCode::PageDown));
        app.update(key(KeyCode::PageUp));
        assert_eq!(app.selected, shown, "PageUp moves back by the same page");
    }
}

/// The result panel names the keys of the user's bindings, not the defaults.
#[test]
fn the_result_panel_shows_remapped_keys() {
    let settings: crate::config::keys::KeySettings =
        toml::from_str("[result]\nx = \"shell\"\ns = \"export\"\n\"ctrl-o\" = \"console\"\n").unwrap();
    let keymap = KeyMap::new(&settings).unwrap();
    let mut app = App::new(items(), keymap, Mode::Assume, 1_800_000_000);
    typed(&mut app, "payprodro");
    app.update(key(KeyCode::Enter));
    app.update(Msg::AssumeFinished(1, Ok(assumed("payments-prod/ReadOnly"))));
    let screen = render(&mut app, 100, 30);
    let hint = screen.lines().find(|l| l.contains("shell")).unwrap_or_default();
    for want in ["x shell", "e/s export & quit", "c/ctrl-o console", "k keep in keyring"] {
        assert!(hint.contains(want), "{want:?} in {hint:?}");
    }
    assert!(!hint.contains("s shell"), "{hint:?}");
    insta::assert_snapshot!("result_remapped_100x30", screen);
}

/// With no target at all the screen says, in full and wrapped, where
/// rolecall looked and the three ways in.
#[test]
fn the_first_run_says_where_rolecall_looked_and_the_ways_in() {
    use crate::service::first_run::{Looked, guidance};
    let looked = Looked {
        aws_config: ("/home/alice/.aws/config".into(), false),
        aws_credentials: ("/home/alice/.aws/credentials".into(), false),
        settings: Some(("/home/alice/.config/rolecall/config.toml".into(), false)),
    };
    for (w, h) in [(100u16, 30u16), (60, 30)] {
        let mut app = App::new(Vec::new(), KeyMap::default(), Mode::Assume, 1_800_000_000);
        app.first_run = Some(guidance(&looked));
        let screen = render(&mut app, w, h);
        // Wrapped anywhere, cut nowhere: every piece is there once spaces and line ends are gone.
        let flat: String = screen.chars().filter(|c| !c.is_whitespace()).collect();
        for want in [
            "'/home/alice/.aws/config' (not found)",
            "'/home/alice/.aws/credentials' (not found)",
            "rolecall/config.toml' (not found)",
            "[profile prod]",
            "[[organization]]",
            "rolecall login --sso NAME",
        ] {
            let want: String = want.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(flat.contains(&want), "{w}x{h}: {want:?} on screen:\n{screen}");
        }
        insta::assert_snapshot!(format!("first_run_{w}x{h}"), screen);
    }
}

/// An Identity Center sign-in started by an assume is shown in its dialog in
/// full (a long address wrapped, not cut); a step of another request goes to
/// the status line.
#[test]
fn a_sign_in_address_is_shown_in_full_in_the_working_dialog() {
    let url = "https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=Wx3bExampleClientIdExampleClientIdExample&redirect_uri=http%3A%2F%2F127.0.0.1%3A43123%2Foauth%2Fcallback&state=0f5c2c1b6c9f4b0e&code_challenge_method=S256&scopes=sso%3Aaccount%3Aaccess&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let text =
        format!("sign in to IAM Identity Center 'acme' in the browser; if it does not open, open this URL:\n{url}");
    for (w, h) in [(100u16, 30u16), (60, 30)] {
        let mut app = make_app();
        typed(&mut app, "payprodro");
        app.update(key(KeyCode::Enter));
        app.update(Msg::SignIn(7, "a step of another request".into()));
        assert_eq!(app.status.as_deref(), Some("a step of another request"));
        app.update(Msg::SignIn(1, text.clone()));
        assert!(matches!(&app.modal, Some(Modal::Working { sign_in: Some(t), .. }) if *t == text));
        let screen = render(&mut app, w, h);
        let inside: String = screen.lines().filter_map(|l| l.split('│').nth(1)).map(str::trim_end).collect();
        assert!(inside.contains(url), "{w}x{h}: the whole address on screen:\n{screen}");
        insta::assert_snapshot!(format!("sign_in_{w}x{h}"), screen);
    }
}

/// A row says what its id does not: the 12-digit account id, and the group
/// (or, for a profile, the account's name), never the account name again
/// cut short; the account id is what the search finds.
#[test]
fn list_rows_show_the_account_id_not_the_name_again() {
    let mut profile = entry("ops-admin", "888888888888", "Admin", "/Workloads/Prod", false);
    profile.kind = Kind::Profile(ProfileKind::Role);
    profile.account = None;
    let mut all = items();
    all.push(Item::from_entry(&profile));
    let mut app = App::new(all, KeyMap::default(), Mode::Assume, 1_800_000_000);
    let screen = render(&mut app, 120, 30);
    let row = |id: &str| screen.lines().find(|l| l.contains(id)).unwrap_or_default().to_owned();
    let prod = row("payments-prod/ReadOnly");
    assert!(prod.contains("222222222222") && !prod.contains("payments-pr…"), "{prod}");
    let profile_row = row("ops-admin");
    assert!(profile_row.contains("888888888888") && profile_row.contains("profile"), "{profile_row}");
    insta::assert_snapshot!("rows_120x30", screen);
    typed(&mut app, "8888");
    assert_eq!(selected(&app), "ops-admin", "a profile's account id is searched");
}
