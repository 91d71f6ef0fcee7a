"""Two runs on the same records, compared with intervals: did the cross-lingual drop narrow, and
what did the questions in the image's language lose? (The paper's Table 4.)

Cells are (image language g, question language q) means over a run's prediction rows. For a set
of drop cells D (pairs g != q) and reference languages S (g == q):

    mean drop        = mean over (g, q) in D of  [score(g, g) - score(g, q)]        points
    narrowed         = 1 - mean drop(after) / mean drop(before)                     %
    source score     = mean over g in S of score(g, g)
    source change    = source score(after) - source score(before)                  points

(plain differences of cell means, as `experiments/gap_cells.py` prints them; for runs that ask
every record in every language they equal `aggregate`'s stratified drops). The intervals are a
percentile bootstrap that resamples *records*, the same draw for both runs (a paired bootstrap:
a record's rows in every language and in both runs go in together), so the run-to-run
difference is not blurred by which records happened to be drawn. Only records present in both
runs are compared. Written by hand for the same reason as `aggregate`'s intervals: per-record
sums times the resamples' counts, one matrix product per chunk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from xtvqa_data.report.aggregate import (
    DROP_CI_LEVEL,
    DROP_CI_RESAMPLES,
    _clean,
    _group_rng,
    resample_counts,
)
from xtvqa_data.report.render import with_interval
from xtvqa_data.runs.jsonl import read_jsonl

Cell = tuple[str, str]  # (image language, question language)


def _cell_sums(rows: Sequence[Mapping[str, Any]], ids: Mapping[str, int], cells: Sequence[Cell]) -> tuple[np.ndarray, np.ndarray]:
    """Per record: (sum of scores, number of rows) in each cell; arrays (records, cells)."""
    col = {cell: k for k, cell in enumerate(cells)}
    sums, counts = np.zeros((len(ids), len(cells))), np.zeros((len(ids), len(cells)))
    for r in rows:
        k = col.get((r["g"], r["q"]))
        if k is not None and r["id"] in ids:
            sums[ids[r["id"]], k] += r["score"]
            counts[ids[r["id"]], k] += 1
    return sums, counts


def _summaries(means: np.ndarray, drops: Sequence[Cell], sources: Sequence[str], cells: Sequence[Cell]) -> tuple[np.ndarray, np.ndarray]:
    """(mean drop in points, source score) per row of cell means (shape (b, cells))."""
    col = {cell: k for k, cell in enumerate(cells)}
    drop = np.mean([means[:, col[(g, g)]] - means[:, col[(g, q)]] for g, q in drops], axis=0)
    return 100.0 * drop, np.mean([means[:, col[(g, g)]] for g in sources], axis=0)


def cross_cells(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> tuple[list[Cell], list[str]]:
    """The cells two runs can be compared on: every (image language, question language) pair
    with g != q that both runs asked and whose image language both also asked in its own
    language, and those image languages (the `drops` and `sources` of `compare_runs`)."""
    present = [{(str(r["image_lang"]), str(r["question_lang"])) for r in rows} for rows in (before, after)]
    both = present[0] & present[1]
    sources = sorted(g for g, q in both if g == q)
    return sorted((g, q) for g, q in both if g != q and g in sources), sources


def compare_runs(before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]],
                 drops: Sequence[Cell], sources: Sequence[str], *, resamples: int = DROP_CI_RESAMPLES,
                 level: float = DROP_CI_LEVEL, seed: int = 0) -> dict[str, Any]:
    """The change from `before` to `after` (prediction rows of two runs), module docstring.

    `drops`: the (image language, question language) cells whose mean drop is compared;
    `sources`: the image languages whose source-language score is compared. Returns mean_drop
    {before, after}, drop_change (after - before, points), narrowed (a fraction; None when the
    drop before is not positive), source_change (points), each with an interval (`*_ci`, from the
    same paired resamples), and n_records."""
    if resamples < 1 or not 0.0 < level < 1.0:
        raise ValueError(f"need resamples >= 1 and 0 < level < 1, got {resamples} and {level}")
    if not drops or any(g == q for g, q in drops):
        raise ValueError(f"drops must be (image language, other question language) pairs, got {list(drops)}")
    rows = [_clean(before)[0], _clean(after)[0]]
    shared = sorted({r["id"] for r in rows[0]} & {r["id"] for r in rows[1]})
    if not shared:
        raise ValueError("the two runs have no record in common: compare runs on the same data")
    ids = {key: k for k, key in enumerate(shared)}
    cells = list(dict.fromkeys([*((g, g) for g, _ in drops), *drops, *((g, g) for g in sources)]))
    arrays = [_cell_sums(run, ids, cells) for run in rows]
    for (_, counts), name in zip(arrays, ("before", "after"), strict=True):
        empty = [cells[k] for k in np.flatnonzero(counts.sum(axis=0) == 0)]
        if empty:
            raise ValueError(f"the {name} run has no items in (image language, question language) cells {empty}")
    point = [_summaries((s.sum(axis=0) / c.sum(axis=0))[None, :], drops, sources, cells) for s, c in arrays]
    drop0, drop1 = point[0][0][0], point[1][0][0]
    result: dict[str, Any] = {
        "n_records": len(ids),
        "mean_drop": {"before": float(drop0), "after": float(drop1)},
        "narrowed": float(1.0 - drop1 / drop0) if drop0 > 0 else None,
        "source_change": float(100.0 * (point[1][1][0] - point[0][1][0])),
    }
    narrowed, change, drop_before, drop_after = [], [], [], []
    for weights in resample_counts(_group_rng(seed, "compare"), len(ids), resamples):
        with np.errstate(invalid="ignore", divide="ignore"):
            (d0, s0), (d1, s1) = (_summaries((weights @ s) / (weights @ c), drops, sources, cells) for s, c in arrays)
            narrowed.append(np.where(d0 > 0, 1.0 - d1 / d0, np.nan))
        change.append(100.0 * (s1 - s0))
        drop_before.append(d0)
        drop_after.append(d1)
    tail = 100.0 * (1.0 - level) / 2.0

    def interval(values: list[np.ndarray]) -> list[float] | None:
        flat = np.concatenate(values)
        flat = flat[np.isfinite(flat)]
        return [float(v) for v in np.percentile(flat, [tail, 100.0 - tail])] if flat.size else None

    result["narrowed_ci"] = interval(narrowed) if result["narrowed"] is not None else None
    result["source_change_ci"] = interval(change)
    result["mean_drop_ci"] = {"before": interval(drop_before), "after": interval(drop_after)}
    result["drop_change"] = float(drop1 - drop0)  # points; negative: the drop narrowed
    result["drop_change_ci"] = interval([d1 - d0 for d0, d1 in zip(drop_before, drop_after, strict=True)])
    result["ci"] = {"level": level, "resamples": resamples, "seed": seed, "unit": "record",
                    "method": "paired percentile bootstrap"}
    return result


def compare_folders(before_dir: str | Path, after_dir: str | Path) -> dict[str, Any] | None:
    """`compare_runs` of two bench run folders (their predictions.jsonl) over `cross_cells`;
    None when they share no cross-lingual cell. Adds the cells compared (drops, sources), and
    `by_question_lang`: for each question language with a drop cell, `compare_runs` over its cells
    alone (the images of another language asked in it), in the runs' order of languages.

    The one definition of the change between two runs: `apps/bench`'s comparison.md and
    `apps/train`'s gap table both print it (`change_markdown`)."""
    before = read_jsonl(Path(before_dir) / "predictions.jsonl")
    after = read_jsonl(Path(after_dir) / "predictions.jsonl")
    drops, sources = cross_cells(before, after)
    if not drops:
        return None
    by_lang = {}
    for q in dict.fromkeys(str(r["question_lang"]) for r in before):
        cells = [(g, asked) for g, asked in drops if asked == q]
        if cells:
            images = sorted({g for g, _ in cells})
            by_lang[q] = {"drops": [list(cell) for cell in cells], "sources": images,
                          **compare_runs(before, after, cells, images)}
    return {"drops": [list(cell) for cell in drops], "sources": sources,
            **compare_runs(before, after, drops, sources), "by_question_lang": by_lang}


def change_rows(change: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`compare_folders`' figures as rows: "all" (every drop cell), then each question language;
    each with the number of cells, the mean drop before and after, its change and the narrowing
    (`compare_runs` keys)."""
    parts = [("all", change), *((q, part) for q, part in change.get("by_question_lang", {}).items())]
    return [{"label": label, "cells": len(part["drops"]), **{key: part.get(key) for key in (
        "mean_drop", "mean_drop_ci", "drop_change", "drop_change_ci", "narrowed", "narrowed_ci")}}
        for label, part in parts]


def change_markdown(change: Mapping[str, Any]) -> str:
    """`change_line`, then a table of `change_rows` (points; narrowed in %), each with its interval."""
    lines = [change_line(change), "",
             "| question lang | cells | drop before | drop after | change | narrowed |", "|---|---:|---:|---:|---:|---:|"]
    for row in change_rows(change):
        ci = row["mean_drop_ci"] or {}
        narrowed = ("-" if row["narrowed"] is None
                    else with_interval(row["narrowed"], row["narrowed_ci"], scale=100.0, unit=" %"))
        change_ci = row["drop_change_ci"]
        lines.append(f"| {row['label']} | {row['cells']} | "
                     f"{with_interval(row['mean_drop']['before'], ci.get('before'))} | "
                     f"{with_interval(row['mean_drop']['after'], ci.get('after'))} | "
                     f"{'-' if row['drop_change'] is None else with_interval(row['drop_change'], change_ci, fmt='+.1f')} | "
                     f"{narrowed} |")
    return "\n".join(lines) + "\n"


def write_comparison(root: str | Path, runs: Sequence[tuple[str, str]]) -> str:
    """Compare each later run with the first (`compare_folders`), write root/comparison.md (each
    comparison's `change_markdown`), root/comparison.json and the change's figure (`plot_change`:
    gap.png, or gap-<folder>.png for each of several); `runs`: (label, folder under root)
    pairs, the first the base. Returns comparison.md's text."""
    from xtvqa_data.report.plot import plot_change
    from xtvqa_data.runs import atomic_write_json

    root = Path(root)
    (base, base_folder), blocks, changes = runs[0], [], []
    for label, folder in runs[1:]:
        change = compare_folders(root / base_folder, root / folder)
        changes.append({"model": label, "against": base, "change": change})
        if change is not None:  # the headline figure: gap.png (gap-<folder>.png for several)
            name = "gap.png" if len(runs) == 2 else f"gap-{Path(folder).name}.png"
            plot_change(change, root / name, before=base, after=label, title=f"Cross-lingual drop: {label} against {base}")
        head = f"- {label} against {base}: "
        blocks.append(head + "no cross-lingual cell in common" if change is None else head + change_markdown(change))
    text = "\n".join(blocks).rstrip("\n") + "\n"
    (root / "comparison.md").write_text(text, encoding="utf-8")
    atomic_write_json(root / "comparison.json", {"runs": [{"spec": label, "folder": folder} for label, folder in runs],
                                                 "changes": changes})
    return text


def change_line(change: Mapping[str, Any]) -> str:
    """One sentence of `compare_folders`' figures."""
    narrowed = ("-" if change["narrowed"] is None
                else with_interval(change["narrowed"], change["narrowed_ci"], scale=100.0, unit=" %"))
    return (f"Mean cross-lingual drop over {len(change['drops'])} (image, question language) cells: "
            f"{change['mean_drop']['before']:.1f} -> {change['mean_drop']['after']:.1f} points, narrowed {narrowed}; "
            f"source-language change {with_interval(change['source_change'], change['source_change_ci'], fmt='+.1f')} "
            f"points ({100 * change['ci']['level']:g} % paired bootstrap over {change['n_records']} test records).")
