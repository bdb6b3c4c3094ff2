//! Quoting one value for one shell (POSIX shells, fish, PowerShell) so that
//! the shell gets the value back byte for byte and never runs any part of it.
//!
//! Values are Rust strings, so always valid UTF-8; nothing here has to deal
//! with other encodings. A NUL character is refused by every quoter: no
//! process environment can carry one, and the shells disagree on what to do
//! with it (bash drops it with a warning under `eval "$(…)"` and refuses a
//! file holding it, dash drops it, fish stops with an unbalanced-quote error,
//! zsh keeps it but cannot export it), so any output would be read as a
//! different value from the one rolecall was given.

/// Why a value cannot be written for a reader. The value itself is not part of
/// the error: it may be a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unquotable {
    /// The value holds a NUL character.
    #[error("the value contains a NUL character, which no environment variable can hold")]
    Nul,
}

/// `v` as one word for POSIX shells (sh, bash, zsh, dash, ksh): inside single
/// quotes nothing is special, so the value goes in single quotes and each `'`
/// becomes `'\''` (close, an escaped quote, reopen). Newlines, `$`, backticks
/// and control characters are literal inside single quotes.
pub fn posix(v: &str) -> Result<String, Unquotable> {
    refuse_nul(v)?;
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        match c {
            '\'' => out.push_str(r"'\''"),
            _ => out.push(c),
        }
    }
    out.push('\'');
    Ok(out)
}

/// `v` as one word for fish. Unlike POSIX shells, fish reads `\\` and `\'` as
/// escapes inside single quotes (and nothing else), so both `\` and `'` get a
/// backslash; with POSIX quoting a value ending in `\` would leave the quote
/// open and let the rest of the line run as commands.
pub fn fish(v: &str) -> Result<String, Unquotable> {
    refuse_nul(v)?;
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

/// The characters PowerShell's tokenizer treats as a single quote: `'` and the
/// typographic U+2018, U+2019, U+201A, U+201B. Any of them ends a
/// single-quoted string, whichever one opened it.
pub const PWSH_SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}'];

/// `v` as a PowerShell single-quoted (verbatim) string. Inside it, a
/// single-quote character (any of [`PWSH_SINGLE_QUOTES`]) followed by another
/// one stands for the second, and a lone one ends the string; `$`, backticks
/// and newlines are literal. So every one of the five is doubled.
pub fn pwsh(v: &str) -> Result<String, Unquotable> {
    refuse_nul(v)?;
    let mut out = String::with_capacity(v.len() + 2);
    out.push('\'');
    for c in v.chars() {
        if PWSH_SINGLE_QUOTES.contains(&c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    Ok(out)
}

fn refuse_nul(v: &str) -> Result<(), Unquotable> {
    if v.contains('\0') { Err(Unquotable::Nul) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn quotes_each_dialect() {
        /// (value, posix, fish, pwsh)
        type Case = (&'static str, &'static str, &'static str, &'static str);
        let cases: &[Case] = &[
            ("", "''", "''", "''"),
            ("eu-west-1", "'eu-west-1'", "'eu-west-1'", "'eu-west-1'"),
            ("tok/en+=", "'tok/en+='", "'tok/en+='", "'tok/en+='"),
            ("it's", r"'it'\''s'", r"'it\'s'", "'it''s'"),
            (r"a\b", r"'a\b'", r"'a\\b'", r"'a\b'"),
            // The fish injection: fish reads `\'` inside single quotes as a quote character, so
            // the POSIX form closes the string elsewhere and `|touch /tmp/x|` runs.
            (
                r"fish\'|touch /tmp/x|echo \'",
                r"'fish\'\''|touch /tmp/x|echo \'\'''",
                r"'fish\\\'|touch /tmp/x|echo \\\''",
                r"'fish\''|touch /tmp/x|echo \'''",
            ),
            ("trailing\\", "'trailing\\'", "'trailing\\\\'", "'trailing\\'"),
            (
                "\u{2018}\u{2019}\u{201a}\u{201b}",
                "'\u{2018}\u{2019}\u{201a}\u{201b}'",
                "'\u{2018}\u{2019}\u{201a}\u{201b}'",
                "'\u{2018}\u{2018}\u{2019}\u{2019}\u{201a}\u{201a}\u{201b}\u{201b}'",
            ),
            ("$(id) `id` $X", "'$(id) `id` $X'", "'$(id) `id` $X'", "'$(id) `id` $X'"),
            ("${HOME}", "'${HOME}'", "'${HOME}'", "'${HOME}'"),
            ("a b\"c#d", "'a b\"c#d'", "'a b\"c#d'", "'a b\"c#d'"),
            ("l1\nl2", "'l1\nl2'", "'l1\nl2'", "'l1\nl2'"),
            ("cr\r", "'cr\r'", "'cr\r'", "'cr\r'"),
            ("=ls", "'=ls'", "'=ls'", "'=ls'"),
            ("a==", "'a=='", "'a=='", "'a=='"),
            ("\x1b[2J\x7f", "'\x1b[2J\x7f'", "'\x1b[2J\x7f'", "'\x1b[2J\x7f'"),
        ];
        for (v, sh, fi, ps) in cases {
            assert_eq!(posix(v).as_deref(), Ok(*sh), "posix {v:?}");
            assert_eq!(fish(v).as_deref(), Ok(*fi), "fish {v:?}");
            assert_eq!(pwsh(v).as_deref(), Ok(*ps), "pwsh {v:?}");
        }
    }

    #[test]
    fn refuses_nul_everywhere() {
        for quote in [posix, fish, pwsh] {
            assert_eq!(quote("a\0b"), Err(Unquotable::Nul));
        }
    }

    /// PowerShell's rule for a single-quoted string (its tokenizer's
    /// `ScanStringLiteral`), written out on its own: `text` must start with a
    /// single-quote character; returns the string's value and the rest of the
    /// text after the closing quote, or `None` if the string never closes.
    fn pwsh_read(text: &str) -> Option<(String, &str)> {
        let mut chars = text.char_indices().peekable();
        let (_, open) = chars.next()?;
        assert!(PWSH_SINGLE_QUOTES.contains(&open), "not a single-quoted string: {text:?}");
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if PWSH_SINGLE_QUOTES.contains(&c) {
                match chars.peek() {
                    // Two in a row: the first escapes the second, which is kept.
                    Some(&(_, next)) if PWSH_SINGLE_QUOTES.contains(&next) => {
                        value.push(next);
                        chars.next();
                        continue;
                    }
                    _ => return Some((value, &text[i + c.len_utf8()..])),
                }
            }
            value.push(c);
        }
        None
    }

    #[test]
    fn pwsh_reader_follows_powershell() {
        // (source text, value, rest): pins the reader to PowerShell's documented behaviour.
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("'abc' rest", Some(("abc", " rest"))),
            ("'it''s'", Some(("it's", ""))),
            ("'a\u{2019}b'", Some(("a", "b'"))),
            ("\u{2018}a'", Some(("a", ""))),
            ("'a\u{2019}\u{2019}b'", Some(("a\u{2019}b", ""))),
            ("'a'\u{2019}b'", Some(("a\u{2019}b", ""))),
            ("'$x `n'", Some(("$x `n", ""))),
            ("'open", None),
            ("'end''", None),
        ];
        for (text, want) in cases {
            let got = pwsh_read(text);
            assert_eq!(got.as_ref().map(|(v, r)| (v.as_str(), *r)), *want, "{text:?}");
        }
    }

    #[test]
    fn pwsh_smart_quotes_cannot_close_the_string() {
        // Each typographic quote would close a string that only doubled `'`.
        for q in &PWSH_SINGLE_QUOTES[1..] {
            let v = format!("x{q}; Remove-Item -Recurse ~ ; {q}");
            let old = format!("'{}'", v.replace('\'', "''"));
            assert_ne!(pwsh_read(&old), Some((v.clone(), "")), "the old quoting was safe for {q:?}?");
            let quoted = pwsh(&v).unwrap_or_default();
            assert_eq!(pwsh_read(&quoted), Some((v, "")), "{quoted:?}");
        }
    }

    fn nasty_string() -> impl Strategy<Value = String> {
        let special = prop::sample::select(vec![
            '\'', '"', '\\', '$', '`', '(', ')', '{', '}', ';', '|', '&', '#', '!', '*', '?', '~', ' ', '\n', '\r',
            '\t', '\x1b', '\x7f', '\u{85}', '\u{2018}', '\u{2019}', '\u{201a}', '\u{201b}', '\u{201c}', '\u{201d}',
        ]);
        let c = prop_oneof![3 => special, 2 => any::<char>(), 2 => prop::char::range('\x01', '\x7f')];
        prop::collection::vec(c, 0..24).prop_map(|cs| cs.into_iter().filter(|c| *c != '\0').collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn pwsh_round_trips(v in nasty_string()) {
            let quoted = pwsh(&v).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(pwsh_read(&quoted), Some((v, "")));
        }
    }
}
