//! Terminal key events onto the settings' key names: the one place where
//! crossterm's `KeyEvent` meets [`crate::config::keys::Key`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::config::keys::{Key, KeyName};

/// The key of a terminal key event, if it is one a binding can name.
pub fn key_of(ev: &KeyEvent) -> Option<Key> {
    let name = match ev.code {
        KeyCode::Char(c) => KeyName::Char(c),
        KeyCode::F(n) => KeyName::F(n),
        KeyCode::Up => KeyName::Up,
        KeyCode::Down => KeyName::Down,
        KeyCode::Left => KeyName::Left,
        KeyCode::Right => KeyName::Right,
        KeyCode::PageUp => KeyName::PageUp,
        KeyCode::PageDown => KeyName::PageDown,
        KeyCode::Home => KeyName::Home,
        KeyCode::End => KeyName::End,
        KeyCode::Enter => KeyName::Enter,
        KeyCode::Esc => KeyName::Esc,
        KeyCode::Tab => KeyName::Tab,
        KeyCode::BackTab => KeyName::BackTab,
        KeyCode::Backspace => KeyName::Backspace,
        KeyCode::Delete => KeyName::Delete,
        _ => return None,
    };
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    let alt = ev.modifiers.contains(KeyModifiers::ALT);
    Some(Key::new(name, ctrl, alt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_map_onto_setting_names() {
        let ev = KeyEvent::new(KeyCode::Char('J'), KeyModifiers::CONTROL);
        assert_eq!(key_of(&ev), Some("ctrl-j".parse().unwrap()));
        assert_eq!(key_of(&KeyEvent::new(KeyCode::F(5), KeyModifiers::NONE)), Some("f5".parse().unwrap()));
        // crossterm reports Ctrl-Space (the terminal sends NUL) as ' ' with CONTROL.
        let ev = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL);
        assert_eq!(key_of(&ev), Some("ctrl-space".parse().unwrap()));
        assert_eq!(key_of(&KeyEvent::new(KeyCode::Insert, KeyModifiers::NONE)), None);
    }
}
