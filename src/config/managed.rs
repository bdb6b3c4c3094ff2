//! The block of the AWS config file that rolecall owns (`setup profiles`):
//! between `# BEGIN rolecall managed profiles` and `# END rolecall managed
//! profiles`. Replacing it leaves every byte outside it as it was. Pure text
//! work; writing the file is [`super::edit`]'s.

/// The line that opens the block.
pub const BEGIN: &str = "# BEGIN rolecall managed profiles";
/// The line that closes the block.
pub const END: &str = "# END rolecall managed profiles";

/// The block's byte range in `text`, from the start of its BEGIN line to
/// the end of its END line (newline included); `None` when there is none.
/// Markers out of order, repeated or alone are an error naming them.
pub fn find(text: &str) -> Result<Option<std::ops::Range<usize>>, String> {
    let mut begin = None;
    let mut range = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']).trim_end();
        if bare == BEGIN {
            if begin.is_some() || range.is_some() {
                return Err(format!("'{BEGIN}' appears twice; remove one block by hand"));
            }
            begin = Some(at);
        } else if bare == END {
            match begin.take() {
                Some(b) if range.is_none() => range = Some(b..at + line.len()),
                _ => return Err(format!("'{END}' has no '{BEGIN}' before it (or appears twice)")),
            }
        }
        at += line.len();
    }
    if begin.is_some() {
        return Err(format!("'{BEGIN}' has no '{END}' after it"));
    }
    Ok(range)
}

/// The profile names of the `[profile NAME]` (or `[NAME]`) headers in `text`.
pub fn profile_names(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(str::trim))
        .map(|h| h.strip_prefix("profile").filter(|r| r.starts_with([' ', '\t'])).map_or(h, str::trim).to_owned())
        .collect()
}

/// `text` with its block replaced by one holding `body` (stanzas, each
/// ending in a newline), or the block appended when there is none; an empty
/// `body` removes the block.
pub fn replace(text: &str, body: &str) -> Result<String, String> {
    let block = if body.is_empty() { String::new() } else { format!("{BEGIN}\n{body}{END}\n") };
    Ok(match find(text)? {
        Some(range) => {
            let mut out = String::with_capacity(text.len() + block.len());
            out.push_str(&text[..range.start]);
            out.push_str(&block);
            out.push_str(&text[range.end..]);
            out
        }
        None if block.is_empty() => text.to_owned(),
        None => {
            let mut out = text.to_owned();
            if !out.is_empty() {
                if !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push('\n');
            }
            out.push_str(&block);
            out
        }
    })
}

/// The text inside the block (between the markers), empty when there is none.
pub fn body(text: &str) -> Result<&str, String> {
    Ok(match find(text)? {
        Some(range) => {
            let inner = &text[range];
            let start = inner.find('\n').map_or(inner.len(), |i| i + 1);
            let end = inner.trim_end_matches(['\n', '\r']).rfind('\n').map_or(start, |i| i + 1).max(start);
            &inner[start..end]
        }
        None => "",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = "[default]\nregion = eu-west-1\n\n[profile mine]\nrole_arn = x\n";

    #[test]
    fn the_block_is_added_replaced_and_removed_leaving_the_rest() {
        let one = replace(USER, "[profile rc-a]\ncredential_process = rc a\n").unwrap();
        assert_eq!(
            one,
            format!("{USER}\n{BEGIN}\n[profile rc-a]\ncredential_process = rc a\n{END}\n"),
            "appended after a blank line"
        );
        let with_tail = format!("{one}\n[profile later]\nregion = x\n");
        let two = replace(&with_tail, "[profile rc-b]\n").unwrap();
        assert_eq!(two, format!("{USER}\n{BEGIN}\n[profile rc-b]\n{END}\n\n[profile later]\nregion = x\n"));
        assert_eq!(body(&two).unwrap(), "[profile rc-b]\n");
        let gone = replace(&two, "").unwrap();
        assert_eq!(gone, format!("{USER}\n\n[profile later]\nregion = x\n"));
        assert_eq!(replace(USER, "").unwrap(), USER);
        assert_eq!(replace("", "[profile a]\n").unwrap(), format!("{BEGIN}\n[profile a]\n{END}\n"));
        assert_eq!(body(USER).unwrap(), "");
        assert_eq!(body(&format!("{BEGIN}\n{END}\n")).unwrap(), "");
    }

    #[test]
    fn broken_markers_are_refused() {
        let rows = [
            format!("{BEGIN}\n[profile a]\n"),
            format!("{END}\n"),
            format!("{BEGIN}\n{END}\n{BEGIN}\n{END}\n"),
            format!("{BEGIN}\n{BEGIN}\n{END}\n"),
        ];
        for text in rows {
            assert!(find(&text).is_err(), "{text:?}");
            assert!(replace(&text, "x\n").is_err(), "{text:?}");
        }
    }

    #[test]
    fn profile_names_from_headers() {
        let text = "[default]\n[profile a-b]\n[ profile  c ]\n[profiles]\n# [profile no]\nkey = [x]\n";
        assert_eq!(profile_names(text), ["default", "a-b", "c", "profiles"]);
    }
}
