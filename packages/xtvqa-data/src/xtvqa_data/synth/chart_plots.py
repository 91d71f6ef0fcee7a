"""Drawing bar, line and pie charts onto a reused matplotlib Axes, laid out in pixels.

Margins are computed from the measured label widths at the configured text scale (matplotlib's
`tight_layout` costs a second draw), and every Axes property a chart uses is set on every call:
the Axes is shared with the previous chart of the same variant (charts.py explains why).
Sizes are design pixels at 448 px, scaled by `config.px`; matplotlib takes points (dpi 100:
1 px = 0.72 pt).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.font_manager import FontProperties

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.fonts import font_path, mpl_font_family
from xtvqa_data.synth.layout import fit_size, text_width

PT_PER_PX = 0.72  # points per pixel at dpi 100
GRID = "#dddddd"
TICK_ROOM_PX = 10  # tick length (3 pt) + label pad (3 pt) + a margin, in pixels


def _font(px: float) -> FontProperties:
    """The generator's font at `px` pixels, set on every text (reused Axes keep old fonts
    otherwise). By file, not family name: a system font of the same name must not win."""
    mpl_font_family()  # registered too, so users can name the family in their own plots
    return FontProperties(fname=str(font_path()), size=px * PT_PER_PX)


def _title(ax: Axes, title: str, config: SynthConfig) -> int:
    """Write the title centred at the top of the figure (not over the Axes, which margins may
    push off-centre), shrunk to 94 % of the width; its size in pixels."""
    size = fit_size(title, config.px(17), 0.94 * config.image_size)
    ax.set_title("")
    y = 1 - (size * 0.95 + 4 * config.geometry) / config.image_size
    ax.text(0.5, y, title, transform=ax.figure.transFigure, ha="center", va="center",
            fontproperties=_font(size), color="#222222")
    return size


def _thin(ticks: list[int], room_px: float, label_px: int) -> list[int]:
    """Every other tick until the value-axis labels have room (short axes at large text)."""
    while len(ticks) > 2 and room_px / len(ticks) < 1.6 * label_px:
        ticks = ticks[::2]
    return ticks


def _rotation(labels: list[str], size: int, slot: float, config: SynthConfig) -> tuple[int, int, float]:
    """(rotation, size, height in px) for category labels under slots `slot` px wide: level if
    they fit, else at 35 degrees (shrunk to at most 30 % of the image)."""
    widest = max(text_width(s, size) for s in labels)
    if widest <= 0.92 * slot:
        return 0, size, size * 1.7
    size = fit_size(max(labels, key=lambda s: text_width(s, size)), size, 0.3 * config.image_size)
    widest = max(text_width(s, size) for s in labels)
    return 35, size, widest * float(np.sin(np.radians(35))) + size * 1.3


def _frame(ax: Axes, rect: tuple[float, float, float, float], value_axis: str) -> None:
    ax.set_position(rect)
    ax.set_axis_on()
    ax.set_facecolor("white")
    ax.spines[["left", "bottom"]].set_visible(True)
    for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        if name == value_axis:
            axis.grid(True, color=GRID, linewidth=0.8)
        else:
            axis.grid(False)
    ax.set_axisbelow(True)
    ax.tick_params(axis="both", length=3, pad=3, colors="#333333")


def draw_bars(ax, labels, values, printed, colors, horizontal, ticks, title, config: SynthConfig) -> list[int]:
    """Bars with their values printed at the bar ends; categories on the other axis. Returns
    the value-axis ticks drawn."""
    S, g, n = config.image_size, config.geometry, len(labels)
    title_px = _title(ax, title, config)
    label_px, value_px = config.px(13), config.px(12)
    top_limit = max(max(values) * 1.12, ticks[-1])
    tick_labels = [str(t) for t in ticks]
    widest_value = max(printed, key=lambda s: text_width(s, value_px))
    pos = np.arange(n)
    if horizontal:
        label_px = fit_size(max(labels, key=lambda s: text_width(s, label_px)), label_px, 0.36 * S)
        value_px = fit_size(widest_value, value_px, 0.2 * S)
        left = max(text_width(s, label_px) for s in labels) + TICK_ROOM_PX + 6 * g
        right = text_width(widest_value, value_px) + 10 * g  # the printed values sit past the bars
        bottom = label_px * 1.6 + 10 * g
        top = title_px * 1.9 + 8 * g
        _frame(ax, (left / S, bottom / S, 1 - (left + right) / S, 1 - (bottom + top) / S), "x")
        ticks = _thin(ticks, S - left - right, int(text_width(tick_labels[-1], label_px) / 1.2))
        tick_labels = [str(t) for t in ticks]
        ax.barh(pos, values, color=colors, height=0.62)
        ax.set_yticks(pos, labels, fontproperties=_font(label_px), rotation=0, ha="right")
        ax.set_xticks(ticks, tick_labels, fontproperties=_font(label_px), rotation=0, ha="center")
        ax.set_ylim(n - 0.4, -0.6)  # first category on top
        ax.set_xlim(0, top_limit)
        for i, (v, text) in enumerate(zip(values, printed, strict=True)):
            ax.text(v + top_limit * 0.015, i, text, ha="left", va="center", fontproperties=_font(value_px))
        return ticks
    left = text_width(tick_labels[-1], label_px) + TICK_ROOM_PX + 8 * g
    slot = (S - left - 10 * g) / n
    rotation, label_px, label_h = _rotation(labels, label_px, slot, config)
    value_px = fit_size(widest_value, value_px, 0.95 * slot)
    left = text_width(tick_labels[-1], label_px) + TICK_ROOM_PX + 8 * g
    bottom = label_h + 8 * g
    top = title_px * 1.9 + value_px * 1.2 + 6 * g
    _frame(ax, (left / S, bottom / S, 1 - left / S - 10 * g / S, 1 - (bottom + top) / S), "y")
    ticks = _thin(ticks, S - bottom - top, label_px)
    tick_labels = [str(t) for t in ticks]
    ax.bar(pos, values, color=colors, width=0.64)
    ax.set_xticks(pos, labels, fontproperties=_font(label_px), rotation=rotation,
                  ha="right" if rotation else "center", rotation_mode="anchor")
    ax.set_yticks(ticks, tick_labels, fontproperties=_font(label_px), rotation=0, ha="right")
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_ylim(0, top_limit)
    for i, (v, text) in enumerate(zip(values, printed, strict=True)):
        ax.text(i, v + top_limit * 0.012, text, ha="center", va="bottom", fontproperties=_font(value_px))
    return ticks


def draw_lines(ax, years, names, rows, colors, ticks, title, config: SynthConfig) -> list[int]:
    """One or two series over years, every point labelled (the higher of two above, the lower
    below), a legend row between the title and the plot. Returns the value-axis ticks drawn."""
    S, g, n = config.image_size, config.geometry, len(years)
    title_px = _title(ax, title, config)
    label_px, value_px = config.px(12), config.px(11)
    top_limit = max(max(max(r) for r in rows) * 1.18, ticks[-1])
    tick_labels = [str(t) for t in ticks]
    left = text_width(tick_labels[-1], label_px) + TICK_ROOM_PX + 8 * g
    slot = (S - left - 14 * g) / n
    rotation, year_px, year_h = _rotation([str(y) for y in years], label_px, slot, config)
    value_px = fit_size(max((str(v) for r in rows for v in r), key=len), value_px, 0.9 * slot)
    legend_px = fit_size("    ".join(names) + "  " * 4 * len(names), label_px, 0.94 * S)
    bottom = year_h + 8 * g
    top = title_px * 1.9 + legend_px * 2.0 + 8 * g  # title, then the legend row
    _frame(ax, (left / S, bottom / S, 1 - left / S - 14 * g / S, 1 - (bottom + top) / S), "y")
    ticks = _thin(ticks, S - bottom - top, label_px)
    tick_labels = [str(t) for t in ticks]
    x = np.arange(n)
    for name, row, color in zip(names, rows, colors, strict=True):
        ax.plot(x, row, color=color, linewidth=2 * g, marker="o", markersize=4 * g, label=name)
    offset = top_limit * 0.025
    for k, row in enumerate(rows):
        for i, v in enumerate(row):
            above = len(rows) == 1 or v >= rows[1 - k][i]
            ax.text(i, v + offset if above else v - offset, str(v), ha="center",
                    va="bottom" if above else "top", fontproperties=_font(value_px))
    ax.set_xticks(x, [str(y) for y in years], fontproperties=_font(year_px), rotation=rotation,
                  ha="right" if rotation else "center", rotation_mode="anchor")
    ax.set_yticks(ticks, tick_labels, fontproperties=_font(label_px), rotation=0, ha="right")
    ax.set_xlim(-0.45, n - 0.55)
    ax.set_ylim(0, top_limit)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(names), frameon=False,
              prop=_font(legend_px), handlelength=1.6)
    return ticks


def _lighten(hex_color: str, amount: float = 0.35) -> tuple[float, float, float]:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return tuple(float(c) for c in rgb + (1 - rgb) * amount)


def draw_pie(ax, labels, shares, printed, colors, start_angle, title, config: SynthConfig) -> list[str]:
    """A pie with a legend of "category  percentage" entries beside it; the entries' texts.

    The percentages are in the legend, not on the slices: labels on or around thin adjacent
    slices collide at large text scales, a legend never does."""
    S, g = config.image_size, config.geometry
    title_px = _title(ax, title, config)
    entries = [f"{label}  {text}" for label, text in zip(labels, printed, strict=True)]
    label_px = config.px(13)
    label_px = fit_size(max(entries, key=lambda s: text_width(s, label_px)), label_px, 0.42 * S)
    legend_w = max(text_width(s, label_px) for s in entries) + label_px * 2.6 + 10 * g
    top = title_px * 1.9 + 6 * g
    side = min(S - legend_w - 16 * g, S - top - 10 * g)
    left = max(6 * g, (S - side - legend_w) / 2)
    ax.set_position((left / S, (S - top - side) / 2 / S, side / S, side / S))  # centred below the title
    ax.set_axis_off()
    wedges, _ = ax.pie(shares, colors=[_lighten(c) for c in colors], startangle=start_angle, counterclock=False,
                       wedgeprops={"edgecolor": "white", "linewidth": 1.5 * g})
    ax.set_xlim(-1.04, 1.04)
    ax.set_ylim(-1.04, 1.04)
    ax.legend(wedges, entries, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, prop=_font(label_px),
              handlelength=1.2, handleheight=1.0, labelspacing=0.6)
    return entries
