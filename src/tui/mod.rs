//! The terminal UI: one `tokio::select!` loop owns the terminal (drawn on
//! stderr, so stdout stays free for `eval "$(rolecall)"` and `rolecall pick`),
//! feeds terminal events and effect answers to the pure [`app::App`], performs
//! the effects it returns, and draws once per burst of messages.

pub mod app;
pub mod effects;
pub mod input;
pub mod line;
pub mod marks;
pub mod model;
mod nav;
mod rows;
pub mod run_task;
pub mod search;
pub mod theme;
pub mod view;

use std::io::{Stderr, Write};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::config::keys::KeyMap;
use crate::output::export::{Format, SessionEnv, render};
use crate::output::{exec, write_stdout};
use crate::service::prefs::Prefs;
use crate::service::signals::{Signal, Signals};
use crate::service::{self, AppError, Notify, SharedContext};
pub use app::Mode;
use app::{App, Effect, Exit, Msg};
use effects::Effects;
use theme::Theme;

type Term = Terminal<CrosstermBackend<Stderr>>;

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Records when the process started (called first thing in `main`), for the
/// first-frame benchmark.
pub fn mark_start() {
    let _ = START.set(std::time::Instant::now());
}

/// With `ROLECALL_TUI_EXIT_AFTER_FIRST_FRAME=FILE`, appends a timing line to FILE
/// (milliseconds since `main` started) for `scripts/bench-tui`.
fn bench_mark(what: &str) {
    if let (Some(path), Some(start)) = (std::env::var_os("ROLECALL_TUI_EXIT_AFTER_FIRST_FRAME"), START.get()) {
        let line = format!("{what} {:.2}\n", start.elapsed().as_secs_f64() * 1000.0);
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

use crate::time::now_unix;

fn io_err(what: &str, e: std::io::Error) -> AppError {
    AppError::Terminal(format!("{what}: {e}"))
}

/// Puts the terminal into TUI mode (raw, alternate screen, mouse) on stderr.
fn enter() -> Result<Term, AppError> {
    enable_raw_mode().map_err(|e| io_err("cannot enter raw mode (is this a terminal?)", e))?;
    let mut err = std::io::stderr();
    execute!(err, EnterAlternateScreen, EnableMouseCapture).map_err(|e| io_err("cannot set up", e))?;
    Terminal::new(CrosstermBackend::new(std::io::stderr())).map_err(|e| io_err("cannot start", e))
}

/// Restores the terminal; safe to call more than once.
fn leave() {
    let _ = disable_raw_mode();
    let mut err = std::io::stderr();
    let _ = execute!(err, DisableMouseCapture, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = err.flush();
}

/// Restores the terminal before a panic message is printed.
fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        default(info);
    }));
}

/// Runs the TUI until the operator quits; returns the exit code.
/// The first frame comes from the catalog snapshot when no input file
/// changed; the AWS files are then parsed in the background.
pub async fn run(settings_flag: Option<&std::path::Path>, mode: Mode) -> Result<u8, AppError> {
    let (listing, stale) = service::catalog::for_first_frame(settings_flag).await?;
    let keymap = KeyMap::new(&listing.settings.keys).map_err(|e| AppError::usage(format!("settings: {e}")))?;
    bench_mark("context_loaded");
    let items = effects::items_of(&listing.entries);
    drop(listing.entries);
    bench_mark("items_loaded");
    let prefs = Prefs::load();
    let mut app = App::new(items, keymap, mode, now_unix());
    if !prefs.favourites.is_empty() || !prefs.recent.is_empty() {
        app.set_prefs(prefs.favourites, prefs.recent);
    }
    if app.items().is_empty() {
        let looked = service::first_run::Looked::here(&aws_types::os_shim_internal::Env::real(), settings_flag);
        app.first_run = Some(service::first_run::guidance(&looked));
    }
    app.cached = effects::cached_sessions();
    if let Some(line) = crate::service::sso::status_line() {
        app.status = Some(line);
    }
    let ctx = Arc::new(SharedContext::new(listing.ctx, settings_flag, Notify::Silent));
    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let mut effects = Effects::new(ctx.clone(), tx.clone());
    let theme = Theme::detect();
    if stale {
        app.refreshing = true;
        effects.refresh();
    }

    install_panic_hook();
    let mut term = enter()?;
    let result = event_loop(&mut term, &mut app, &mut effects, &mut rx, &theme).await;
    leave();
    if app.marks.running.is_some() {
        effects.finish_run(&mut rx).await;
    }
    let code = match result {
        Ok(Ended::App(exit)) => finish(exit, &effects),
        Ok(Ended::Signal(signal)) => Ok(signal.exit_code()),
        Err(e) => Err(e),
    };
    // Secrets are dropped (and zeroized) now; the thousands of targets and the
    // parsed files are left to the OS, which frees them faster than drop would.
    if let Ok(mut last) = effects.session.lock() {
        last.take();
    }
    std::mem::forget(app);
    std::mem::forget(effects);
    std::mem::forget(ctx);
    code
}

/// Prints what the exit asks for and returns the exit code.
fn finish(exit: Exit, effects: &Effects) -> Result<u8, AppError> {
    match exit {
        Exit::Quit => Ok(0),
        Exit::Pick(id) => {
            write_stdout(&format!("{id}\n")).map_err(|e| AppError::Output(format!("stdout: {e}")))?;
            Ok(0)
        }
        Exit::Export => {
            let last = effects.session.lock().ok().and_then(|s| s.clone());
            match last {
                Some(last) => {
                    let text = render(Format::Env, &last.session.credentials, &last.region, &last.target)
                        .map_err(|e| AppError::usage(e.to_string()))?;
                    write_stdout(&text).map_err(|e| AppError::Output(format!("stdout: {e}")))?;
                    Ok(0)
                }
                None => Ok(1),
            }
        }
    }
}

/// How the event loop ended.
enum Ended {
    /// The app asked to exit.
    App(Exit),
    /// INT, TERM or HUP came: rolecall exits 128 + its number once a run's
    /// commands are stopped.
    Signal(Signal),
}

async fn event_loop(
    term: &mut Term,
    app: &mut App,
    effects: &mut Effects,
    rx: &mut mpsc::Receiver<Msg>,
    theme: &Theme,
) -> Result<Ended, AppError> {
    let mut events = Some(EventStream::new());
    // Caught before any run starts: a signal must not end rolecall with its commands running.
    let mut signals = Signals::catch();
    let mut tick = tokio::time::interval(Duration::from_millis(120));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    draw(term, app, theme)?;
    // For scripts/bench: time from process start to the first frame.
    if std::env::var_os("ROLECALL_TUI_EXIT_AFTER_FIRST_FRAME").is_some() {
        bench_mark("first_frame");
        return Ok(Ended::App(Exit::Quit));
    }
    // The files are parsed behind the first frame, the search text is built
    // (a few milliseconds for thousands of targets), and the first target's
    // details are asked for (they come as a message, like every describe).
    effects.warm();
    app.index_search();
    for effect in app.describe_selected() {
        perform(effect, term, app, effects, &mut events, theme).await?;
    }
    loop {
        let msg = tokio::select! {
            ev = next_event(&mut events) => match ev {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
                Some(Ok(Event::Resize(..))) => { draw(term, app, theme)?; continue }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(io_err("reading input failed", e)),
                None => return Ok(Ended::App(Exit::Quit)),
            },
            Some(msg) = rx.recv() => msg,
            _ = tick.tick(), if app.wants_tick() || app.refreshing => Msg::Tick(now_unix()),
            signal = signals.recv() => return Ok(Ended::Signal(signal)),
        };
        let mut pending = vec![msg];
        while let Ok(more) = rx.try_recv() {
            pending.push(more);
        }
        for msg in pending {
            let out = app.update(msg);
            for effect in out {
                perform(effect, term, app, effects, &mut events, theme).await?;
            }
        }
        if let Some(exit) = app.exit.clone() {
            return Ok(Ended::App(exit));
        }
        draw(term, app, theme)?;
    }
}

async fn perform(
    effect: Effect,
    term: &mut Term,
    app: &mut App,
    effects: &mut Effects,
    events: &mut Option<EventStream>,
    theme: &Theme,
) -> Result<(), AppError> {
    match effect {
        // Only hands the request to the describer task: no file is read here.
        Effect::Describe(request) => effects.describe(request),
        Effect::Assume { request, target, code } => effects.assume(request, target, code),
        Effect::Cancel(request) => effects.cancel(request),
        Effect::Store => effects.store(),
        Effect::Console => effects.console(),
        Effect::Refresh => effects.refresh(),
        Effect::Run(run) => effects.run(run),
        Effect::SavePrefs { favourites, recent } => Prefs { favourites, recent }.save(),
        Effect::Shell => {
            let last = effects.session.lock().ok().and_then(|s| s.clone());
            if let Some(effects::LastSession { target, region, endpoint, session, .. }) = last {
                // Leave the TUI with no input reader alive (it would steal the
                // shell's keystrokes), run the shell, come back.
                let read_ahead = pause_input(events);
                leave();
                let env = SessionEnv::new(&session.credentials, &region, &target).with_endpoint(endpoint);
                let argv = exec::command_line(Vec::new());
                let mut child = exec::command(&argv, &env);
                eprintln!("rolecall: shell as {} ('exit' returns to rolecall)", session.identity.arn);
                let code = tokio::task::spawn_blocking(move || child.status())
                    .await
                    .map_err(crate::service::error::join_error)?
                    .map(|s| s.code().unwrap_or(1))
                    .unwrap_or(127);
                *term = enter()?;
                execute!(std::io::stderr(), crossterm::terminal::Clear(crossterm::terminal::ClearType::All))
                    .map_err(|e| io_err("redraw", e))?;
                *events = Some(EventStream::new());
                for ev in read_ahead {
                    match ev {
                        Event::Key(k) => effects.requeue(Msg::Key(k)),
                        Event::Mouse(m) => effects.requeue(Msg::Mouse(m)),
                        _ => {}
                    }
                }
                app.shell_exited(code);
                draw(term, app, theme)?;
            }
        }
    }
    Ok(())
}

/// Stops reading the terminal (before a shell) and returns the events
/// crossterm had read already, for the app once the TUI is back.
///
/// Dropping an `EventStream` wakes crossterm's poll waker, which every stream
/// shares. When the stream's reader thread is idle, as it is right after it
/// delivered the key that opened the shell, nothing takes that wake: it stays
/// pending through the shell. The next stream's first poll then meets it in
/// the same epoll batch as the terminal's readiness for the first key after
/// the shell, returns at the wake, and (crossterm registers the terminal
/// edge-triggered) loses that readiness: the key sits unread until another
/// comes. So the wake is taken here, where no key is awaited: the events
/// already read are drained first (a poll answers from them without looking
/// at the terminal), then the poll that finds none takes it. (Should the
/// reader thread still be polling, it takes the wake itself and ends.)
fn pause_input(events: &mut Option<EventStream>) -> Vec<Event> {
    *events = None;
    let mut read = Vec::new();
    while let Ok(true) = crossterm::event::poll(Duration::ZERO) {
        match crossterm::event::read() {
            Ok(ev) => read.push(ev),
            Err(_) => break,
        }
    }
    read
}

async fn next_event(events: &mut Option<EventStream>) -> Option<std::io::Result<Event>> {
    match events {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}

fn draw(term: &mut Term, app: &mut App, theme: &Theme) -> Result<(), AppError> {
    let size = term.size().map_err(|e| io_err("size", e))?;
    let (list_rows, list_top) = view::list_geometry(ratatui::layout::Rect::new(0, 0, size.width, size.height), app);
    app.resized(list_rows, list_top);
    term.draw(|f| view::draw(f, app, theme)).map_err(|e| io_err("draw", e))?;
    Ok(())
}

#[cfg(test)]
mod describe_tests;
#[cfg(test)]
mod tests;
