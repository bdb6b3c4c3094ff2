//! Plain-text tables for listings: columns padded to their widest cell, two
//! spaces apart, the last column not padded.

/// Renders `header` and `rows` as aligned text, one line each.
pub fn render<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &mut dyn Iterator<Item = &str>| {
        for (i, (c, w)) in cols.zip(widths).enumerate() {
            if i + 1 == N {
                out.push_str(c.trim_end());
            } else {
                out.push_str(c);
                out.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn aligns_columns() {
        let rows =
            [["a".to_owned(), "bbb".to_owned(), "x ".to_owned()], ["cc".to_owned(), "d".to_owned(), "y".to_owned()]];
        assert_eq!(super::render(["H1", "H2", "H3"], &rows), "H1  H2   H3\na   bbb  x\ncc  d    y\n");
    }
}
