//! Text from the network or a file, made safe to print on a terminal.
//! (Placeholder until the full version lands; replaces control characters.)

use std::borrow::Cow;

/// One-line text with every control character shown as an escape.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect())
}

/// Text that may span lines: newlines and tabs kept, every other control character escaped.
pub fn clean_multiline(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.chars().map(|c| if bad(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect())
}
