//! Marking rows and running a command on them, driven through `App::update`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{ctrl, key, make_app, render, selected, typed};
use crate::tui::app::{App, Effect, Exit, Msg};
use crate::tui::marks::{Progress, RunEffect, RunMsg};

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// Ctrl-Space as crossterm reports it (the terminal sends NUL).
fn ctrl_space() -> Msg {
    ctrl(' ')
}

fn marked(app: &App) -> Vec<String> {
    app.marks.marked.iter().cloned().collect()
}

#[test]
fn marks_toggle_move_down_and_clear() {
    let mut app = make_app();
    let first = selected(&app);
    app.update(ctrl_space());
    let second = selected(&app);
    assert_ne!(first, second, "marking moves down");
    app.update(ctrl('t'));
    assert_eq!(marked(&app).len(), 2);
    assert!(app.marks.is_marked(&first) && app.marks.is_marked(&second));
    // Toggling a marked row unmarks it.
    app.update(key(KeyCode::Up));
    app.update(ctrl('t'));
    assert_eq!(marked(&app), vec![first.clone()]);
    // Space still types into the search line; marks survive a search.
    typed(&mut app, "data lake");
    assert_eq!(app.query, "data lake");
    assert_eq!(marked(&app), vec![first]);
    app.update(alt('u'));
    assert!(app.marks.marked.is_empty());
}

#[test]
fn the_prompt_runs_the_marked_targets_in_list_order() {
    let mut app = make_app();
    app.update(key(KeyCode::Down));
    app.update(ctrl_space()); // second row
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(ctrl_space()); // first row
    let order: Vec<String> = app.items().iter().filter(|i| app.marks.is_marked(&i.id)).map(|i| i.id.clone()).collect();
    assert!(app.update(ctrl('x')).is_empty());
    let prompt = app.marks.prompt.clone().expect("the prompt opens");
    assert_eq!(prompt.targets, order);
    // Enter on an empty line is refused and says why.
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert_eq!(app.marks.prompt.as_ref().unwrap().error.as_deref(), Some("type the command to run"));
    // Typing goes to the prompt, not the search (and '?' is text here).
    typed(&mut app, "aws s3 ls 'my bucket' ?");
    assert_eq!(app.query, "");
    app.update(ctrl('w'));
    let effects = app.update(key(KeyCode::Enter));
    let argv: Vec<String> = ["aws", "s3", "ls", "my bucket"].map(String::from).to_vec();
    assert_eq!(effects, vec![Effect::Run(RunEffect::Start { targets: order.clone(), argv })]);
    assert!(app.marks.prompt.is_none());
    assert_eq!(app.marks.running, Some(Progress { total: 2, done: 0, failed: 0 }));
    assert_eq!(app.status.as_deref(), Some("run: 0/2 done · esc stops"));
    // Marks stay for the next run.
    assert_eq!(marked(&app).len(), 2);
}

#[test]
fn the_prompt_cancels_refuses_bad_quoting_and_falls_back_to_the_selection() {
    let mut app = make_app();
    let first = selected(&app);
    app.update(ctrl('x'));
    assert_eq!(app.marks.prompt.as_ref().unwrap().targets, vec![first]);
    typed(&mut app, "echo 'open");
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    let error = app.marks.prompt.as_ref().unwrap().error.clone().unwrap_or_default();
    assert!(error.starts_with("cannot split the command"), "{error}");
    app.update(key(KeyCode::Esc));
    assert!(app.marks.prompt.is_none());
    assert_eq!(app.exit, None, "esc in the prompt closes it, not the app");
}

#[test]
fn progress_stop_and_summary() {
    let mut app = make_app();
    app.update(ctrl_space());
    app.update(ctrl_space());
    app.update(ctrl('x'));
    typed(&mut app, "true");
    app.update(key(KeyCode::Enter));
    app.update(Msg::Run(RunMsg::Progress(Progress { total: 2, done: 1, failed: 1 })));
    assert_eq!(app.status.as_deref(), Some("run: 1/2 done, 1 failed · esc stops"));
    // A second run cannot start while one goes on.
    app.update(ctrl('x'));
    assert!(app.marks.prompt.is_none());
    assert!(app.status.as_deref().unwrap_or_default().contains("a run is going on"));
    // Esc asks first, another key forgets the question, then Esc twice stops.
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert_eq!(app.exit, None);
    assert_eq!(app.status.as_deref(), Some("a run is going on: esc again stops it"));
    app.update(key(KeyCode::Down));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert_eq!(app.update(key(KeyCode::Esc)), vec![Effect::Run(RunEffect::Stop)]);
    assert_eq!(app.exit, None);
    app.update(Msg::Run(RunMsg::Finished("run 'true': 2 targets in 0.10s: 1 ok, 1 failed, 0 skipped".into())));
    assert!(app.marks.running.is_none());
    assert!(app.status.as_deref().unwrap_or_default().starts_with("run 'true': 2 targets"));
    // Late progress after the end is ignored; Esc quits again.
    app.update(Msg::Run(RunMsg::Progress(Progress { total: 2, done: 2, failed: 1 })));
    assert!(app.marks.running.is_none());
    app.update(key(KeyCode::Esc));
    assert_eq!(app.exit, Some(Exit::Quit));
}

#[test]
fn snapshots_with_marks_and_the_prompt() {
    for (w, h) in [(100u16, 30u16), (60, 15)] {
        let mut app = make_app();
        app.update(ctrl_space());
        app.update(key(KeyCode::Down));
        app.update(ctrl_space());
        insta::assert_snapshot!(format!("marked_{w}x{h}"), render(&mut app, w, h));
        app.update(ctrl('x'));
        typed(&mut app, "aws sts get-caller-identity");
        insta::assert_snapshot!(format!("run_prompt_{w}x{h}"), render(&mut app, w, h));
    }
}
