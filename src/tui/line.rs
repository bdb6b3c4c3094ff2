//! The search line's editing: the readline keys people type without thinking
//! (Ctrl-A/E, Ctrl-U, Ctrl-W, Alt-B/F, Left/Right, Delete), on a text and a
//! cursor counted in characters. Pure.

/// What to do to the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Insert a character at the cursor.
    Insert(char),
    /// Delete the character before the cursor (Backspace).
    DeleteBack,
    /// Delete the character at the cursor (Delete).
    DeleteForward,
    /// Delete the word before the cursor (Ctrl-W).
    DeleteWordBack,
    /// Delete from the start of the line to the cursor (Ctrl-U).
    DeleteToStart,
    /// Cursor one character left.
    Left,
    /// Cursor one character right.
    Right,
    /// Cursor one word left (Alt-B).
    WordLeft,
    /// Cursor one word right (Alt-F).
    WordRight,
    /// Cursor to the start (Ctrl-A).
    Start,
    /// Cursor to the end (Ctrl-E).
    End,
}

fn byte_at(text: &str, chars: usize) -> usize {
    text.char_indices().nth(chars).map_or(text.len(), |(i, _)| i)
}

/// The start (in characters) of the word before `cursor`: skip spaces, then non-spaces.
fn word_start(chars: &[char], cursor: usize) -> usize {
    let mut i = cursor.min(chars.len());
    while i > 0 && chars[i - 1].is_whitespace() {
        i -= 1;
    }
    while i > 0 && !chars[i - 1].is_whitespace() {
        i -= 1;
    }
    i
}

/// The end (in characters) of the word after `cursor`.
fn word_end(chars: &[char], cursor: usize) -> usize {
    let mut i = cursor.min(chars.len());
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    while i < chars.len() && !chars[i].is_whitespace() {
        i += 1;
    }
    i
}

/// Applies `edit` to `text` with its cursor; returns true when the text changed.
pub fn apply(text: &mut String, cursor: &mut usize, edit: Edit) -> bool {
    let chars: Vec<char> = text.chars().collect();
    *cursor = (*cursor).min(chars.len());
    let remove = |text: &mut String, from: usize, to: usize| {
        let (a, b) = (byte_at(text, from), byte_at(text, to));
        text.replace_range(a..b, "");
    };
    match edit {
        Edit::Insert(c) => {
            text.insert(byte_at(text, *cursor), c);
            *cursor += 1;
            true
        }
        Edit::DeleteBack if *cursor > 0 => {
            remove(text, *cursor - 1, *cursor);
            *cursor -= 1;
            true
        }
        Edit::DeleteForward if *cursor < chars.len() => {
            remove(text, *cursor, *cursor + 1);
            true
        }
        Edit::DeleteWordBack if *cursor > 0 => {
            let start = word_start(&chars, *cursor);
            remove(text, start, *cursor);
            *cursor = start;
            true
        }
        Edit::DeleteToStart if *cursor > 0 => {
            remove(text, 0, *cursor);
            *cursor = 0;
            true
        }
        Edit::Left => {
            *cursor = cursor.saturating_sub(1);
            false
        }
        Edit::Right => {
            *cursor = (*cursor + 1).min(chars.len());
            false
        }
        Edit::WordLeft => {
            *cursor = word_start(&chars, *cursor);
            false
        }
        Edit::WordRight => {
            *cursor = word_end(&chars, *cursor);
            false
        }
        Edit::Start => {
            *cursor = 0;
            false
        }
        Edit::End => {
            *cursor = chars.len();
            false
        }
        Edit::DeleteBack | Edit::DeleteForward | Edit::DeleteWordBack | Edit::DeleteToStart => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readline_edits() {
        // (text, cursor, edit, text after, cursor after)
        let rows: &[(&str, usize, Edit, &str, usize)] = &[
            ("pay", 3, Edit::Insert('p'), "payp", 4),
            ("pay", 0, Edit::Insert('x'), "xpay", 1),
            ("pay", 3, Edit::DeleteBack, "pa", 2),
            ("pay", 0, Edit::DeleteBack, "pay", 0),
            ("pay", 1, Edit::DeleteForward, "py", 1),
            ("pay", 3, Edit::DeleteForward, "pay", 3),
            ("pay prod  ", 10, Edit::DeleteWordBack, "pay ", 4),
            ("pay prod", 8, Edit::DeleteWordBack, "pay ", 4),
            ("pay prod", 3, Edit::DeleteWordBack, " prod", 0),
            ("pay prod", 4, Edit::DeleteToStart, "prod", 0),
            ("pay prod", 8, Edit::WordLeft, "pay prod", 4),
            ("pay prod", 4, Edit::WordLeft, "pay prod", 0),
            ("pay prod", 0, Edit::WordRight, "pay prod", 3),
            ("pay prod", 3, Edit::WordRight, "pay prod", 8),
            ("pay prod", 5, Edit::Start, "pay prod", 0),
            ("pay prod", 0, Edit::End, "pay prod", 8),
            ("zü", 2, Edit::Left, "zü", 1),
            ("zü", 1, Edit::DeleteForward, "z", 1),
            ("zü", 2, Edit::Right, "zü", 2),
            ("Zürich Ops", 10, Edit::DeleteWordBack, "Zürich ", 7),
        ];
        for &(text, cursor, edit, want_text, want_cursor) in rows {
            let (mut t, mut c) = (text.to_owned(), cursor);
            apply(&mut t, &mut c, edit);
            assert_eq!((t.as_str(), c), (want_text, want_cursor), "{text:?} at {cursor}: {edit:?}");
        }
    }
}
