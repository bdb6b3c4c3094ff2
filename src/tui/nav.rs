//! Moving the selection: keys, the mouse wheel and clicks, and keeping the
//! selected row in view (split from `app.rs` to keep it small).

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::app::{App, Effect};

impl App {
    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Effect> {
        if self.modal.is_some() {
            return Vec::new();
        }
        match m.kind {
            MouseEventKind::ScrollDown => self.move_by(3),
            MouseEventKind::ScrollUp => self.move_by(-3),
            MouseEventKind::Down(MouseButton::Left) if m.row >= self.list_top => {
                let row = usize::from(m.row - self.list_top);
                if row < usize::from(self.list_rows) && self.offset + row < self.visible.len() {
                    self.selected = self.offset + row;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() - 1;
        let target = (self.selected as isize + delta).clamp(0, last as isize) as usize;
        self.move_to(target);
    }

    pub(super) fn move_to(&mut self, pos: usize) {
        self.selected = pos.min(self.visible.len().saturating_sub(1));
        self.scroll_into_view();
    }

    pub(super) fn scroll_into_view(&mut self) {
        let rows = usize::from(self.list_rows).max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        let max_offset = self.visible.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }
}
