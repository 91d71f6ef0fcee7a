"""The paper's two analysis figures, from `mi.jsonl` rows and the summary (matplotlib, Agg).

Fig. 3: densities of the conditional entropy H(Y|V,Q) (solid) and the noised H(Y|V_eps,Q)
(dashed) for correct vs incorrect items, one panel per question language. Fig. 4: accuracy
(bars) and mean MI with its 95% CI (line) per question language.
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

CORRECT, INCORRECT = "#2a9d55", "#e0a400"  # the paper's green and yellow


def _kde(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Gaussian kernel density with Scott's bandwidth (what scipy.stats.gaussian_kde uses)."""
    spread = values.std(ddof=1) if values.size > 1 else 0.0
    bandwidth = max(spread * values.size ** (-1 / 5), 1e-3 * max(1.0, abs(values.mean())), 1e-3)
    z = (grid[:, None] - values[None, :]) / bandwidth
    return np.exp(-0.5 * z**2).sum(axis=1) / (values.size * bandwidth * math.sqrt(2 * math.pi))


def plot_entropy_densities(rows: Sequence[dict[str, Any]], path: str | Path, *, value: str = "h_clean_mean") -> Path:
    scored = [r for r in rows if r.get(value) is not None]
    langs = list(dict.fromkeys(r["question_lang"] for r in rows))
    cols = min(4, len(langs))
    nrows = math.ceil(len(langs) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(3.2 * cols, 2.6 * nrows), squeeze=False, sharex=True)
    noised_key = value.replace("clean", "noised")
    all_values = np.array([r[k] for r in scored for k in (value, noised_key)] or [0.0, 1.0])
    grid = np.linspace(max(0.0, all_values.min() - 0.1), all_values.max() + 0.1, 200)
    for ax, lang in zip(axes.flat, langs, strict=False):
        for label, colour, keep in (("correct", CORRECT, True), ("incorrect", INCORRECT, False)):
            group = [r for r in scored if r["question_lang"] == lang and (r["correct"] >= 0.5) == keep]
            for key, style in ((value, "-"), (noised_key, "--")):
                vals = np.array([r[key] for r in group], dtype=float)
                if vals.size >= 2:
                    ax.plot(grid, _kde(vals, grid), style, color=colour,
                            label=f"{label}{' (noised)' if style == '--' else ''} n={vals.size}")
        ax.set_title(lang)
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(langs):]:
        ax.axis("off")
    fig.supxlabel("entropy per answer token (nats)")
    fig.supylabel("density")
    fig.tight_layout()
    return _save(fig, path)


def plot_accuracy_mi(summary: dict[str, Any], path: str | Path) -> Path:
    langs = [lang for lang, g in summary["by_lang"].items()]
    acc = [100 * summary["by_lang"][lang]["accuracy"] for lang in langs]
    fig, ax = plt.subplots(figsize=(1.0 * len(langs) + 2.5, 3.4))
    ax.bar(langs, acc, color="#7aa6c2", label="accuracy")
    ax.set_ylabel("accuracy (%)")
    ax.set_xlabel("question language")
    ax2 = ax.twinx()
    mi = [summary["by_lang"][lang]["mi"] for lang in langs]
    xs = [i for i, m in enumerate(mi) if m is not None]
    if xs:
        means = np.array([mi[i]["mean"] for i in xs])
        err = np.array([[mi[i]["mean"] - mi[i]["low"] for i in xs], [mi[i]["high"] - mi[i]["mean"] for i in xs]])
        ax2.errorbar(xs, means, yerr=err, color="#c0392b", marker="o", capsize=3, label="MI (95% CI)")
    ax2.set_ylabel("MI = H(Y|V_eps,Q) - H(Y|V,Q) (nats)")
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles, [h.get_label() for h in handles], fontsize=7, loc="upper right")
    corr = summary.get("correlation", {})
    if "pearson_r" in corr:
        ax.set_title(f"Pearson r = {corr['pearson_r']:.2f} (p = {corr['pearson_p']:.2g}), n = {corr['n']}", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
