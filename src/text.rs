//! Making untrusted text (from the network or a file) safe to print on a terminal.
//!
//! A leaf: pure functions, no I/O, nothing imported from the rest of rolecall.
//! Terminal control sequences (`ESC ]0;title BEL`, `ESC [2J`, C1 `CSI`) and
//! bidirectional overrides in an account name or an AWS message could rewrite
//! the screen or make text read differently from what it is; these functions
//! show such characters as visible escapes instead of sending them.

use std::borrow::Cow;

/// `s` made safe for one line of a terminal: every control character (C0
/// including `\n`, `\r` and `\t`, DEL, C1 U+0080–U+009F) and every bidi
/// embedding, override or isolate (U+202A–U+202E, U+2066–U+2069) is replaced by
/// a visible escape: `\n`, `\r`, `\t`, or `\u{1b}` style for the rest.
/// Borrows `s` when there is nothing to replace. Backslashes are left alone, so
/// the result is for people to read, not for parsing back.
pub fn clean(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Like [`clean`], but keeps `\n` and `\t` for text that is meant to span
/// lines (a multi-line message). `\r` is still escaped: it would let a line
/// overwrite what was printed before it.
pub fn clean_multiline(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

/// [`clean`] for text already owned: returned as it is when nothing needs replacing.
pub fn clean_owned(s: String) -> String {
    match clean(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(cleaned) => cleaned,
    }
}

fn escape(s: &str, multiline: bool) -> Cow<'_, str> {
    // Fast path for the common case (listings clean a million characters):
    // printable ASCII needs nothing, and a byte scan finds that quickly.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b) || (multiline && (b == b'\n' || b == b'\t'))) {
        return Cow::Borrowed(s);
    }
    let unsafe_char = |c: char| needs_escape(c) && !(multiline && (c == '\n' || c == '\t'));
    let Some(first) = s.find(unsafe_char) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    Cow::Owned(out)
}

/// How many terminal columns `s` takes, counting one per character (a fast
/// path for ASCII, which most listing cells are).
pub fn width(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().count() }
}

/// Control characters (C0, DEL, C1) and the bidi embedding/override/isolate controls.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::{clean, clean_multiline};

    #[test]
    fn escapes_what_a_terminal_would_act_on() {
        // (input, clean, clean_multiline)
        let cases: &[(&str, &str, &str)] = &[
            ("plain text", "plain text", "plain text"),
            ("", "", ""),
            ("prod-123 (ünïcode, 日本, 🚀)", "prod-123 (ünïcode, 日本, 🚀)", "prod-123 (ünïcode, 日本, 🚀)"),
            ("C:\\path\\u{1b}", "C:\\path\\u{1b}", "C:\\path\\u{1b}"),
            // OSC 0: set the window title.
            ("\x1b]0;title\x07", "\\u{1b}]0;title\\u{7}", "\\u{1b}]0;title\\u{7}"),
            // CSI 2J: clear the screen.
            ("a\x1b[2Jb", "a\\u{1b}[2Jb", "a\\u{1b}[2Jb"),
            ("line1\nline2", "line1\\nline2", "line1\nline2"),
            ("col\tcol", "col\\tcol", "col\tcol"),
            ("over\rwrite", "over\\rwrite", "over\\rwrite"),
            ("\r\n", "\\r\\n", "\\r\n"),
            ("nul\0", "nul\\u{0}", "nul\\u{0}"),
            (
                "bell\x07 bs\x08 vt\x0b ff\x0c",
                "bell\\u{7} bs\\u{8} vt\\u{b} ff\\u{c}",
                "bell\\u{7} bs\\u{8} vt\\u{b} ff\\u{c}",
            ),
            ("del\x7f", "del\\u{7f}", "del\\u{7f}"),
            // C1: U+009B is CSI on terminals that honour 8-bit controls.
            ("\u{80}\u{9b}2J\u{9f}", "\\u{80}\\u{9b}2J\\u{9f}", "\\u{80}\\u{9b}2J\\u{9f}"),
            ("\u{a0}nbsp", "\u{a0}nbsp", "\u{a0}nbsp"),
            // Bidi: "admin" shown reversed by a right-to-left override.
            ("\u{202e}nimda", "\\u{202e}nimda", "\\u{202e}nimda"),
            (
                "\u{202a}\u{202b}\u{202c}\u{202d}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
                "\\u{202a}\\u{202b}\\u{202c}\\u{202d}",
            ),
            (
                "\u{2066}x\u{2067}\u{2068}\u{2069}",
                "\\u{2066}x\\u{2067}\\u{2068}\\u{2069}",
                "\\u{2066}x\\u{2067}\\u{2068}\\u{2069}",
            ),
            ("\u{2065}\u{206a}\u{2029}", "\u{2065}\u{206a}\u{2029}", "\u{2065}\u{206a}\u{2029}"),
        ];
        for (input, one_line, multi) in cases {
            assert_eq!(clean(input), *one_line, "clean({input:?})");
            assert_eq!(clean_multiline(input), *multi, "clean_multiline({input:?})");
        }
    }

    #[test]
    fn borrows_when_nothing_changes() {
        for s in ["", "account-1", "日本 🚀", "tab-free\\"] {
            assert!(matches!(clean(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(clean_multiline(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(clean_multiline("a\n\tb"), Cow::Borrowed(_)));
        assert!(matches!(clean("a\nb"), Cow::Owned(_)));
    }

    #[test]
    fn output_has_no_control_characters() {
        let every: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!clean(&every).chars().any(super::needs_escape));
        assert!(!clean_multiline(&every).chars().any(|c| super::needs_escape(c) && c != '\n' && c != '\t'));
    }
}
