"""The `comparison` section of results.json: paper scores beside a harness convention's.

A bench run under `--metric-convention lmms-eval` (or `vlmevalkit`) scores each prediction both
ways: `score` as the harness would (what every table shows) and `paper_score` by the definitions
(xtvqa_data.metrics.conventions). `convention_comparison(rows, convention)` gives, per metric
and per source, the mean of each and how many items differ, for the groups where any does:

    {"convention": "lmms-eval",
     "by_metric": {"anls": {"n": 200, "n_differ": 31, "paper": 0.712, "lmms-eval": 0.745}},
     "by_source": {"docvqa": {...}}}

An empty `by_metric` means the convention changed no score on these predictions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from xtvqa_data.metrics import check_convention


def _group(rows: list[Mapping[str, Any]], key: str, convention: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row.get(key))].append(row)
    out = {}
    for name, members in groups.items():
        paper = [float(r["paper_score"]) for r in members]
        harness = [float(r["score"]) for r in members]
        differ = sum(p != h for p, h in zip(paper, harness, strict=True))
        if differ:
            out[name] = {"n": len(members), "n_differ": differ, "paper": sum(paper) / len(paper),
                         convention: sum(harness) / len(harness)}
    return out


def convention_comparison(rows: Iterable[Mapping[str, Any]], convention: str) -> dict[str, Any]:
    """Paper and `convention` mean scores per metric and per source where they differ (module docstring)."""
    check_convention(convention)
    if convention == "paper":
        raise ValueError("convention_comparison compares a harness convention with the paper's; got 'paper'")
    rows = list(rows)
    for number, row in enumerate(rows):
        if "paper_score" not in row:
            raise ValueError(f"prediction row {number} (id {row.get('id')!r}) has no paper_score: "
                             f"it was not scored under --metric-convention {convention}")
    return {"convention": convention, "by_metric": _group(rows, "metric", convention),
            "by_source": _group(rows, "source", convention)}


def comparison_markdown(results: Mapping[str, Any]) -> str | None:
    """table.md's lines about the convention, None for a paper-convention run."""
    convention = results.get("metric_convention", "paper")
    if convention == "paper":
        return None
    comparison = results["comparison"]
    head = f"Metric convention: {convention} (every score above is computed as {convention}'s metric code computes it"
    if not comparison["by_metric"]:
        return head + ").\n\nNo score differs from the paper's definitions on these predictions."
    lines = [head + "; the paper's definitions give the scores below where they differ)."]
    lines += ["", f"| metric / source | items | differ | paper | {convention} |", "|:---|---:|---:|---:|---:|"]
    for block in ("by_metric", "by_source"):
        for name, cell in comparison[block].items():
            lines.append(f"| {name} | {cell['n']} | {cell['n_differ']} | {100 * cell['paper']:.1f} | "
                         f"{100 * cell[convention]:.1f} |")
    return "\n".join(lines)
