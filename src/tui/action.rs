//! What a key can do in the TUI. One enum, named as the settings file names it
//! (`[keys]` maps a key such as `"ctrl-j"` to an action such as `"select_next"`).

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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
        }
    }
}

/// A key as written in the settings: `"ctrl-j"`, `"enter"`, `"f5"`, `"?"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    code: KeyCodeOrd,
    ctrl: bool,
    alt: bool,
}

/// `KeyCode` subset with an order, so key maps print stably.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyCodeOrd {
    Char(char),
    F(u8),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
}

impl Key {
    /// The key of a terminal key event, if it is one a binding can name.
    pub fn from_event(ev: &KeyEvent) -> Option<Self> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c.to_ascii_lowercase()),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            _ => return None,
        };
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        Some(Self { code, ctrl, alt })
    }

    /// True for a plain printable character (what types into the search line).
    pub fn is_text(&self) -> bool {
        matches!(self.code, KeyCodeOrd::Char(_)) && !self.ctrl && !self.alt
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
            "up" => KeyCodeOrd::Up,
            "down" => KeyCodeOrd::Down,
            "left" => KeyCodeOrd::Left,
            "right" => KeyCodeOrd::Right,
            "pageup" | "pgup" => KeyCodeOrd::PageUp,
            "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
            "home" => KeyCodeOrd::Home,
            "end" => KeyCodeOrd::End,
            "enter" | "return" => KeyCodeOrd::Enter,
            "esc" | "escape" => KeyCodeOrd::Esc,
            "tab" => KeyCodeOrd::Tab,
            "backtab" | "shift-tab" => KeyCodeOrd::BackTab,
            "backspace" => KeyCodeOrd::Backspace,
            "space" => KeyCodeOrd::Char(' '),
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCodeOrd::F(f[1..].parse().unwrap_or(1))
            }
            c if c.chars().count() == 1 => KeyCodeOrd::Char(c.chars().next().unwrap_or(' ')),
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
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
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
        ]);
        let result = bind(&[("s", Shell), ("k", Store), ("e", Export), ("q", Back)]);
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
        let err = toml::from_str::<KeySettings>("\"ctrl-d\" = \"fly\"\n").unwrap_err().to_string();
        assert!(err.contains("unknown variant `fly`"), "{err}");
    }
}
