//! The TUI's state and its pure update function: `App::update(Msg) -> Vec<Effect>`.
//! No I/O, no `.await`, no terminal here; the runtime in `mod.rs` performs the effects.

use std::collections::{BTreeSet, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEvent};

use super::input::key_of;
use super::line::{self, Edit};
use super::marks::{Marks, RunEffect, RunMsg};
use super::model::{Details, Item};
use super::search::Search;
use crate::catalog::TargetId;
use crate::config::keys::{Action, Context, Key, KeyMap};
use crate::service::MfaCode;

/// How the list is grouped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grouping {
    /// By organisation and OU path.
    Ou,
    /// By the source (base) profile.
    Source,
}

/// Which pane has the focus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// The target list.
    List,
    /// The details pane.
    Details,
}

/// Interactive (assume) or headless picking (`rolecall pick`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Assume targets, open shells, export.
    Assume,
    /// Print the chosen target id and quit.
    Pick,
}

/// What an assume produced, as the screen may show it (no secrets but the key id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assumed {
    /// The target.
    pub target: String,
    /// Verified identity ARN.
    pub arn: String,
    /// Account id.
    pub account: String,
    /// Access key id (`ASIA…`).
    pub access_key_id: String,
    /// Expiry, unix seconds.
    pub expires_at: u64,
    /// Notices (chaining cap…).
    pub notices: Vec<String>,
    /// True when the session came from the cache.
    pub from_cache: bool,
}

/// Why an assume failed, as the screen shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The message (AccessDenied checklist, network, keyring…).
    pub message: String,
    /// AWS rejected the MFA code: keep the MFA dialog open.
    pub mfa_rejected: bool,
    /// A code is needed that was not given: open the MFA dialog.
    pub mfa_needed: Option<String>,
}

/// Dialogs over the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modal {
    /// The key bindings.
    Help,
    /// Typing an MFA code.
    Mfa {
        /// The target being assumed.
        target: String,
        /// The device asked for.
        device: String,
        /// Digits typed so far.
        input: String,
        /// Why the last code was not taken: it is not six digits, or AWS rejected it.
        error: Option<String>,
    },
    /// An assume in flight.
    Working {
        /// The target.
        target: String,
        /// The request id its answer will carry.
        request: u64,
        /// What to do for an IAM Identity Center sign-in it started: the
        /// address to open (and the code to confirm), shown in full.
        sign_in: Option<String>,
    },
    /// A successful assume and what to do with it.
    Result(Assumed),
    /// Something failed.
    Error {
        /// What was being done.
        title: String,
        /// The full message.
        text: String,
    },
}

/// Messages into the app: terminal events and answers from effects.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A mouse event.
    Mouse(MouseEvent),
    /// The clock, unix seconds (sent while something counts down or spins).
    Tick(u64),
    /// The list area's height changed (rows visible), for paging and clicks.
    Resized {
        /// Rows of targets visible.
        list_rows: u16,
        /// Screen row of the first target row.
        list_top: u16,
    },
    /// The details that describe `request` asked for arrived.
    Described {
        /// The request id it answers (older answers are dropped).
        request: u64,
        /// The target described.
        target: String,
        /// What the details pane shows.
        details: Box<Details>,
    },
    /// An assume finished.
    AssumeFinished(u64, Result<Assumed, Failure>),
    /// The session was stored (or not).
    Stored(Result<String, String>),
    /// The console was opened in the browser (or why not).
    ConsoleOpened(Result<String, String>),
    /// The shell exited with this code.
    ShellExited(i32),
    /// The organisation accounts were refreshed: the new full list, or why not.
    TargetsRefreshed(Result<Vec<Item>, String>),
    /// A line for the status bar (IAM Identity Center sign-in steps, token time left).
    Status(String),
    /// An IAM Identity Center sign-in step of the assume `request` (the
    /// address to open, the code to confirm, the outcome).
    SignIn(u64, String),
    /// How a run on marked targets goes.
    Run(RunMsg),
}

/// What the runtime must do for the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Compute the details of a target, off the event loop; answer with
    /// `Msg::Described` carrying the request's id.
    Describe(DescribeRequest),
    /// Assume a target (with a code when one was typed); answer with `request`.
    Assume {
        /// Request id.
        request: u64,
        /// Target id.
        target: String,
        /// The typed MFA code, already checked to be six digits.
        code: Option<MfaCode>,
    },
    /// Stop the assume `request`.
    Cancel(u64),
    /// Keep the last session in the keyring.
    Store,
    /// Leave for a shell with the last session.
    Shell,
    /// Open the AWS console as the last session.
    Console,
    /// Fetch the organisations' accounts again.
    Refresh,
    /// Start or stop a run on marked targets.
    Run(RunEffect),
    /// Save favourites and recent targets.
    SavePrefs {
        /// Favourite target ids.
        favourites: Vec<String>,
        /// Recently assumed ids, newest first.
        recent: Vec<String>,
    },
}

/// What the details pane asks for: the row's id and what the row knows
/// (its id read as a profile or an account × role), so the effect does not read it again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeRequest {
    /// Request id; the answer carries it.
    pub request: u64,
    /// The target id.
    pub target: String,
    /// The id as the row knows it.
    pub parsed: TargetId,
}

/// How the TUI ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Just quit.
    Quit,
    /// Print export lines for the last session.
    Export,
    /// Print this target id (pick mode).
    Pick(String),
}

/// The whole state of the TUI.
pub struct App {
    items: Vec<Item>,
    /// Indices into `items` in display order (filtered, ranked or grouped).
    pub visible: Vec<usize>,
    /// Position of the selection in `visible`.
    pub selected: usize,
    /// First visible row.
    pub offset: usize,
    /// The search line.
    pub query: String,
    /// Where the search line's cursor is, in characters.
    pub cursor: usize,
    /// Focused pane.
    pub pane: Pane,
    /// Current grouping.
    pub grouping: Grouping,
    /// The open dialog.
    pub modal: Option<Modal>,
    /// A one-line status (stored, shell exited, refresh failed…).
    pub status: Option<String>,
    /// Favourite target ids.
    pub favourites: BTreeSet<String>,
    /// Recently assumed target ids, newest first.
    pub recent: Vec<String>,
    /// Cached role sessions: target → expiry (unix seconds).
    pub cached: HashMap<String, u64>,
    /// The last details that arrived, and the target they are of. While a
    /// describe is pending they may be another row's: the pane then shows
    /// them dimmed (not blanked, so fast answers do not flicker).
    pub details: Option<(String, Details)>,
    /// The describe request in flight, if any: only its answer is applied.
    pub describing: Option<u64>,
    /// An organisation refresh is running.
    pub refreshing: bool,
    /// The clock, unix seconds.
    pub now: u64,
    /// Animation frame of the spinner.
    pub spinner: usize,
    /// Pick or assume.
    pub mode: Mode,
    /// Set when the app wants to end.
    pub exit: Option<Exit>,
    /// The key bindings.
    pub keymap: KeyMap,
    /// Marked rows, the run prompt and the run in flight.
    pub marks: Marks,
    /// What to say when there is no target at all: where rolecall looked and
    /// the ways in (`service::first_run::guidance`, set by the runtime).
    pub first_run: Option<String>,
    pub(super) list_rows: u16,
    pub(super) list_top: u16,
    next_request: u64,
    /// The last describe request id (their own sequence: assume ids stay as they were).
    next_describe: u64,
    search: Search,
    /// The last query and the items it matched (in item order), to narrow the next one.
    searched: Option<(String, Vec<usize>)>,
}

const MAX_RECENT: usize = 10;

impl App {
    /// A new app over `items`.
    pub fn new(items: Vec<Item>, keymap: KeyMap, mode: Mode, now: u64) -> Self {
        let mut app = Self {
            items,
            visible: Vec::new(),
            selected: 0,
            offset: 0,
            query: String::new(),
            cursor: 0,
            pane: Pane::List,
            grouping: Grouping::Ou,
            modal: None,
            status: None,
            favourites: BTreeSet::new(),
            recent: Vec::new(),
            cached: HashMap::new(),
            details: None,
            describing: None,
            refreshing: false,
            now,
            spinner: 0,
            mode,
            exit: None,
            keymap,
            marks: Marks::default(),
            first_run: None,
            list_rows: 20,
            list_top: 2,
            next_request: 1,
            next_describe: 0,
            search: Search::default(),
            searched: None,
        };
        app.refilter();
        app
    }

    /// Builds the search text of every item that has none yet (done after
    /// the first frame, so drawing it need not wait; a query does it first).
    pub fn index_search(&mut self) {
        for item in self.items.iter_mut().filter(|i| !i.indexed()) {
            item.index();
        }
    }

    /// All items.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The selected item.
    pub fn selected_item(&self) -> Option<&Item> {
        self.visible.get(self.selected).and_then(|&i| self.items.get(i))
    }

    /// The positions in `item`'s id that the query matched.
    pub fn matches(&mut self, item_index: usize) -> Vec<usize> {
        match self.items.get(item_index) {
            Some(item) if !self.query.is_empty() => self.search.id_matches(item),
            _ => Vec::new(),
        }
    }

    /// Replaces favourites and recent targets (loaded from the cache dir).
    pub fn set_prefs(&mut self, favourites: Vec<String>, recent: Vec<String>) {
        self.favourites = favourites.into_iter().collect();
        self.recent = recent;
        self.refilter();
    }

    /// True while the runtime should send `Tick`s (a spinner or a countdown is shown).
    pub fn wants_tick(&self) -> bool {
        matches!(self.modal, Some(Modal::Working { .. }) | Some(Modal::Result(_)))
    }

    /// The group label of an item under the current grouping.
    pub fn group_of<'a>(&self, item: &'a Item) -> &'a str {
        match self.grouping {
            Grouping::Ou => &item.ou_group,
            Grouping::Source => &item.source,
        }
    }

    /// Handles one message and returns the effects to run.
    /// The list area's height changed (rows visible, screen row of the first).
    pub fn resized(&mut self, list_rows: u16, list_top: u16) {
        self.list_rows = list_rows.max(1);
        self.list_top = list_top;
        self.scroll_into_view();
    }

    /// The details `request` asked for arrived: applied when it is the
    /// describe in flight and its target still selected; older answers
    /// (the selection moved on since) are dropped.
    pub fn described(&mut self, request: u64, id: String, details: Details) {
        if self.describing != Some(request) {
            return;
        }
        self.describing = None;
        if self.selected_item().is_some_and(|i| i.id == id) {
            self.details = Some((id, details));
        }
    }

    /// Asks for the selected row's details (a new request id; the previous
    /// request's answer will be dropped).
    pub fn describe_selected(&mut self) -> Vec<Effect> {
        let Some(item) = self.selected_item() else {
            self.describing = None;
            return Vec::new();
        };
        let (target, parsed) = (item.id.clone(), item.target_id());
        self.next_describe += 1;
        let request = self.next_describe;
        self.describing = Some(request);
        vec![Effect::Describe(DescribeRequest { request, target, parsed })]
    }

    /// The details to show for the selected row: its own (`fresh` true), or,
    /// while its describe is pending, the previous row's (shown dimmed).
    pub fn shown_details(&self) -> Option<(&Details, bool)> {
        let item = self.selected_item()?;
        let (id, details) = self.details.as_ref()?;
        if *id == item.id {
            Some((details, true))
        } else if self.describing.is_some() {
            Some((details, false))
        } else {
            None
        }
    }

    /// The shell opened from the result panel exited with `code`.
    pub fn shell_exited(&mut self, code: i32) {
        if matches!(self.modal, Some(Modal::Result(_))) {
            self.modal = None;
        }
        self.status = Some(format!("shell exited ({code}); back in rolecall"));
    }

    /// Applies a message; returns what the runtime must do.
    #[must_use = "the effects are what the runtime must perform"]
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let before = self.selected_item().map(|i| i.id.clone());
        let mut effects = match msg {
            Msg::Key(key) if key.kind != KeyEventKind::Release => self.on_key(key),
            Msg::Key(_) => Vec::new(),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Tick(now) => {
                self.now = now;
                self.spinner = self.spinner.wrapping_add(1);
                Vec::new()
            }
            Msg::Resized { list_rows, list_top } => {
                self.resized(list_rows, list_top);
                Vec::new()
            }
            Msg::Described { request, target, details } => {
                self.described(request, target, *details);
                Vec::new()
            }
            Msg::AssumeFinished(request, result) => self.on_assumed(request, result),
            Msg::Run(m) => self.on_run_msg(m),
            Msg::Status(text) => {
                self.status = Some(text);
                Vec::new()
            }
            Msg::SignIn(request, text) => {
                match &mut self.modal {
                    // The dialog of the assume that started it shows it in full.
                    Some(Modal::Working { request: pending, sign_in, .. }) if *pending == request => {
                        *sign_in = Some(text);
                    }
                    _ => self.status = Some(text.replace('\n', " ")),
                }
                Vec::new()
            }
            Msg::Stored(result) => {
                self.status = Some(match result {
                    Ok(text) => text,
                    Err(e) => format!("not stored: {e}"),
                });
                Vec::new()
            }
            Msg::ConsoleOpened(result) => {
                self.status = Some(match result {
                    Ok(text) => text,
                    Err(e) => format!("console: {e}"),
                });
                Vec::new()
            }
            Msg::ShellExited(code) => {
                self.shell_exited(code);
                Vec::new()
            }
            Msg::TargetsRefreshed(result) => {
                self.refreshing = false;
                match result {
                    Ok(items) => self.replace_items(items),
                    Err(e) => self.status = Some(format!("refresh failed, showing the cached accounts: {e}")),
                }
                Vec::new()
            }
        };
        let after = self.selected_item().map(|i| i.id.clone());
        if after != before {
            // The previous details stay (dimmed) until the new ones come.
            effects.extend(self.describe_selected());
        }
        effects
    }

    fn replace_items(&mut self, items: Vec<Item>) {
        let keep = self.selected_item().map(|i| i.id.clone());
        self.items = items;
        self.forget_unlisted_marks();
        self.searched = None;
        self.refilter();
        if let Some(id) = keep
            && let Some(pos) = self.visible.iter().position(|&i| self.items[i].id == id)
        {
            self.selected = pos;
            self.scroll_into_view();
        }
    }

    fn on_key(&mut self, ev: KeyEvent) -> Vec<Effect> {
        let Some(key) = key_of(&ev) else { return Vec::new() };
        if self.marks.prompt.is_some() {
            return self.on_prompt_key(ev);
        }
        match self.modal.clone() {
            Some(Modal::Help) => {
                self.modal = None;
                Vec::new()
            }
            Some(Modal::Mfa { .. }) => self.on_mfa_key(ev, &key),
            Some(Modal::Working { request, .. }) => match self.keymap.action(Context::List, &key) {
                Some(Action::Back) => {
                    self.modal = None;
                    self.status = Some("assume cancelled".into());
                    vec![Effect::Cancel(request)]
                }
                Some(Action::Quit) => self.quit_with(Exit::Quit),
                _ => Vec::new(),
            },
            Some(Modal::Error { .. }) => match self.keymap.action(Context::List, &key) {
                Some(Action::Quit) => self.quit_with(Exit::Quit),
                _ => {
                    self.modal = None;
                    Vec::new()
                }
            },
            Some(Modal::Result(_)) => match self.keymap.action(Context::Result, &key) {
                Some(Action::Shell) => vec![Effect::Shell],
                Some(Action::Store) => vec![Effect::Store],
                Some(Action::Console) => {
                    self.status = Some("opening the AWS console…".into());
                    vec![Effect::Console]
                }
                Some(Action::Export) => self.quit_with(Exit::Export),
                Some(Action::Quit) => self.quit_with(Exit::Quit),
                Some(Action::Back) | Some(Action::AssumeSelected) => {
                    self.modal = None;
                    Vec::new()
                }
                _ => Vec::new(),
            },
            None => self.on_list_key(ev, &key),
        }
    }

    fn on_list_key(&mut self, ev: KeyEvent, key: &Key) -> Vec<Effect> {
        let action = self.keymap.action(Context::List, key);
        if let Some(effects) = self.run_takes(action) {
            return effects;
        }
        if let Some(action) = action {
            // A bound printable key (e.g. '?') still types once a search has started.
            if !key.is_text() || self.query.is_empty() {
                return self.on_action(action);
            }
        }
        use crossterm::event::KeyModifiers as M;
        let edit = match (ev.code, ev.modifiers) {
            (KeyCode::Char(c), m) if key.is_text() || m == M::SHIFT => Some(Edit::Insert(c)),
            (KeyCode::Backspace, _) => Some(Edit::DeleteBack),
            (KeyCode::Delete, _) => Some(Edit::DeleteForward),
            (KeyCode::Left, _) => Some(Edit::Left),
            (KeyCode::Right, _) => Some(Edit::Right),
            (KeyCode::Char('a'), M::CONTROL) => Some(Edit::Start),
            (KeyCode::Char('e'), M::CONTROL) => Some(Edit::End),
            (KeyCode::Char('u'), M::CONTROL) => Some(Edit::DeleteToStart),
            (KeyCode::Char('w'), M::CONTROL) => Some(Edit::DeleteWordBack),
            (KeyCode::Char('b'), M::ALT) => Some(Edit::WordLeft),
            (KeyCode::Char('f'), M::ALT) => Some(Edit::WordRight),
            _ => None,
        };
        if let Some(edit) = edit
            && line::apply(&mut self.query, &mut self.cursor, edit)
        {
            self.refilter();
        }
        Vec::new()
    }

    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let page = usize::from(self.list_rows).max(1);
        match action {
            Action::SelectNext => self.move_by(1),
            Action::SelectPrev => self.move_by(-1),
            Action::PageDown => self.move_by(page as isize),
            Action::PageUp => self.move_by(-(page as isize)),
            Action::SelectFirst => self.move_to(0),
            Action::SelectLast => self.move_to(self.visible.len().saturating_sub(1)),
            Action::AssumeSelected => return self.assume_selected(),
            Action::SwitchPane => {
                self.pane = match self.pane {
                    Pane::List => Pane::Details,
                    Pane::Details => Pane::List,
                }
            }
            Action::Refresh => {
                if !self.refreshing {
                    self.refreshing = true;
                    return vec![Effect::Refresh];
                }
            }
            Action::Back => {
                if !self.query.is_empty() {
                    self.query.clear();
                    self.cursor = 0;
                    self.refilter();
                } else if self.pane == Pane::Details {
                    self.pane = Pane::List;
                } else {
                    return self.quit_with(Exit::Quit);
                }
            }
            Action::Quit => return self.quit_with(Exit::Quit),
            Action::ToggleGrouping => {
                self.grouping = match self.grouping {
                    Grouping::Ou => Grouping::Source,
                    Grouping::Source => Grouping::Ou,
                };
                self.refilter();
            }
            Action::ToggleFavourite => {
                if let Some(id) = self.selected_item().map(|i| i.id.clone()) {
                    if !self.favourites.remove(&id) {
                        self.favourites.insert(id);
                    }
                    self.refilter();
                    return vec![self.save_prefs()];
                }
            }
            Action::Help => self.modal = Some(Modal::Help),
            Action::ToggleMark | Action::ClearMarks | Action::RunMarked => self.on_mark_action(action),
            Action::Shell | Action::Store | Action::Export | Action::Console => {}
        }
        Vec::new()
    }

    fn quit_with(&mut self, exit: Exit) -> Vec<Effect> {
        self.exit = Some(exit);
        Vec::new()
    }

    fn save_prefs(&self) -> Effect {
        Effect::SavePrefs { favourites: self.favourites.iter().cloned().collect(), recent: self.recent.clone() }
    }

    fn assume_selected(&mut self) -> Vec<Effect> {
        let Some(item) = self.selected_item().cloned() else { return Vec::new() };
        if self.mode == Mode::Pick {
            return self.quit_with(Exit::Pick(item.id));
        }
        if !item.assumable {
            let why = item
                .error
                .clone()
                .or_else(|| item.state.clone().map(|s| format!("the account is {s}")))
                .unwrap_or_else(|| "this kind of profile cannot be assumed yet".into());
            self.modal = Some(Modal::Error { title: format!("cannot assume '{}'", item.id), text: why });
            return Vec::new();
        }
        let details = self.details.as_ref().filter(|(id, _)| *id == item.id).map(|(_, d)| d);
        let cached = self.cached.get(&item.id).is_some_and(|&exp| exp > self.now + 60);
        let needs_code = !cached && details.map_or(item.mfa, |d| d.needs_code);
        if needs_code {
            let device = details.and_then(|d| d.mfa_device.clone()).unwrap_or_else(|| "your MFA device".into());
            self.modal = Some(Modal::Mfa { target: item.id, device, input: String::new(), error: None });
            return Vec::new();
        }
        self.start_assume(item.id, None)
    }

    fn start_assume(&mut self, target: String, code: Option<MfaCode>) -> Vec<Effect> {
        let request = self.next_request;
        self.next_request += 1;
        self.modal = Some(Modal::Working { target: target.clone(), request, sign_in: None });
        vec![Effect::Assume { request, target, code }]
    }

    fn on_mfa_key(&mut self, ev: KeyEvent, key: &Key) -> Vec<Effect> {
        let Some(Modal::Mfa { target, device, mut input, .. }) = self.modal.clone() else { return Vec::new() };
        match (ev.code, self.keymap.action(Context::List, key)) {
            (_, Some(Action::Quit)) => return self.quit_with(Exit::Quit),
            (KeyCode::Esc, _) | (_, Some(Action::Back)) => {
                self.modal = None;
                return Vec::new();
            }
            (KeyCode::Char(c), _) if c.is_ascii_digit() && input.len() < 6 => input.push(c),
            (KeyCode::Backspace, _) => {
                input.pop();
            }
            // A code that is not six digits is the dialog's to explain, not an assume failure.
            (KeyCode::Enter, _) => match MfaCode::parse(&input) {
                Ok(code) => return self.start_assume(target, Some(code)),
                Err(why) => {
                    self.modal = Some(Modal::Mfa { target, device, input, error: Some(why) });
                    return Vec::new();
                }
            },
            _ => {}
        }
        self.modal = Some(Modal::Mfa { target, device, input, error: None });
        Vec::new()
    }

    fn on_assumed(&mut self, request: u64, result: Result<Assumed, Failure>) -> Vec<Effect> {
        let Some(Modal::Working { target, request: pending, .. }) = self.modal.clone() else { return Vec::new() };
        if pending != request {
            return Vec::new(); // a stale answer (cancelled or superseded)
        }
        match result {
            Ok(assumed) => {
                self.cached.insert(assumed.target.clone(), assumed.expires_at);
                self.recent.retain(|r| *r != assumed.target);
                self.recent.insert(0, assumed.target.clone());
                self.recent.truncate(MAX_RECENT);
                self.modal = Some(Modal::Result(assumed));
                vec![self.save_prefs()]
            }
            Err(f) if f.mfa_rejected || f.mfa_needed.is_some() => {
                let device = f.mfa_needed.clone().unwrap_or_else(|| {
                    let own = self.details.as_ref().filter(|(id, _)| *id == target);
                    own.and_then(|(_, d)| d.mfa_device.clone()).unwrap_or_default()
                });
                let error = f.mfa_rejected.then_some(f.message);
                self.modal = Some(Modal::Mfa { target, device, input: String::new(), error });
                Vec::new()
            }
            Err(f) => {
                self.modal = Some(Modal::Error { title: format!("could not assume '{target}'"), text: f.message });
                Vec::new()
            }
        }
    }

    /// Recomputes `visible`: ranked matches for a query; otherwise favourites,
    /// then recent targets, then everything grouped.
    fn refilter(&mut self) {
        if self.query.trim().is_empty() {
            let rank = |i: &usize| {
                let item = &self.items[*i];
                let fav = !self.favourites.contains(&item.id);
                let recent = self.recent.iter().position(|r| *r == item.id).unwrap_or(usize::MAX);
                (fav, recent, self.group_of(item).to_owned(), *i)
            };
            let mut order: Vec<usize> = (0..self.items.len()).collect();
            order.sort_by_cached_key(rank);
            self.visible = order;
        } else {
            self.index_search();
            self.search.set_query(&self.query);
            // Typing on: only what matched the shorter query can match the longer one.
            let narrowing = self.searched.as_ref().is_some_and(|(q, _)| {
                self.query.len() > q.len()
                    && self.query.starts_with(q.as_str())
                    && self.query[q.len()..].chars().all(|c| c.is_alphanumeric() || "-_./@".contains(c))
            });
            let candidates = match (&self.searched, narrowing) {
                (Some((_, matched)), true) => matched.clone(),
                _ => (0..self.items.len()).collect(),
            };
            self.visible = self.search.rank(&self.items, candidates.into_iter());
            let mut matched = self.visible.clone();
            matched.sort_unstable();
            self.searched = Some((self.query.clone(), matched));
        }
        if self.query.trim().is_empty() {
            self.searched = None;
        }
        self.selected = 0;
        self.offset = 0;
    }
}
