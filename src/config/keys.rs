//! Key bindings as the settings file names them: one [`Action`] enum
//! (`[keys]` maps a key such as `"ctrl-j"` to an action such as `"select_next"`),
//! the key text syntax, and the key map. No terminal library here: the TUI
//! turns its terminal's key events into [`Key`]s.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Everything a key binding can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Move the selection down one row.
    SelectNext,
    /// Move the selection up one row.
    SelectPrev,
    /// Move the selection down one page.
    PageDown,
    /// Move the selection up one page.
    PageUp,
    /// Jump to the first row.
    SelectFirst,
    /// Jump to the last row.
    SelectLast,
    /// Assume the selected target (or confirm the open dialog).
    AssumeSelected,
    /// Move focus between the list and the details pane.
    SwitchPane,
    /// Refresh the organisations' accounts now.
    Refresh,
    /// Close what is open, clear the search, or quit when nothing is.
    Back,
    /// Quit rolecall.
    Quit,
    /// Group by organisation and OU, or by source profile.
    ToggleGrouping,
    /// Mark or unmark the selected target as a favourite.
    ToggleFavourite,
    /// Show or hide the key bindings.
    Help,
    /// Leave the TUI for a shell with the session; come back when it exits.
    Shell,
    /// Keep the session in the keyring for credential_process.
    Store,
    /// Quit and print export lines for `eval`.
    Export,
    /// Open the AWS console as the session, in the browser.
    Console,
    /// Mark or unmark the selected target for a run, then move down.
    ToggleMark,
    /// Unmark every target.
    ClearMarks,
    /// Run a command on the marked targets (asks for the command line).
    RunMarked,
}

impl Action {
    /// One imperative line, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Self::SelectNext => "move down",
            Self::SelectPrev => "move up",
            Self::PageDown => "page down",
            Self::PageUp => "page up",
            Self::SelectFirst => "first row",
            Self::SelectLast => "last row",
            Self::AssumeSelected => "assume the selected target",
            Self::SwitchPane => "switch between list and details",
            Self::Refresh => "refresh organisation accounts",
            Self::Back => "close, clear the search, or quit",
            Self::Quit => "quit",
            Self::ToggleGrouping => "group by OU / by source profile",
            Self::ToggleFavourite => "mark or unmark as favourite",
            Self::Help => "show or hide this help",
            Self::Shell => "open a shell with the session",
            Self::Store => "keep the session in the keyring",
            Self::Export => "quit and print export lines",
            Self::Console => "open the AWS console in the browser",
            Self::ToggleMark => "mark or unmark for a run, move down",
            Self::ClearMarks => "unmark every target",
            Self::RunMarked => "run a command on the marked targets",
        }
    }
}

/// A key as written in the settings: `"ctrl-j"`, `"enter"`, `"f5"`, `"?"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyName,
    ctrl: bool,
    alt: bool,
}

/// The keys a binding can name, with an order so key maps print stably.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    /// A character key (lower case).
    Char(char),
    /// A function key.
    F(u8),
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// Home.
    Home,
    /// End.
    End,
    /// Enter.
    Enter,
    /// Escape.
    Esc,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
}

impl Key {
    /// A key from its name and modifiers (characters are folded to lower case).
    pub fn new(name: KeyName, ctrl: bool, alt: bool) -> Self {
        let code = match name {
            KeyName::Char(c) => KeyName::Char(c.to_ascii_lowercase()),
            other => other,
        };
        Self { code, ctrl, alt }
    }

    /// True for a plain printable character (what types into the search line).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyName::Char(_)) && !self.ctrl && !self.alt
    }
}

impl std::str::FromStr for Key {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim().to_ascii_lowercase();
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-").or_else(|| rest.strip_prefix("c-")) {
                ctrl = true;
                rest = r.to_owned();
            } else if let Some(r) = rest.strip_prefix("alt-").or_else(|| rest.strip_prefix("m-")) {
                alt = true;
                rest = r.to_owned();
            } else {
                break;
            }
        }
        let code = match rest.as_str() {
            "up" => KeyName::Up,
            "down" => KeyName::Down,
            "left" => KeyName::Left,
            "right" => KeyName::Right,
            "pageup" | "pgup" => KeyName::PageUp,
            "pagedown" | "pgdn" => KeyName::PageDown,
            "home" => KeyName::Home,
            "end" => KeyName::End,
            "enter" | "return" => KeyName::Enter,
            "esc" | "escape" => KeyName::Esc,
            "tab" => KeyName::Tab,
            "backtab" | "shift-tab" => KeyName::BackTab,
            "backspace" => KeyName::Backspace,
            "delete" | "del" => KeyName::Delete,
            "space" => KeyName::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyName::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyName::Char(c.chars().next().unwrap_or(' ')),
            _ => return Err(format!("'{s}' is not a key (examples: 'ctrl-j', 'enter', 'f5', '?')")),
        };
        Ok(Self { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyName::Char(' ') => f.write_str("space"),
            KeyName::Char(c) => write!(f, "{c}"),
            KeyName::F(n) => write!(f, "f{n}"),
            other => f.write_str(&format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

/// Where a binding applies: the main list, or the result panel after an assume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// The target list (text keys type into the search line there).
    List,
    /// The result panel.
    Result,
}

/// Key bindings: defaults, then the settings' `[keys]` (list) and `[keys.result]`.
#[derive(Clone, Debug)]
pub struct KeyMap {
    list: BTreeMap<Key, Action>,
    result: BTreeMap<Key, Action>,
}

/// `[keys]` in the settings: `"ctrl-j" = "select_next"`, and `[keys.result]`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct KeySettings {
    /// Bindings for the result panel.
    #[serde(default)]
    pub result: BTreeMap<String, Action>,
    /// Bindings for the list (every other entry of `[keys]`).
    #[serde(flatten)]
    pub list: BTreeMap<String, Action>,
}

fn parse_all(raw: &BTreeMap<String, Action>, into: &mut BTreeMap<Key, Action>) -> Result<(), String> {
    for (k, action) in raw {
        let key: Key = k.parse().map_err(|e| format!("[keys] {e}"))?;
        into.insert(key, *action);
    }
    Ok(())
}

impl KeyMap {
    /// The defaults with the user's bindings on top.
    pub fn new(settings: &KeySettings) -> Result<Self, String> {
        let mut map = Self::default();
        parse_all(&settings.list, &mut map.list)?;
        parse_all(&settings.result, &mut map.result)?;
        Ok(map)
    }

    /// The action bound to `key` in `context`; list bindings apply in the result panel too.
    pub fn action(&self, context: Context, key: &Key) -> Option<Action> {
        match context {
            Context::Result => self.result.get(key).or_else(|| self.list.get(key)).copied(),
            Context::List => self.list.get(key).copied(),
        }
    }

    /// The keys that do `action` in `context`, in order: in the result panel
    /// its own bindings first, then the list's that it does not override.
    /// Empty when the user bound every key of it to something else.
    pub fn keys_for(&self, context: Context, action: Action) -> Vec<Key> {
        fn own(map: &BTreeMap<Key, Action>, action: Action) -> impl Iterator<Item = Key> + '_ {
            map.iter().filter(move |(_, a)| **a == action).map(|(k, _)| *k)
        }
        match context {
            Context::List => own(&self.list, action).collect(),
            Context::Result => own(&self.result, action)
                .chain(own(&self.list, action).filter(|k| !self.result.contains_key(k)))
                .collect(),
        }
    }

    /// Every binding, for the help overlay: (context, key, action).
    pub fn bindings(&self) -> Vec<(&'static str, String, Action)> {
        let list = self.list.iter().map(|(k, a)| ("list", k.to_string(), *a));
        let result = self.result.iter().map(|(k, a)| ("result", k.to_string(), *a));
        list.chain(result).collect()
    }
}

impl Default for KeyMap {
    fn default() -> Self {
        let bind = |pairs: &[(&str, Action)]| -> BTreeMap<Key, Action> {
            pairs.iter().filter_map(|(k, a)| Some((k.parse().ok()?, *a))).collect()
        };
        use Action::*;
        let list = bind(&[
            ("down", SelectNext),
            ("ctrl-n", SelectNext),
            ("ctrl-j", SelectNext),
            ("up", SelectPrev),
            ("ctrl-p", SelectPrev),
            ("ctrl-k", SelectPrev),
            ("pagedown", PageDown),
            ("pageup", PageUp),
            ("home", SelectFirst),
            ("end", SelectLast),
            ("enter", AssumeSelected),
            ("tab", SwitchPane),
            ("ctrl-r", Refresh),
            ("esc", Back),
            ("ctrl-c", Quit),
            ("ctrl-g", ToggleGrouping),
            ("ctrl-f", ToggleFavourite),
            ("?", Help),
            ("f1", Help),
            ("ctrl-space", ToggleMark),
            ("ctrl-t", ToggleMark),
            ("alt-u", ClearMarks),
            ("ctrl-x", RunMarked),
        ]);
        let result = bind(&[("s", Shell), ("k", Store), ("e", Export), ("c", Console), ("q", Back)]);
        Self { list, result }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_print() {
        for (text, shown) in [("ctrl-j", "ctrl-j"), ("C-N", "ctrl-n"), ("enter", "enter"), ("F5", "f5"), ("?", "?")] {
            assert_eq!(text.parse::<Key>().unwrap().to_string(), shown);
        }
        assert_eq!("ctrl-space".parse::<Key>().unwrap(), Key::new(KeyName::Char(' '), true, false));
        assert_eq!(KeyMap::default().action(Context::List, &"ctrl-space".parse().unwrap()), Some(Action::ToggleMark));
        assert!("ctrl-".parse::<Key>().is_err());
        assert!("hyper-x".parse::<Key>().unwrap_err().contains("'hyper-x' is not a key"));
    }

    #[test]
    fn settings_remap_and_reject_unknown_actions() {
        let s: KeySettings = toml::from_str("\"ctrl-d\" = \"page_down\"\n[result]\nx = \"export\"\n").unwrap();
        let map = KeyMap::new(&s).unwrap();
        assert_eq!(map.action(Context::List, &"ctrl-d".parse().unwrap()), Some(Action::PageDown));
        assert_eq!(map.action(Context::Result, &"x".parse().unwrap()), Some(Action::Export));
        assert_eq!(map.action(Context::Result, &"down".parse().unwrap()), Some(Action::SelectNext));
        assert_eq!(map.keys_for(Context::Result, Action::Export), vec!["e".parse().unwrap(), "x".parse().unwrap()]);
        assert_eq!(map.keys_for(Context::Result, Action::Back), vec!["q".parse().unwrap(), "esc".parse().unwrap()]);
        assert_eq!(
            map.keys_for(Context::List, Action::PageDown),
            vec!["ctrl-d".parse().unwrap(), "pagedown".parse().unwrap()]
        );
        let err = toml::from_str::<KeySettings>("\"ctrl-d\" = \"fly\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown variant `fly`"), "{err}");
    }
}
