//! Marking rows and running a command on them (the TUI's `rolecall run`):
//! which targets are marked, the one-line command prompt, and the progress
//! of a run in flight. Pure, like `app.rs`, which hands it keys and messages.

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers as M};

use super::app::{App, Effect, Mode, Pane};
use super::line::{self, Edit};
use crate::config::keys::Action;

/// What a run in flight tells the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunMsg {
    /// It came this far.
    Progress(Progress),
    /// It ended: the summary for the status line (where the output went included).
    Finished(String),
}

/// What the app asks of the runtime for a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEffect {
    /// Run `argv` on `targets`, answering with [`RunMsg`]s.
    Start {
        /// Target ids.
        targets: Vec<String>,
        /// The command and its arguments.
        argv: Vec<String>,
    },
    /// Stop the run in flight (its commands are killed).
    Stop,
}

/// How far a run has come.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Targets in the run.
    pub total: usize,
    /// Targets that ended.
    pub done: usize,
    /// Of those, the ones that did not succeed.
    pub failed: usize,
}

impl Progress {
    /// The status line while the run goes on.
    pub fn label(&self) -> String {
        let failed = if self.failed > 0 { format!(", {} failed", self.failed) } else { String::new() };
        format!("run: {}/{} done{failed} · esc stops", self.done, self.total)
    }
}

/// The command line being typed for the marked targets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLine {
    /// The targets it will run on.
    pub targets: Vec<String>,
    /// The text typed so far.
    pub text: String,
    /// The cursor, in characters.
    pub cursor: usize,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

/// What the prompt asks the app to do after a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptOutcome {
    /// Keep editing.
    Editing,
    /// The prompt was closed without running.
    Closed,
    /// Run `argv` on `targets`.
    Run {
        /// Target ids.
        targets: Vec<String>,
        /// The command and its arguments (split like a shell would, nothing expanded).
        argv: Vec<String>,
    },
}

/// The marks and the run.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    /// Marked target ids.
    pub marked: BTreeSet<String>,
    /// The open command prompt.
    pub prompt: Option<CommandLine>,
    /// The run in flight.
    pub running: Option<Progress>,
    /// Esc was pressed once while running: the next Esc stops the run.
    pub confirm_stop: bool,
}

impl Marks {
    /// Marks `id`, or unmarks it when it was marked.
    pub fn toggle(&mut self, id: &str) {
        if !self.marked.remove(id) {
            self.marked.insert(id.to_owned());
        }
    }

    /// True when `id` is marked.
    pub fn is_marked(&self, id: &str) -> bool {
        self.marked.contains(id)
    }

    /// Opens the prompt for `targets` (the marked ones, or the selected one).
    pub fn open_prompt(&mut self, targets: Vec<String>) {
        self.prompt = Some(CommandLine { targets, ..CommandLine::default() });
    }

    /// A key while the prompt is open.
    pub fn on_prompt_key(&mut self, ev: KeyEvent) -> PromptOutcome {
        let Some(p) = self.prompt.as_mut() else { return PromptOutcome::Closed };
        let edit = match (ev.code, ev.modifiers) {
            (KeyCode::Esc, _) | (KeyCode::Char('c' | 'g'), M::CONTROL) => {
                self.prompt = None;
                return PromptOutcome::Closed;
            }
            (KeyCode::Enter, _) => {
                return match shell_words::split(&p.text) {
                    Ok(argv) if !argv.is_empty() => {
                        let targets = std::mem::take(&mut p.targets);
                        self.prompt = None;
                        PromptOutcome::Run { targets, argv }
                    }
                    Ok(_) => {
                        p.error = Some("type the command to run".into());
                        PromptOutcome::Editing
                    }
                    Err(e) => {
                        p.error = Some(format!("cannot split the command: {e}"));
                        PromptOutcome::Editing
                    }
                };
            }
            (KeyCode::Char(c), m) if m.difference(M::SHIFT).is_empty() => Some(Edit::Insert(c)),
            (KeyCode::Backspace, _) => Some(Edit::DeleteBack),
            (KeyCode::Delete, _) => Some(Edit::DeleteForward),
            (KeyCode::Left, _) => Some(Edit::Left),
            (KeyCode::Right, _) => Some(Edit::Right),
            (KeyCode::Home, _) | (KeyCode::Char('a'), M::CONTROL) => Some(Edit::Start),
            (KeyCode::End, _) | (KeyCode::Char('e'), M::CONTROL) => Some(Edit::End),
            (KeyCode::Char('u'), M::CONTROL) => Some(Edit::DeleteToStart),
            (KeyCode::Char('w'), M::CONTROL) => Some(Edit::DeleteWordBack),
            (KeyCode::Char('b'), M::ALT) => Some(Edit::WordLeft),
            (KeyCode::Char('f'), M::ALT) => Some(Edit::WordRight),
            _ => None,
        };
        if let Some(edit) = edit {
            line::apply(&mut p.text, &mut p.cursor, edit);
            p.error = None;
        }
        PromptOutcome::Editing
    }

    /// Esc while a run goes on: the first asks, the second stops (true).
    pub fn esc_while_running(&mut self) -> bool {
        if self.confirm_stop {
            self.confirm_stop = false;
            true
        } else {
            self.confirm_stop = true;
            false
        }
    }
}

impl App {
    /// A message from the run in flight.
    pub(super) fn on_run_msg(&mut self, msg: RunMsg) -> Vec<Effect> {
        match msg {
            RunMsg::Progress(p) => {
                if self.marks.running.is_some() {
                    self.marks.running = Some(p);
                    self.status = Some(p.label());
                }
            }
            RunMsg::Finished(text) => {
                self.marks.running = None;
                self.marks.confirm_stop = false;
                self.status = Some(text);
            }
        }
        Vec::new()
    }

    /// A key while the command prompt is open.
    pub(super) fn on_prompt_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        match self.marks.on_prompt_key(ev) {
            PromptOutcome::Run { targets, argv } => {
                let progress = Progress { total: targets.len(), ..Progress::default() };
                self.marks.running = Some(progress);
                self.status = Some(progress.label());
                vec![Effect::Run(RunEffect::Start { targets, argv })]
            }
            PromptOutcome::Editing | PromptOutcome::Closed => Vec::new(),
        }
    }

    /// While a run goes on, Esc on the plain list asks, then stops the run
    /// (instead of quitting); `Some` when the key was taken.
    pub(super) fn run_takes(&mut self, action: Option<Action>) -> Option<Vec<Effect>> {
        if self.marks.running.is_none() || !self.query.is_empty() || self.pane != Pane::List {
            return None;
        }
        if action != Some(Action::Back) {
            self.marks.confirm_stop = false;
            return None;
        }
        if self.marks.esc_while_running() {
            self.status = Some("stopping the run…".into());
            return Some(vec![Effect::Run(RunEffect::Stop)]);
        }
        self.status = Some("a run is going on: esc again stops it".into());
        Some(Vec::new())
    }

    /// Mark, clear, or open the command prompt.
    pub(super) fn on_mark_action(&mut self, action: Action) {
        match action {
            Action::ToggleMark => {
                if let Some(id) = self.selected_item().map(|i| i.id.clone()) {
                    self.marks.toggle(&id);
                    self.move_by(1);
                }
            }
            Action::ClearMarks => self.marks.marked.clear(),
            Action::RunMarked if self.mode == Mode::Pick => {}
            Action::RunMarked if self.marks.running.is_some() => {
                self.status = Some("a run is going on: wait for it, or press esc twice to stop it".into());
            }
            Action::RunMarked => {
                // The marked targets in list order, or the selected one.
                let targets: Vec<String> = if self.marks.marked.is_empty() {
                    self.selected_item().map(|i| vec![i.id.clone()]).unwrap_or_default()
                } else {
                    self.items().iter().filter(|i| self.marks.is_marked(&i.id)).map(|i| i.id.clone()).collect()
                };
                if !targets.is_empty() {
                    self.marks.open_prompt(targets);
                }
            }
            _ => {}
        }
    }

    /// Forgets marks of targets no longer listed (after a refresh).
    pub(super) fn forget_unlisted_marks(&mut self) {
        let marked = std::mem::take(&mut self.marks.marked);
        self.marks.marked = self.items().iter().filter(|i| marked.contains(&i.id)).map(|i| i.id.clone()).collect();
    }
}
