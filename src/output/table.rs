//! Plain-text tables for listings: columns padded to their widest cell, two
//! spaces apart, the last column not padded.

use std::borrow::Cow;

use crate::text::{clean, width};

/// Renders `header` and `rows` as aligned text, one line each. Cells often
/// come from AWS or the user's files, so each is passed through
/// [`crate::text::clean`]: a control character or bidi override is shown
/// escaped, never sent to the terminal, and a cell never spans lines.
pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let header = header.map(clean);
    let rows: Vec<[Cow<'_, str>; N]> = rows.iter().map(|row| std::array::from_fn(|i| clean(&row[i]))).collect();
    let mut widths = header.each_ref().map(|h| width(h));
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    let line_len: usize = widths.iter().sum::<usize>() + 2 * N + 1;
    let mut out = String::with_capacity((rows.len() + 1) * line_len);
    let mut line = |cols: &mut dyn Iterator<Item = &str>| {
        for (i, (c, w)) in cols.zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(c.trim_end());
            } else {
                out.push_str(c);
                out.extend(std::iter::repeat_n(' ', w - width(c) + 2));
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().map(|h| h.as_ref()));
    for row in &rows {
        line(&mut row.iter().map(|c| c.as_ref()));
    }
    out
}

/// Like [`render`] for rows made on demand: `cells(i)` gives row `i`, and is
/// called twice per row (once to measure, once to write), so no row is kept:
/// listings of thousands of targets stay small in memory.
pub fn render_with<'a, const N: usize>(
    header: [&str; N],
    rows: usize,
    cells: impl Fn(usize) -> [Cow<'a, str>; N],
) -> String {
    let mut widths = header.map(width);
    for i in 0..rows {
        for (w, c) in widths.iter_mut().zip(cells(i)) {
            *w = (*w).max(width(&clean(&c)));
        }
    }
    let line_len: usize = widths.iter().sum::<usize>() + 2 * N + 1;
    let mut out = String::with_capacity((rows + 1) * line_len);
    let mut line = |cols: [Cow<'_, str>; N]| {
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let c = clean(c);
            if i + 1 == N {
                out.push_str(c.trim_end());
            } else {
                out.push_str(&c);
                out.extend(std::iter::repeat_n(' ', w - width(&c) + 2));
            }
        }
        out.push('\n');
    };
    line(header.map(Cow::Borrowed));
    for i in 0..rows {
        line(cells(i));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_made_on_demand_render_the_same() {
        let rows = [
            ["a".to_owned(), "bbb".to_owned(), "x\u{1b} ".to_owned()],
            ["cc".to_owned(), "d".to_owned(), "y".to_owned()],
        ];
        let on_demand = super::render_with(["H1", "H2", "H3"], rows.len(), |i| {
            rows[i].each_ref().map(|c| std::borrow::Cow::Borrowed(c.as_str()))
        });
        assert_eq!(on_demand, super::render(["H1", "H2", "H3"], &rows));
    }

    #[test]
    fn aligns_columns() {
        let rows =
            [["a".to_owned(), "bbb".to_owned(), "x ".to_owned()], ["cc".to_owned(), "d".to_owned(), "y".to_owned()]];
        assert_eq!(super::render(["H1", "H2", "H3"], &rows), "H1  H2   H3\na   bbb  x\ncc  d    y\n");
    }

    #[test]
    fn cells_cannot_drive_the_terminal() {
        // (cell, as printed): the escapes are visible and the columns still line up.
        let cases = [
            ("\x1b]0;owned\x07", "\\u{1b}]0;owned\\u{7}"),
            ("\x1b[2J", "\\u{1b}[2J"),
            ("two\nlines", "two\\nlines"),
            ("\u{202e}nimda", "\\u{202e}nimda"),
            ("\u{9b}31m", "\\u{9b}31m"),
        ];
        for (cell, shown) in cases {
            let rows = [[cell.to_owned(), "z".to_owned()], ["b".to_owned(), cell.to_owned()]];
            let pad = " ".repeat(shown.chars().count() + 1);
            assert_eq!(super::render(["H", "V"], &rows), format!("H{pad}V\n{shown}  z\nb{pad}{shown}\n"), "{cell:?}");
        }
    }
}
