//! Colours that read on dark and light terminals (the terminal's own palette,
//! no fixed backgrounds), and none at all under `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

/// The styles the views use.
#[derive(Clone, Copy, Debug)]
pub struct Theme {
    /// Ordinary text.
    pub text: Style,
    /// Secondary text (chains, groups, hints).
    pub dim: Style,
    /// The selected row.
    pub selected: Style,
    /// Matched characters of the search.
    pub matched: Style,
    /// Titles and keys in hints.
    pub accent: Style,
    /// Errors.
    pub error: Style,
    /// Good news (verified identity, stored).
    pub ok: Style,
    /// The MFA marker.
    pub mfa: Style,
}

impl Theme {
    /// The theme for this terminal: colourless when `NO_COLOR` is set (to anything).
    pub fn detect() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) { Self::mono() } else { Self::color() }
    }

    /// Named ANSI colours only, so the user's palette decides the exact shades.
    pub fn color() -> Self {
        Self {
            text: Style::default(),
            dim: Style::default().add_modifier(Modifier::DIM),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            matched: Style::default().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            accent: Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            ok: Style::default().fg(Color::Green),
            mfa: Style::default().fg(Color::Magenta),
        }
    }

    /// No colour: emphasis by bold, underline and reverse video.
    pub fn mono() -> Self {
        Self {
            text: Style::default(),
            dim: Style::default(),
            selected: Style::default().add_modifier(Modifier::REVERSED),
            matched: Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            accent: Style::default().add_modifier(Modifier::BOLD),
            error: Style::default().add_modifier(Modifier::BOLD),
            ok: Style::default(),
            mfa: Style::default().add_modifier(Modifier::BOLD),
        }
    }
}
