//! Drawing the target list: which columns fit the width (the id, then the
//! account id, a note and the kind), one row per target, and the id with
//! the search's matched characters highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::app::{App, Grouping, Pane};
use super::theme::Theme;
use crate::time::left_label as time_left;

/// `text` cut or padded to exactly `width` characters (an ellipsis marks a cut).
fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        format!("{text}{}", " ".repeat(width - n))
    } else {
        let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A group label (`acme /Workloads/Prod`) in `width` characters: when it is
/// too long, its most specific end after a '/' (`…/Prod`), else cut.
fn fit_path(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return fit(text, width);
    }
    let tail =
        text.char_indices().filter(|&(_, c)| c == '/').map(|(i, _)| &text[i..]).find(|t| t.chars().count() < width);
    match tail {
        Some(t) => fit(&format!("…{t}"), width),
        None => fit(text, width),
    }
}

pub(super) fn draw_list(frame: &mut Frame, app: &mut App, theme: &Theme, area: Rect) {
    let title = match app.grouping {
        Grouping::Ou => " targets · by OU ",
        Grouping::Source => " targets · by source ",
    };
    let border = if app.pane == Pane::List { theme.accent } else { theme.dim };
    let block = Block::default().borders(Borders::TOP).title(Span::styled(title, border));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let width = usize::from(inner.width);
    let cols = Columns::at(app, width);
    let id_width = cols.id;
    let rows = usize::from(inner.height);
    let start = app.offset.min(app.visible.len());
    let end = (start + rows).min(app.visible.len());
    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    let mut last_group: Option<String> =
        start.checked_sub(1).and_then(|p| app.visible.get(p)).map(|&i| app.group_of(&app.items()[i]).to_owned());
    for pos in start..end {
        let index = app.visible[pos];
        let matches = app.matches(index);
        let item = &app.items()[index];
        let group = app.group_of(item).to_owned();
        // Grouped: a group's name on its first row. Searching: every row's, for context.
        let first_of_group = last_group.as_deref() != Some(group.as_str()) || pos == start;
        let new_group = app.query.is_empty() && last_group.as_deref() != Some(group.as_str());
        last_group = Some(group.clone());
        let selected = pos == app.selected;
        let mut spans = Vec::new();
        let marker = if app.marks.is_marked(&item.id) {
            "●"
        } else if app.favourites.contains(&item.id) {
            "★"
        } else if new_group {
            "▸"
        } else {
            " "
        };
        spans.push(Span::styled(marker, if marker == "●" { theme.accent } else { theme.dim }));
        spans.extend(highlight(&item.id, &matches, id_width, theme, item.assumable));
        // What the id does not say already: the account id (what people copy
        // and search for), the kind, and the account's name when the id does
        // not start with it (a profile of an organisation account), else the
        // group (OU path or source): on a group's first row, or every row's
        // while searching.
        if cols.account {
            spans.push(Span::styled(format!(" {:<12}", item.account.as_deref().unwrap_or("")), theme.dim));
        }
        if cols.kind {
            spans.push(Span::styled(format!(" {:<7}", item.kind), theme.dim));
        }
        if cols.note > 0 {
            let note = match item.account_name.as_deref() {
                Some(name) if !item.id.starts_with(name) => fit(name, cols.note - 1),
                _ if first_of_group || !app.query.is_empty() => fit_path(&group, cols.note - 1),
                _ => fit("", cols.note - 1),
            };
            spans.push(Span::styled(format!(" {note}"), theme.dim));
        }
        spans.push(Span::raw(" "));
        let mfa = if item.mfa { "mfa " } else { "    " };
        spans.push(Span::styled(mfa, theme.mfa));
        let left = app.cached.get(&item.id).map(|&e| e.saturating_sub(app.now)).filter(|&s| s > 0);
        spans.push(Span::styled(format!("{:>6}", left.map(time_left).unwrap_or_default()), theme.ok));
        if selected {
            // One uniform bar for the selection; matched characters stay emphasised.
            for span in &mut spans {
                let matched = span.style == theme.matched;
                span.style = if matched { theme.selected.patch(theme.matched) } else { theme.selected };
            }
            let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
            spans.push(Span::styled(" ".repeat(width.saturating_sub(used)), theme.selected));
        }
        lines.push(Line::from(spans));
    }
    if app.visible.is_empty() {
        lines.push(Line::from(Span::styled("nothing matches; Esc clears the search", theme.dim)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The list's columns at a width: the id as wide as the longest id (up to
/// 56), then, while they fit, the account id, a note (the account's name or
/// the group) and the kind. Each row also has a marker, a gap, MFA and
/// time left (1 + 1 + 4 + 6).
struct Columns {
    /// Width of the id.
    id: usize,
    /// The 12-digit account id (13 with its gap).
    account: bool,
    /// The kind: profile, org, sso (8 with its gap).
    kind: bool,
    /// Width of the note with its gap, 0 when not shown.
    note: usize,
}

impl Columns {
    fn at(app: &App, width: usize) -> Self {
        const TAIL: usize = 1 + 1 + 4 + 6;
        let longest = app.items().iter().map(|i| i.id_chars).max().unwrap_or(0).clamp(12, 56);
        let mut left = width.saturating_sub(TAIL);
        let id = longest.min(left);
        left -= id;
        let account = left >= 13;
        if account {
            left -= 13;
        }
        // The note before the kind: it may be the account's name, which the row says nowhere else.
        let (note, kind) = match left {
            n if n >= 9 + 8 => ((n - 8).min(33), true),
            n if n >= 9 => (n.min(33), false),
            n => (0, n >= 8),
        };
        Self { id, account, kind, note }
    }
}

/// The id, cut to `width`, with matched characters highlighted.
fn highlight<'a>(id: &str, matches: &[usize], width: usize, theme: &Theme, assumable: bool) -> Vec<Span<'a>> {
    let base = if assumable { theme.text } else { theme.dim };
    let mut spans = Vec::new();
    let chars: Vec<char> = id.chars().collect();
    let shown = chars.len().min(width);
    let mut run = String::new();
    let mut run_matched = false;
    for (i, c) in chars.iter().take(shown).enumerate() {
        let m = matches.binary_search(&i).is_ok();
        if m != run_matched && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), if run_matched { theme.matched } else { base }));
        }
        run_matched = m;
        run.push(if i + 1 == shown && chars.len() > width { '…' } else { *c });
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_matched { theme.matched } else { base }));
    }
    spans.push(Span::raw(" ".repeat(width.saturating_sub(shown))));
    spans
}

#[cfg(test)]
mod tests {
    #[test]
    fn group_labels_keep_their_specific_end() {
        assert_eq!(super::fit_path("acme /Workloads/Prod", 13), "…/Prod       ");
        assert_eq!(super::fit_path("acme /Workloads/Prod", 20), "acme /Workloads/Prod");
        assert_eq!(super::fit_path("acme /Workloads/Prod", 17), "…/Workloads/Prod ");
        assert_eq!(super::fit_path("profiles-and-more", 9), "profiles…");
    }
}
