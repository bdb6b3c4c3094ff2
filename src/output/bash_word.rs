//! The word being completed on a bash command line, and target ids written
//! so that readline puts exactly that id on the line: bash's completion
//! inserts each candidate as it is given (no `-o filenames`, whose display
//! code expands `$…` in a candidate), so the quoting is done here. No I/O.
//!
//! readline replaces the text it hands the completion function (`$2`: the
//! end of the word, after an opening quote or an unquoted word-break
//! character) with the candidate, then for a single match closes the quote
//! it found. So a candidate is the rest of the id after what the word
//! before that text already says, quoted for the quote in force there.

/// The quoting in force at a point of a typed word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quote {
    /// Outside quotes: a backslash quotes the next character.
    Bare,
    /// Inside `'…'`: nothing is special but `'`.
    Single,
    /// Inside `"…"`: `$`, `` ` ``, `"`, `\` and `!` are special.
    Double,
}

/// What a typed piece of a word means: its value with the quoting removed,
/// and the quote in force at its end.
fn dequote(typed: &str) -> (String, Quote) {
    let mut value = String::with_capacity(typed.len());
    let mut state = Quote::Bare;
    let mut chars = typed.chars().peekable();
    while let Some(c) = chars.next() {
        match (state, c) {
            (Quote::Bare, '\\') => {
                // A trailing lone backslash quotes what is not typed yet.
                if let Some(next) = chars.next().filter(|n| *n != '\n') {
                    value.push(next);
                }
            }
            (Quote::Bare, '\'') => state = Quote::Single,
            (Quote::Bare, '"') | (Quote::Double, '"') => {
                state = if state == Quote::Bare { Quote::Double } else { Quote::Bare };
            }
            (Quote::Single, '\'') => state = Quote::Bare,
            (Quote::Double, '\\') => match chars.peek() {
                Some(&n) if matches!(n, '$' | '`' | '"' | '\\') => {
                    value.push(n);
                    chars.next();
                }
                Some('\n') => {
                    chars.next();
                }
                Some(_) => value.push('\\'),
                None => {}
            },
            (_, c) => value.push(c),
        }
    }
    (value, state)
}

/// The start of the last shell word of `line` (where an unquoted blank or
/// control operator ends the one before).
fn last_word(line: &str) -> &str {
    let mut start = 0;
    let mut state = Quote::Bare;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (state, c) {
            (Quote::Bare | Quote::Double, '\\') => escaped = true,
            (Quote::Bare, '\'') => state = Quote::Single,
            (Quote::Bare, '"') => state = Quote::Double,
            (Quote::Single, '\'') | (Quote::Double, '"') => state = Quote::Bare,
            (Quote::Bare, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>') => start = i + c.len_utf8(),
            _ => {}
        }
    }
    &line[start..]
}

/// Characters written bare: everything else gets a backslash outside quotes.
/// None of these is special to bash or one of readline's word-break
/// characters (bash gives no character beyond ASCII a meaning).
fn bare_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '+' | ',' | '%') || !c.is_ascii()
}

/// `rest` written for the quote in force, staying in that quote.
fn quote(rest: &str, state: Quote) -> String {
    let mut out = String::with_capacity(rest.len() * 2);
    for c in rest.chars() {
        match state {
            Quote::Bare if bare_safe(c) => out.push(c),
            Quote::Bare => {
                out.push('\\');
                out.push(c);
            }
            Quote::Single if c == '\'' => out.push_str(r"'\''"),
            Quote::Single => out.push(c),
            // History expansion sees `!` inside double quotes and keeps a backslash before it.
            Quote::Double if c == '!' => out.push_str(r#""'!'""#),
            Quote::Double if matches!(c, '$' | '`' | '"' | '\\') => {
                out.push('\\');
                out.push(c);
            }
            Quote::Double => out.push(c),
        }
    }
    out
}

/// A word being completed in bash: built from the line up to the cursor
/// and readline's text (`$2` of the completion function).
#[derive(Debug)]
pub struct Completing {
    /// What the whole word up to the cursor means: the prefix ids must have.
    prefix: String,
    /// What the part before readline's text means.
    kept: String,
    /// The quote in force where readline's text starts.
    state: Quote,
}

impl Completing {
    /// `line`: the command line up to the cursor; `text`: readline's text,
    /// which ends it. When `text` does not end `line`'s last word, the whole
    /// word is taken as the text.
    pub fn new(line: &str, text: &str) -> Self {
        let word = last_word(line);
        let before = word.strip_suffix(text).unwrap_or("");
        let (prefix, _) = dequote(word);
        let (kept, state) = dequote(before);
        Self { prefix, kept, state }
    }

    /// The prefix the typed word stands for (quotes removed).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The candidate that makes readline's word `id`; `None` when `id` does
    /// not continue the word, or holds a control character (no quoting keeps
    /// one on a readline line as it is: such an id is not offered).
    pub fn candidate(&self, id: &str) -> Option<String> {
        if id.chars().any(char::is_control) || !id.starts_with(self.prefix.as_str()) {
            return None;
        }
        id.strip_prefix(self.kept.as_str()).map(|rest| quote(rest, self.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequote_table() {
        let rows: &[(&str, &str, Quote)] = &[
            ("abc", "abc", Quote::Bare),
            (r"Acme\ P", "Acme P", Quote::Bare),
            ("'Acme P", "Acme P", Quote::Single),
            ("\"Acme P", "Acme P", Quote::Double),
            (r#""a\$b\"c\x"#, "a$b\"c\\x", Quote::Double),
            ("a'b'c", "abc", Quote::Bare),
            (r"a'\'", r"a\", Quote::Bare),
            (r"x\", "x", Quote::Bare),
            ("", "", Quote::Bare),
        ];
        for (typed, value, state) in rows {
            assert_eq!(dequote(typed), ((*value).to_owned(), *state), "{typed:?}");
        }
    }

    #[test]
    fn last_word_table() {
        let rows = [
            ("rolecall exec ", ""),
            ("rolecall exec pr", "pr"),
            (r"rolecall exec Acme\ P", r"Acme\ P"),
            ("rolecall exec 'a b; c", "'a b; c"),
            ("x; rolecall exec \"a|b", "\"a|b"),
            ("rolecall exec a=b", "a=b"),
        ];
        for (line, word) in rows {
            assert_eq!(last_word(line), word, "{line:?}");
        }
    }

    #[test]
    fn candidates_continue_the_word_in_its_quote() {
        let id = "prod ${HOME:+$(touch /tmp/x)}/Admin";
        let rows: &[(&str, &str, Option<&str>)] = &[
            ("rolecall exec ", "", Some(r"prod\ \$\{HOME\:+\$\(touch\ /tmp/x\)\}/Admin")),
            ("rolecall exec 'pr", "pr", Some("prod ${HOME:+$(touch /tmp/x)}/Admin")),
            ("rolecall exec \"pr", "pr", Some(r#"prod \${HOME:+\$(touch /tmp/x)}/Admin"#)),
            (r"rolecall exec prod\ \$", r"prod\ \$", Some(r"prod\ \$\{HOME\:+\$\(touch\ /tmp/x\)\}/Admin")),
            // readline's text starts after an unquoted word-break character.
            ("rolecall exec prod\\ ${HOME:", "", Some(r"+\$\(touch\ /tmp/x\)\}/Admin")),
            ("rolecall exec dev", "dev", None),
        ];
        for (line, text, want) in rows {
            let c = Completing::new(line, text);
            assert_eq!(c.candidate(id).as_deref(), *want, "{line:?} {text:?}");
        }
        let c = Completing::new("rolecall exec 'it", "it");
        assert_eq!(c.candidate("it's!/A").as_deref(), Some(r"it'\''s!/A"));
        let c = Completing::new("rolecall exec \"it", "it");
        assert_eq!(c.candidate("it's!/A").as_deref(), Some(r#"it's"'!'"/A"#));
        let c = Completing::new("rolecall exec ", "");
        assert_eq!(c.candidate("tab\there"), None);
        assert_eq!(c.candidate("ünï a/A").as_deref(), Some("ünï\\ a/A"));
    }
}
