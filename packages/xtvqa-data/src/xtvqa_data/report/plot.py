"""The bench's two figures. drops.png, the headline: the cross-lingual drop per (language of the
image's text x question language) and overall, each with its bootstrap interval. scores.png: score
(x 100) by question language, per source and overall. And gap.png, the headline of a comparison of
two runs on the same records (a training run's before and after): `plot_change`.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display, no global state),
so it works on headless machines and inside threads.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _save(figure: Figure, path: str | os.PathLike[str]) -> Path:
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def plot_drops(results: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write drops.png: one group of bars per row of the drop-interval table (overall, then each
    language of the image's text), a bar per question language with its interval as an error bar.
    A cell without cross-lingual items (the row's own language) reads "ref", an undefined one "n/a"."""
    langs = list(results["langs"])
    rows = [("overall", results["overall_drops"], results.get("overall_drop_ci") or {}, results["n_cross"]["overall"])]
    rows += [(f"{g} images", results["by_image_text_drops"][g], (results.get("by_image_text_drop_ci") or {}).get(g) or {},
              results["n_cross"]["by_image_text"][g]) for g in results.get("by_image_text_drops", {})]
    width = 0.8 / max(1, len(langs))
    figure = Figure(figsize=(max(6.0, 1.5 + len(rows) * (0.6 + 0.45 * len(langs))), 4.2), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = [f"C{k}" for k in range(len(langs))]  # the colour of each language in scores.png too
    extent = [0.0]
    for index, lang in enumerate(langs):
        for group, (_, drops, ci, n_cross) in enumerate(rows):
            x = group + (index - (len(langs) - 1) / 2) * width
            value, interval = drops.get(lang), ci.get(lang)
            if not n_cross.get(lang) or value is None:
                axes.annotate("ref" if not n_cross.get(lang) else "n/a", (x, 0), xytext=(0, 3), textcoords="offset points",
                              ha="center", va="bottom", fontsize=7, color="0.4")
                continue
            low, high = interval if interval is not None else (value, value)
            axes.bar(x, value, width=width * 0.95, color=colours[index], label=lang)
            axes.errorbar(x, value, yerr=[[value - low], [high - value]], color="0.15", capsize=3, linewidth=1)
            axes.annotate(f"{value:.1f}", (x, high if value >= 0 else low), xytext=(0, 3 if value >= 0 else -3),
                          textcoords="offset points", ha="center", va="bottom" if value >= 0 else "top", fontsize=7)
            extent += [low, high]
    span = max(max(extent) - min(extent), 10.0)  # at least 10 points tall: no zoom into a run of zeros
    low, high = min(0.0, min(extent) - 0.08 * span), max(extent) + 0.1 * span  # room for the labels
    axes.set_ylim(low, max(high, low + span))
    axes.axhline(0, color="0.2", linewidth=0.8)
    axes.set_xticks(range(len(rows)), [label for label, *_ in rows])
    axes.set_xlim(-0.5, len(rows) - 0.5)  # the last row's "ref" stays inside
    axes.set_xlabel("items: all, then by the language of the image's text")
    axes.set_ylabel("drop (points below questions\nin the image's language)")
    info = results.get("drop_ci")
    note = (f"bars: drop; whiskers: {100 * info['level']:g} % bootstrap interval over records ({info['resamples']} resamples)"
            if info else "no intervals computed")
    axes.set_title(f"Cross-lingual drop by question language\n{note}", fontsize=9)
    handles, labels = axes.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    axes.legend([unique[q] for q in langs if q in unique], [q for q in langs if q in unique], title="question\nlanguage",
                fontsize=8, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    return _save(figure, path)


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
    return _save(figure, path)


def plot_change(change: Mapping[str, Any], path: str | os.PathLike[str], *, before: str = "before",
                after: str = "after", title: str = "Cross-lingual drop before and after") -> Path:
    """Write gap.png: `compare_folders`' mean drop before and after, over every drop cell and then
    per question language (`change_rows`), each with its paired bootstrap interval, and the change
    in points with its interval above each pair. `before` / `after` name the two runs."""
    from xtvqa_data.report.compare import change_rows
    from xtvqa_data.report.render import with_interval

    rows = change_rows(change)
    figure = Figure(figsize=(max(6.5, 2.0 + 1.5 * len(rows)), 4.6), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width, extent = 0.36, [0.0]
    for group, row in enumerate(rows):
        for side, (key, colour, name) in enumerate((("before", "0.7", before), ("after", "C0", after))):
            x = group + (side - 0.5) * width
            value = row["mean_drop"][key]
            low, high = (row["mean_drop_ci"] or {}).get(key) or (value, value)
            axes.bar(x, value, width=width * 0.95, color=colour, label=name)
            axes.errorbar(x, value, yerr=[[value - low], [high - value]], color="0.15", capsize=3, linewidth=1)
            axes.annotate(f"{value:.1f}", (x, high if value >= 0 else low), xytext=(0, 2 if value >= 0 else -2),
                          textcoords="offset points", ha="center", va="bottom" if value >= 0 else "top", fontsize=7)
            extent += [low, high]
        if row["drop_change"] is not None:  # one row of them along the top, clear of the whiskers
            text = with_interval(row["drop_change"], row["drop_change_ci"], fmt="+.1f")
            axes.text(group, 0.97, f"change\n{text}", transform=axes.get_xaxis_transform(), ha="center", va="top",
                      fontsize=7.5, color="0.1")
    span = max(max(extent) - min(extent), 10.0)  # at least 10 points tall: no zoom into a run of zeros
    axes.set_ylim(min(0.0, min(extent) - 0.08 * span), max(extent) + 0.3 * span)  # room for the change row
    axes.axhline(0, color="0.2", linewidth=0.8)
    images = {q: ", ".join(g for g, _ in part["drops"]) for q, part in change.get("by_question_lang", {}).items()}
    labels = [f"all {row['cells']} cross-lingual\n(image, question)\nlanguage pairs" if row["label"] == "all"
              else f"{row['label']} questions\non {images[row['label']]}\nimages" for row in rows]
    axes.set_xticks(range(len(rows)), labels, fontsize=8)
    axes.set_xlim(-0.6, len(rows) - 0.4)
    axes.set_ylabel("mean drop (points below questions\nin the image's language)")
    info = change.get("ci") or {}
    note = (f"{change['n_records']} records in both runs; whiskers and change (< 0: the drop narrowed): "
            f"{100 * info['level']:g} % paired bootstrap over records") if info else f"{change['n_records']} records"
    # Wrapped to the axes' width: long model names would run off the figure.
    width = max(40, int(10 * figure.get_figwidth()))
    axes.set_title("\n".join(textwrap.fill(line, width) for line in (title, note)), fontsize=9)
    handles, names = axes.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    axes.legend(list(unique.values()), list(unique), fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    return _save(figure, path)
