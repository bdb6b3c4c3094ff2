//! Quoting one value for one reader (POSIX shells, fish, PowerShell, dotenv
//! files) so that the reader gets the value back byte for byte and never runs
//! any part of it.
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
    /// The value holds a character that a single-quoted dotenv value cannot
    /// carry literally in every reader (see [`dotenv`]).
    #[error("the value contains {0}, which a dotenv file cannot carry literally")]
    Dotenv(&'static str),
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

/// `v` as the value of a `KEY=value` line in a `.env` file.
///
/// dotenv has no single grammar, so this writes only what the readers checked
/// read literally and alike:
/// - values made only of ASCII letters, digits and `+/=_.:-`, not starting
///   with `=` and with no `=` right after a `:` (access keys, tokens, regions,
///   expiry times, most target names), are written bare, and every reader
///   below reads them as is;
/// - anything else goes in single quotes, which python-dotenv and POSIX shells
///   read literally: no `$NAME` expansion, no backtick or `$(…)` command, no
///   escapes. `docker run --env-file` does not parse quotes at all: it would
///   keep them as part of the value.
///
/// Refused, because some of those readers would not read them back as written:
/// `'` (cannot appear inside single quotes), `\` (python-dotenv reads `\\` and
/// `\'` inside single quotes as escapes), `${` (python-dotenv expands `${NAME}`
/// even inside single quotes and has no escape for it), line breaks `\n` and
/// `\r` (dotenv is one variable per line; Python's text mode turns `\r` into
/// `\n`), and NUL.
///
/// Checked against: bash, dash and zsh reading the file with `set -a; . FILE`
/// (tests/e2e_shells.rs); python-dotenv 1.2 (`dotenv_values`, with and without
/// interpolation); and the docker 28.2 CLI's `docker run --env-file` (the `Env`
/// it sends to the Engine API: the text after the first `=`, verbatim).
pub fn dotenv(v: &str) -> Result<String, Unquotable> {
    refuse_nul(v)?;
    // A leading `=`, or one after a `:`, stays quoted: zsh expands `=cmd` there
    // in an assignment (`K==ls` and `K=a:=ls` both name /usr/bin/ls).
    let bare = !v.starts_with('=')
        && !v.contains(":=")
        && v.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_.:-".contains(c));
    if bare {
        return Ok(v.to_owned());
    }
    let refused = [
        ("'", "a single quote"),
        ("\\", "a backslash"),
        ("${", "'${'"),
        ("\n", "a line break"),
        ("\r", "a carriage return"),
    ];
    if let Some((_, what)) = refused.iter().find(|(bad, _)| v.contains(bad)) {
        return Err(Unquotable::Dotenv(what));
    }
    Ok(format!("'{v}'"))
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
        /// (value, posix, fish, pwsh, dotenv)
        type Case = (&'static str, &'static str, &'static str, &'static str, Result<&'static str, Unquotable>);
        let cases: &[Case] = &[
            ("", "''", "''", "''", Ok("")),
            ("eu-west-1", "'eu-west-1'", "'eu-west-1'", "'eu-west-1'", Ok("eu-west-1")),
            ("tok/en+=", "'tok/en+='", "'tok/en+='", "'tok/en+='", Ok("tok/en+=")),
            ("it's", r"'it'\''s'", r"'it\'s'", "'it''s'", Err(Unquotable::Dotenv("a single quote"))),
            (r"a\b", r"'a\b'", r"'a\\b'", r"'a\b'", Err(Unquotable::Dotenv("a backslash"))),
            // The fish injection: fish reads `\'` inside single quotes as a quote character, so
            // the POSIX form closes the string elsewhere and `|touch /tmp/x|` runs.
            (
                r"fish\'|touch /tmp/x|echo \'",
                r"'fish\'\''|touch /tmp/x|echo \'\'''",
                r"'fish\\\'|touch /tmp/x|echo \\\''",
                r"'fish\''|touch /tmp/x|echo \'''",
                Err(Unquotable::Dotenv("a single quote")),
            ),
            ("trailing\\", "'trailing\\'", "'trailing\\\\'", "'trailing\\'", Err(Unquotable::Dotenv("a backslash"))),
            (
                "\u{2018}\u{2019}\u{201a}\u{201b}",
                "'\u{2018}\u{2019}\u{201a}\u{201b}'",
                "'\u{2018}\u{2019}\u{201a}\u{201b}'",
                "'\u{2018}\u{2018}\u{2019}\u{2019}\u{201a}\u{201a}\u{201b}\u{201b}'",
                Ok("'\u{2018}\u{2019}\u{201a}\u{201b}'"),
            ),
            ("$(id) `id` $X", "'$(id) `id` $X'", "'$(id) `id` $X'", "'$(id) `id` $X'", Ok("'$(id) `id` $X'")),
            ("${HOME}", "'${HOME}'", "'${HOME}'", "'${HOME}'", Err(Unquotable::Dotenv("'${'"))),
            ("a b\"c#d", "'a b\"c#d'", "'a b\"c#d'", "'a b\"c#d'", Ok("'a b\"c#d'")),
            ("l1\nl2", "'l1\nl2'", "'l1\nl2'", "'l1\nl2'", Err(Unquotable::Dotenv("a line break"))),
            ("cr\r", "'cr\r'", "'cr\r'", "'cr\r'", Err(Unquotable::Dotenv("a carriage return"))),
            ("=ls", "'=ls'", "'=ls'", "'=ls'", Ok("'=ls'")),
            // zsh expands `=cmd` after a `:` in an assignment too (found by the round trip).
            (":=0", "':=0'", "':=0'", "':=0'", Ok("':=0'")),
            ("a==", "'a=='", "'a=='", "'a=='", Ok("a==")),
            ("\x1b[2J\x7f", "'\x1b[2J\x7f'", "'\x1b[2J\x7f'", "'\x1b[2J\x7f'", Ok("'\x1b[2J\x7f'")),
        ];
        for (v, sh, fi, ps, de) in cases {
            assert_eq!(posix(v).as_deref(), Ok(*sh), "posix {v:?}");
            assert_eq!(fish(v).as_deref(), Ok(*fi), "fish {v:?}");
            assert_eq!(pwsh(v).as_deref(), Ok(*ps), "pwsh {v:?}");
            assert_eq!(dotenv(v).as_deref().map_err(|e| *e), *de, "dotenv {v:?}");
        }
    }

    #[test]
    fn refuses_nul_everywhere() {
        for quote in [posix, fish, pwsh, dotenv] {
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
