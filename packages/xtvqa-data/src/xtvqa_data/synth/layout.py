"""Text measuring, fitting and wrapping shared by the PIL, PyMuPDF and matplotlib scenes.

All three draw with the same font (fonts.py), so PIL's FreeType metrics measure text for every
scene. A string that would not fit its box at the requested size is shrunk (never clipped), so a
large `text_scale` still draws every character of every answer.
"""

from __future__ import annotations

from xtvqa_data.synth.fonts import pil_font

MIN_FONT_PX = 6


def text_width(text: str, size: int) -> float:
    """Advance width of `text` in pixels at font size `size` (pixels)."""
    return pil_font(size).getlength(text)


def fit_size(text: str, size: int, max_width: float) -> int:
    """The largest font size <= `size` at which `text` fits in `max_width` pixels."""
    size = max(MIN_FONT_PX, int(size))
    width = text_width(text, size)
    if width <= max_width:
        return size
    size = max(MIN_FONT_PX, int(size * max_width / width))  # widths scale ~linearly with size
    while size > MIN_FONT_PX and text_width(text, size) > max_width:
        size -= 1
    return size


def wrap(text: str, size: int, max_width: float, max_lines: int = 3) -> tuple[list[str], int]:
    """Break `text` into at most `max_lines` lines no wider than `max_width`, shrinking the font
    if it must; returns (lines, size). Chinese breaks between characters, other text at spaces."""
    size = max(MIN_FONT_PX, int(size))
    while True:
        lines = _greedy_lines(text, size, max_width)
        if (len(lines) <= max_lines and all(text_width(line, size) <= max_width for line in lines)) or size == MIN_FONT_PX:
            return lines, size
        size -= 1


def _greedy_lines(text: str, size: int, max_width: float) -> list[str]:
    spaced = " " in text
    units = text.split(" ") if spaced else list(text)
    sep = " " if spaced else ""
    lines: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{sep}{unit}" if current else unit
        if current and text_width(candidate, size) > max_width:
            lines.append(current)
            current = unit
        else:
            current = candidate
    lines.append(current)
    return lines
