#!/usr/bin/env python3
"""Render a tmux `capture-pane -e -p` dump (text with ANSI colours) to a PNG.

Usage: tmux capture-pane -e -p -t t | scripts/screenshot.py out.png
Used to make assets/tui.png for the README; needs Pillow and the DejaVu fonts.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
BG, FG = (30, 32, 40), (220, 222, 228)
PALETTE = [(40, 42, 54), (237, 85, 85), (80, 200, 120), (230, 200, 90),
           (98, 160, 234), (200, 120, 220), (90, 200, 210), (220, 222, 228)]
SIZE, CELL_W, CELL_H, PAD = 15, 9, 19, 12


def parse(line):
    """Yields (char, fg, bold, reverse, dim) for each cell of one line."""
    fg, bold, rev, dim = None, False, False, False
    for token in re.split(r"(\x1b\[[0-9;]*m)", line):
        if token.startswith("\x1b["):
            codes = [int(c) if c else 0 for c in token[2:-1].split(";")] or [0]
            i = 0
            while i < len(codes):
                c = codes[i]
                if c == 0:
                    fg, bold, rev, dim = None, False, False, False
                elif c == 1:
                    bold = True
                elif c == 2:
                    dim = True
                elif c == 7:
                    rev = True
                elif c in (22,):
                    bold = dim = False
                elif c == 27:
                    rev = False
                elif 30 <= c <= 37:
                    fg = PALETTE[c - 30]
                elif 90 <= c <= 97:
                    fg = PALETTE[c - 90]
                elif c == 39:
                    fg = None
                elif c == 38 and i + 2 < len(codes) and codes[i + 1] == 5:
                    n = codes[i + 2]
                    fg = PALETTE[n % 8]
                    i += 2
                i += 1
        else:
            for ch in token:
                yield ch, fg, bold, rev, dim


def main():
    out = sys.argv[1]
    lines = sys.stdin.read().rstrip("\n").split("\n")
    cols = max(sum(1 for _ in parse(l)) for l in lines)
    img = Image.new("RGB", (cols * CELL_W + 2 * PAD, len(lines) * CELL_H + 2 * PAD), BG)
    draw = ImageDraw.Draw(img)
    regular, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    for row, line in enumerate(lines):
        for col, (ch, fg, is_bold, rev, dim) in enumerate(parse(line)):
            x, y = PAD + col * CELL_W, PAD + row * CELL_H
            color = fg or FG
            if dim:
                color = tuple(int(c * 0.6 + b * 0.4) for c, b in zip(color, BG))
            if rev:
                draw.rectangle([x, y, x + CELL_W, y + CELL_H], fill=color)
                color = BG
            if ch != " ":
                draw.text((x, y + 1), ch, font=bold if is_bold else regular, fill=color)
    img.save(out)


if __name__ == "__main__":
    main()
