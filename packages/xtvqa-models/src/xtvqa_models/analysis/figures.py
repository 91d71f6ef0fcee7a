"""The paper's two analysis figures, from `mi.jsonl` rows and the summary (matplotlib, Agg).

Fig. 4 (accuracy_mi.png), what the analysis is for: mean MI with its 95% CI per question language
and for the source- and cross-lingual groups (the paper's I(X;Y|Q^src) > I(X;Y|Q^others)), with
the accuracy of the same groups below it. Fig. 3 (entropy_densities.png): densities of the
conditional entropy H(Y|V,Q) (solid) and the noised H(Y|V_eps,Q) (dashed) for correct vs
incorrect items, one panel per question language.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

CORRECT, INCORRECT = "#2a9d55", "#e0a400"  # the paper's green and yellow


def _bandwidth(values: np.ndarray) -> float:
    """Scott's bandwidth (what scipy.stats.gaussian_kde uses), floored for constant values."""
    spread = values.std(ddof=1) if values.size > 1 else 0.0
    return max(spread * values.size ** (-1 / 5), 1e-3 * max(1.0, abs(values.mean())), 1e-3)


def _kde(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density of non-negative `values` on `grid` (>= 0), reflected at 0: an
    entropy is never negative, so the mass a kernel puts below 0 is folded back (the density
    integrates to 1 over [0, inf) instead of being cut off at the axis)."""
    bandwidth = _bandwidth(values)
    density = np.zeros_like(grid, dtype=float)
    for mirror in (values, -values):
        z = (grid[:, None] - mirror[None, :]) / bandwidth
        density += np.exp(-0.5 * z**2).sum(axis=1)
    return density / (values.size * bandwidth * math.sqrt(2 * math.pi))


def plot_entropy_densities(rows: Sequence[dict[str, Any]], path: str | Path, *, value: str = "h_clean_mean") -> Path:
    """One panel per question language, shared axes from 0; the x-axis runs until every curve
    has fallen back to ~0 (3 bandwidths past the largest value); one legend under the panels."""
    scored = [r for r in rows if r.get(value) is not None]
    langs = list(dict.fromkeys(r["question_lang"] for r in rows))
    cols = min(4, len(langs))
    nrows = math.ceil(len(langs) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 2.5 * nrows + 0.7), squeeze=False,
                             sharex=True, sharey=True)
    noised_key = value.replace("clean", "noised")
    groups = {}
    for lang in langs:
        for keep in (True, False):
            group = [r for r in scored if r["question_lang"] == lang and (r["correct"] >= 0.5) == keep]
            for key in (value, noised_key):
                groups[(lang, keep, key)] = np.array([r[key] for r in group], dtype=float)
    reach = [v.max() + 3 * _bandwidth(v) for v in groups.values() if v.size >= 2]
    grid = np.linspace(0.0, max(reach, default=1.0), 300)
    for ax, lang in zip(axes.flat, langs, strict=False):
        counts = []
        for label, colour, keep in (("correct", CORRECT, True), ("incorrect", INCORRECT, False)):
            counts.append(f"{groups[(lang, keep, value)].size} {label}")
            for key, style in ((value, "-"), (noised_key, "--")):
                vals = groups[(lang, keep, key)]
                if vals.size >= 2:
                    ax.plot(grid, _kde(vals, grid), style, color=colour)
        ax.set_title(f"{lang} ({', '.join(counts)})", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0, 0].set_xlim(0.0, grid[-1])
    axes[0, 0].set_ylim(bottom=0.0)
    for ax in list(axes.flat)[len(langs):]:
        ax.axis("off")
    handles = [Line2D([], [], color=colour, linestyle=style, label=f"{label}, {condition}")
               for label, colour in (("correct", CORRECT), ("incorrect", INCORRECT))
               for condition, style in (("clean image H(Y|V,Q)", "-"), ("noised image H(Y|V_eps,Q)", "--"))]
    ncol = 4 if cols >= 4 else 2  # the legend no wider than the panels
    height = fig.get_figheight()
    legend = 0.25 * math.ceil(len(handles) / ncol) / height  # its share of the figure's height
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    fig.supylabel("density", fontsize=10)
    fig.tight_layout(rect=(0, legend + 0.3 / height, 1, 1))
    fig.supxlabel("entropy per answer token (nats)", y=legend + 0.05 / height, fontsize=10)  # after: tight_layout would pad it
    return _save(fig, path)


def plot_accuracy_mi(summary: dict[str, Any], path: str | Path) -> Path:
    """MI per question language with its CI on top (from 0 when every interval is above it), the
    source- and cross-lingual groups after a gap; the same groups' accuracy below, from 0."""
    groups = [(lang, g) for lang, g in summary["by_lang"].items()]
    relations = [(name, g) for name, g in summary.get("by_relation", {}).items()]
    xs = [*range(len(groups)), *(len(groups) + 0.6 + k for k in range(len(relations)))]
    labels = [name for name, _ in groups] + [f"{name}\nlingual" for name, _ in relations]
    every = [*groups, *relations]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(0.8 * len(xs) + 2.5, 4.8), sharex=True,
                                      gridspec_kw={"height_ratios": [2, 1]})
    lows = [0.0]
    for x, (name, g) in zip(xs, every, strict=True):
        mi = g["mi"]
        if mi is None:
            continue
        colour = "#c0392b" if name in summary["by_lang"] else "#5b2c6f"
        top.errorbar([x], [mi["mean"]], yerr=[[mi["mean"] - mi["low"]], [mi["high"] - mi["mean"]]],
                     color=colour, marker="o", capsize=3)
        top.annotate(f"{mi['mean']:.3f}", (x, mi["mean"]), xytext=(5, 0), textcoords="offset points",
                     va="center", fontsize=7)
        lows.append(mi["low"])
    top.set_ylim(bottom=min(lows) * 1.1 if min(lows) < 0 else 0.0)
    top.axhline(0, color="0.2", linewidth=0.8)
    top.set_ylabel("MI (nats)\nH(Y|V_eps,Q) - H(Y|V,Q)", fontsize=8)
    top.grid(axis="y", alpha=0.3)
    corr = summary.get("correlation", {})
    title = "MI between answer and image per question language (95% CI)"
    if "pearson_r" in corr:
        title += f"\naccuracy-MI Pearson r = {corr['pearson_r']:.2f} (p = {corr['pearson_p']:.2g}) over {corr['n']} languages"
    top.set_title(title, fontsize=9)
    acc = [100 * g["accuracy"] for _, g in every]
    bars = bottom.bar(xs, acc, color=["#7aa6c2"] * len(groups) + ["#8e7cc3"] * len(relations), width=0.7)
    for bar, value in zip(bars, acc, strict=True):
        bottom.annotate(f"{value:.0f}", (bar.get_x() + bar.get_width() / 2, value), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=7)
    bottom.set_ylim(0, max(10.0, max(acc, default=0.0) * 1.25))
    bottom.set_ylabel("accuracy (%)", fontsize=8)
    bottom.set_xticks(xs, labels, fontsize=8)
    bottom.set_xlabel("question language; source = question in the image's language")
    bottom.grid(axis="y", alpha=0.3)
    bottom.set_axisbelow(True)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
