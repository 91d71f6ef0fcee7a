"""scores.png: a grouped bar chart of score (x 100) by question language, per source and overall.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display, no global state),
so it works on headless machines and inside threads.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def plot_scores(results: Mapping[str, Any], path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Write the bar chart of `aggregate`'s results to `path` (PNG); return the path."""
    langs = list(results["langs"])
    groups = ["overall", *results["scores"]]
    values = [results["overall"], *(results["scores"][s] for s in results["scores"])]
    width = 0.8 / max(1, len(langs))
    figure = Figure(figsize=(max(6.0, 1.5 + len(groups) * (0.5 + 0.35 * len(langs))), 4.2), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for index, lang in enumerate(langs):
        xs = [g + (index - (len(langs) - 1) / 2) * width for g in range(len(groups))]
        heights = [100 * v[lang] if v.get(lang) is not None else 0.0 for v in values]
        bars = axes.bar(xs, heights, width=width * 0.95, label=lang)
        for bar, value in zip(bars, (v.get(lang) for v in values), strict=True):
            text = "n/a" if value is None else f"{100 * value:.1f}"
            axes.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                          textcoords="offset points", ha="center", va="bottom", fontsize=7)
    axes.set_xticks(range(len(groups)), groups)
    axes.set_ylim(0, 108)  # room for the value labels above a bar at 100
    axes.set_ylabel("score x 100")
    axes.set_xlabel("source")
    axes.set_title(title or "Score by question language")
    axes.legend(title="question\nlanguage", fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
