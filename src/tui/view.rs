//! Drawing the app: search line, target list, details pane, dialogs, status line.
//! Pure functions of the state; the same code draws to the terminal and to tests.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Modal, Mode, Pane};
use super::rows;
use super::theme::Theme;
use crate::config::keys::{Action, Context};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Where the list is on screen as [`draw`] lays it out for `app` (the status
/// at the bottom takes one to three lines): (rows of targets, first screen
/// row), for the app's paging and clicks.
pub fn list_geometry(area: Rect, app: &App) -> (u16, u16) {
    let status = status_lines(app, usize::from(area.width)).len().max(1) as u16;
    let [_, list, _] = areas_with_status(area, status);
    (list.height.saturating_sub(1), list.y + 1)
}

fn areas_with_status(area: Rect, status_lines: u16) -> [Rect; 3] {
    Layout::vertical([Constraint::Length(1), Constraint::Min(1), Constraint::Length(status_lines)]).areas(area)
}

/// Most lines a long status message takes at the bottom (the rest is cut with '…').
const STATUS_LINES: usize = 3;

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, app: &mut App, theme: &Theme) {
    let area = frame.area();
    let status_text = status_lines(app, usize::from(area.width));
    let [search, body, status] = areas_with_status(area, status_text.len().max(1) as u16);
    draw_search(frame, app, theme, search);
    // The details pane needs width; on narrow terminals it takes the list's place when focused.
    let wide = body.width >= 100;
    if app.items().is_empty() {
        draw_first_run(frame, app, theme, body);
    } else if wide {
        let [list, details] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(body);
        rows::draw_list(frame, app, theme, list);
        draw_details(frame, app, theme, details);
    } else if app.pane == Pane::Details {
        draw_details(frame, app, theme, body);
    } else {
        rows::draw_list(frame, app, theme, body);
    }
    draw_status(frame, app, theme, status, status_text);
    if let Some(modal) = app.modal.clone() {
        draw_modal(frame, app, theme, &modal, area);
    }
}

fn draw_search(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    if let Some(line) = &app.marks.prompt {
        return draw_command_line(frame, line, theme, area);
    }
    let prompt = if app.mode == Mode::Pick { "pick › " } else { "› " };
    let marked = match app.marks.marked.len() {
        0 => String::new(),
        n => format!(" {n} marked ·"),
    };
    let count = format!("{marked} {}/{}", app.visible.len(), app.items().len());
    let mut spans = vec![Span::styled(prompt, theme.accent), Span::styled(app.query.clone(), theme.text)];
    if app.query.is_empty() {
        spans.push(Span::styled("type to search accounts, roles, ids, OUs, tags", theme.dim));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let pad = usize::from(area.width).saturating_sub(used + count.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(count, theme.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if app.modal.is_none() {
        let x = area.x + (prompt.chars().count() + app.cursor.min(app.query.chars().count())) as u16;
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The one-line prompt for the command to run on the marked targets.
fn draw_command_line(frame: &mut Frame, line: &super::marks::CommandLine, theme: &Theme, area: Rect) {
    let prompt = format!("run on {} › ", line.targets.len());
    let mut spans = vec![Span::styled(prompt.clone(), theme.mfa), Span::styled(line.text.clone(), theme.text)];
    match &line.error {
        Some(e) => spans.push(Span::styled(format!("  {e}"), theme.error)),
        None if line.text.is_empty() => {
            spans.push(Span::styled("command and arguments · enter runs · esc cancels", theme.dim))
        }
        None => {}
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let x = area.x + (prompt.chars().count() + line.cursor.min(line.text.chars().count())) as u16;
    frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
}

use crate::time::left_label as time_left;

/// No target at all: the whole body says where rolecall looked and the ways
/// in, wrapped (a long path or line goes on below, it is not cut).
fn draw_first_run(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let block = Block::default().borders(Borders::TOP).title(Span::styled(" no targets ", theme.accent));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let text = app.first_run.as_deref().unwrap_or("No targets: add a profile to the AWS config file.");
    let lines: Vec<Line<'_>> = crate::service::first_run::wrapped(text, usize::from(inner.width))
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.text)))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn field<'a>(label: &'a str, value: String, theme: &Theme) -> Line<'a> {
    Line::from(vec![Span::styled(format!("{label:<10}"), theme.dim), Span::styled(value, theme.text)])
}

/// A label and its value; a value too long for the line goes below the label, cut into lines.
fn kv(lines: &mut Vec<Line<'static>>, label: &str, value: String, width: usize, theme: &Theme) {
    const LABEL: usize = 10;
    if LABEL + value.chars().count() <= width || width <= LABEL + 4 {
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<LABEL$}"), theme.dim),
            Span::styled(value, theme.text),
        ]));
        return;
    }
    lines.push(Line::from(Span::styled(label.to_owned(), theme.dim)));
    for piece in wrap(&value, width.saturating_sub(2).max(1)) {
        lines.push(Line::from(Span::styled(format!("  {piece}"), theme.text)));
    }
}

/// `text` in lines of at most `width` characters, broken after a `:`, `/`
/// or space where one is near (so an ARN breaks between its parts, not
/// inside a name), else at the width.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    while chars.len() - start > width {
        let window = &chars[start..start + width];
        // Break after the last separator in the window, unless that leaves the line mostly empty.
        let cut = match window.iter().rposition(|c| matches!(c, ':' | '/' | ' ' | '-' | '>')) {
            Some(i) if i + 1 >= width / 3 => i + 1,
            _ => width,
        };
        out.push(chars[start..start + cut].iter().collect());
        start += cut;
    }
    out.push(chars[start..].iter().collect());
    out
}

fn draw_details(frame: &mut Frame, app: &App, theme: &Theme, area: Rect) {
    let border = if app.pane == Pane::Details { theme.accent } else { theme.dim };
    let block = Block::default().borders(Borders::TOP | Borders::LEFT).title(Span::styled(" details ", border));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(item) = app.selected_item() else { return };
    let w = usize::from(inner.width);
    let mut lines: Vec<Line<'static>> = vec![Line::from(Span::styled(item.id.clone(), theme.accent))];
    if let Some(name) = &item.account_name {
        kv(&mut lines, "account", format!("{name} ({})", item.account.as_deref().unwrap_or("")), w, theme);
    }
    if item.account_name.is_some() {
        kv(&mut lines, "ou", item.ou_group.clone(), w, theme);
    }
    if let Some(state) = &item.state {
        kv(&mut lines, "state", state.clone(), w, theme);
    }
    // While the selected row's describe is pending, the previous row's
    // details stay in place, dimmed: a fast answer then changes values, not
    // the pane's shape (no blank flash), and a slow one reads as not yet known.
    let shown = app.shown_details();
    let details = shown.map(|(d, _)| d);
    kv(&mut lines, "role", item.role_arn.clone().unwrap_or_else(|| "-".into()), w, theme);
    let chain = match shown {
        Some((d, true)) => d.chain.clone(),
        _ => item.chain(),
    };
    kv(&mut lines, "chain", chain, w, theme);
    let described = lines.len();
    if let Some(d) = details {
        if let Some(dev) = &d.mfa_device {
            let when = if d.needs_code { "code needed" } else { "MFA session stored" };
            kv(&mut lines, "mfa", format!("{dev} ({when})"), w, theme);
        }
        if let Some(x) = &d.external_id {
            kv(&mut lines, "extern id", x.clone(), w, theme);
        }
        if let (Some(req), Some(eff)) = (d.requested_duration, d.effective_duration) {
            let text = if req == eff {
                time_left(u64::from(eff))
            } else {
                format!("{} (asked {})", time_left(u64::from(eff)), time_left(u64::from(req)))
            };
            kv(&mut lines, "duration", text, w, theme);
        }
        if let Some(note) = &d.duration_note {
            lines.push(Line::from(Span::styled(note.clone(), theme.dim)));
        }
        kv(&mut lines, "region", d.region.clone(), w, theme);
        if let Some((arn, exp)) = &d.cached {
            kv(&mut lines, "cached", format!("{} left", time_left(exp.saturating_sub(app.now))), w, theme);
            kv(&mut lines, "as", arn.clone(), w, theme);
        }
        if let Some(e) = &d.error {
            lines.push(Line::from(Span::styled(e.clone(), theme.error)));
        }
    } else if let Some(region) = &item.region {
        kv(&mut lines, "region", region.clone(), w, theme);
    }
    if matches!(shown, Some((_, false))) {
        for line in &mut lines[described..] {
            *line = std::mem::take(line).patch_style(theme.dim);
        }
    }
    if !item.tags.is_empty() {
        kv(&mut lines, "tags", item.tags.clone(), w, theme);
    }
    if let Some(e) = &item.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error)));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The status message with the spinner before it, broken into at most
/// [`STATUS_LINES`] lines of `width` characters; empty when there is none.
fn status_lines(app: &App, width: usize) -> Vec<String> {
    let Some(status) = &app.status else { return Vec::new() };
    let spinner = if app.refreshing {
        format!("{} refreshing accounts  ", SPINNER[app.spinner % SPINNER.len()])
    } else {
        String::new()
    };
    wrap_at_most(&format!("{spinner}{status}"), width, STATUS_LINES)
}

/// `text` wrapped to `width` (see [`wrap`]) in at most `max` lines, the last
/// ending in '…' when something was left out.
fn wrap_at_most(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().flat_map(|l| wrap(l, width.max(1))).collect();
    if lines.len() > max {
        lines.truncate(max);
        if let Some(last) = lines.last_mut() {
            let mut cut: String = last.trim_end().chars().take(width.saturating_sub(1)).collect();
            cut.push('…');
            *last = cut;
        }
    }
    lines
}

fn draw_status(frame: &mut Frame, app: &App, theme: &Theme, area: Rect, text: Vec<String>) {
    if !text.is_empty() {
        let lines: Vec<Line> = text.into_iter().map(|l| Line::from(Span::styled(l, theme.text))).collect();
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    let mut spans = Vec::new();
    if app.refreshing {
        spans.push(Span::styled(format!("{} refreshing accounts  ", SPINNER[app.spinner % SPINNER.len()]), theme.dim));
    }
    // The keys of the user's bindings (the first of each: the line is short).
    let actions: &[(Action, &str)] = if app.mode == Mode::Pick {
        &[(Action::AssumeSelected, "pick"), (Action::Back, "quit"), (Action::Help, "help")]
    } else if !app.marks.marked.is_empty() {
        &[
            (Action::RunMarked, "run on the marked"),
            (Action::ToggleMark, "mark"),
            (Action::ClearMarks, "unmark all"),
            (Action::Help, "help"),
        ]
    } else {
        &[
            (Action::AssumeSelected, "assume"),
            (Action::SwitchPane, "details"),
            (Action::ToggleGrouping, "group"),
            (Action::ToggleFavourite, "★"),
            (Action::Help, "help"),
        ]
    };
    let hint: Vec<String> =
        key_hints(app, Context::List, actions, 1).into_iter().map(|(keys, label)| format!("{keys} {label}")).collect();
    let mut hint = hint.join(" · ");
    if let Some(first) = hint.find(" · ").filter(|_| app.marks.marked.is_empty()) {
        hint.insert_str(first, " · ↑↓ move");
    }
    spans.push(Span::styled(hint, theme.dim));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// For each action with a key in `context`: its first `most` keys joined by
/// '/', and its label. An action the user left without a key is left out.
fn key_hints<'a>(app: &App, context: Context, actions: &[(Action, &'a str)], most: usize) -> Vec<(String, &'a str)> {
    actions
        .iter()
        .filter_map(|&(action, label)| {
            let keys = app.keymap.keys_for(context, action);
            let shown: Vec<String> = keys.iter().take(most).map(ToString::to_string).collect();
            (!shown.is_empty()).then(|| (shown.join("/"), label))
        })
        .collect()
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

fn dialog<'a>(title: &'a str, style: Style) -> Block<'a> {
    Block::default().borders(Borders::ALL).border_type(BorderType::Rounded).title(Span::styled(title, style))
}

fn draw_modal(frame: &mut Frame, app: &App, theme: &Theme, modal: &Modal, area: Rect) {
    match modal {
        Modal::Help => {
            let mut lines = Vec::new();
            for (context, key, action) in app.keymap.bindings() {
                lines.push(Line::from(vec![
                    Span::styled(format!("{key:>10} "), theme.accent),
                    Span::styled(action.describe(), theme.text),
                    Span::styled(if context == "result" { "  (after assume)" } else { "" }, theme.dim),
                ]));
            }
            lines.push(Line::from(Span::styled("type to search · any key closes", theme.dim)));
            let rect = centered(area, 60, lines.len() as u16 + 2);
            frame.render_widget(Clear, rect);
            frame.render_widget(Paragraph::new(lines).block(dialog(" keys ", theme.accent)), rect);
        }
        Modal::Mfa { target, device, input, error } => {
            let dots: String = (0..6).map(|i| input.chars().nth(i).unwrap_or('·')).collect();
            let mut lines = vec![
                Line::from(vec![Span::styled("assume ", theme.dim), Span::styled(target.clone(), theme.text)]),
                Line::from(vec![Span::styled("device ", theme.dim), Span::styled(device.clone(), theme.text)]),
                Line::from(""),
                Line::from(vec![Span::styled("code   ", theme.dim), Span::styled(dots, theme.accent)]),
            ];
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(e.clone(), theme.error)));
            }
            lines.push(Line::from(Span::styled("6 digits · enter to send · esc cancels", theme.dim)));
            let rect = centered(area, 64, lines.len() as u16 + 4);
            frame.render_widget(Clear, rect);
            let text = Paragraph::new(lines).wrap(Wrap { trim: false }).block(dialog(" MFA code ", theme.mfa));
            frame.render_widget(text, rect);
        }
        Modal::Working { target, sign_in, .. } => {
            let mut lines = vec![Line::from(vec![
                Span::styled(format!("{} ", SPINNER[app.spinner % SPINNER.len()]), theme.accent),
                Span::styled(format!("assuming {target}"), theme.text),
            ])];
            // A sign-in's address is long: the dialog takes the width it needs and
            // wraps it, so all of it can be read (and copied), nothing cut.
            let width = match sign_in {
                Some(_) => area.width.saturating_sub(2).max(20),
                None => 56,
            };
            if let Some(text) = sign_in {
                lines.push(Line::from(""));
                for line in text.lines() {
                    for piece in wrap(line, usize::from(width.saturating_sub(2)).max(1)) {
                        lines.push(Line::from(Span::styled(piece, theme.text)));
                    }
                }
                lines.push(Line::from(""));
            }
            let cancel = key_hints(app, Context::List, &[(Action::Back, "cancels")], 1);
            let cancel: Vec<String> = cancel.into_iter().map(|(k, l)| format!("{k} {l}")).collect();
            lines.push(Line::from(Span::styled(cancel.join(""), theme.dim)));
            let rect = centered(area, width, lines.len() as u16 + 2);
            frame.render_widget(Clear, rect);
            frame.render_widget(Paragraph::new(lines).block(dialog(" working ", theme.accent)), rect);
        }
        Modal::Result(r) => {
            let left = r.expires_at.saturating_sub(app.now);
            let mut lines = vec![
                Line::from(Span::styled(r.arn.clone(), theme.ok)),
                field("account", r.account.clone(), theme),
                field("session", r.arn.rsplit('/').next().unwrap_or_default().to_owned(), theme),
                field("key", r.access_key_id.clone(), theme),
                field("expires", format!("{} left", crate::time::clock_label(left)), theme),
            ];
            if r.from_cache {
                lines.push(Line::from(Span::styled("from the keyring cache", theme.dim)));
            }
            for n in &r.notices {
                lines.push(Line::from(Span::styled(n.clone(), theme.dim)));
            }
            lines.push(Line::from(""));
            let actions = [
                (Action::Shell, "shell"),
                (Action::Store, "keep in keyring"),
                (Action::Console, "console"),
                (Action::Export, "export & quit"),
                (Action::Back, "back"),
            ];
            let mut hint = Vec::new();
            for (keys, label) in key_hints(app, Context::Result, &actions, 2) {
                if !hint.is_empty() {
                    hint.push(Span::raw("   "));
                }
                hint.push(Span::styled(keys, theme.accent));
                hint.push(Span::raw(format!(" {label}")));
            }
            lines.push(Line::from(hint));
            let height = lines.len() as u16 + 2 + 2;
            let rect = centered(area, 90, height);
            frame.render_widget(Clear, rect);
            let title = format!(" {} ", r.target);
            frame.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(dialog_owned(title, theme.ok)),
                rect,
            );
        }
        Modal::Error { title, text } => {
            let mut lines: Vec<Line> = Text::from(text.clone()).lines;
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled("any key closes", theme.dim)));
            let rect = centered(area, 96, lines.len() as u16 + 6);
            frame.render_widget(Clear, rect);
            let block = dialog_owned(format!(" {title} "), theme.error);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
        }
    }
}

fn dialog_owned(title: String, style: Style) -> Block<'static> {
    Block::default().borders(Borders::ALL).border_type(BorderType::Rounded).title(Span::styled(title, style))
}

#[cfg(test)]
mod tests {
    #[test]
    fn arns_break_between_their_parts() {
        assert_eq!(
            super::wrap("arn:aws:iam::222222222222:role/Developer", 34),
            vec!["arn:aws:iam::222222222222:role/", "Developer"]
        );
        assert_eq!(super::wrap("short", 34), vec!["short"]);
        // No separator near: cut at the width.
        assert_eq!(super::wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
