"""Before/after view of two benchmark results: did MVCL-MI narrow the cross-lingual gap?

Reads the `overall`, `overall_drops` and `n_cross` entries of two `results.json` dicts (written by
`xtvqa_models.evaluate.run_benchmark`, DESIGN.md 4) and reports per question language: score
before and after (x 100), the change, the drop (points below questions in the image's language)
before and after, and how much of the drop was closed, `(drop_before - drop_after) /
drop_before` in % (the paper reports the gap narrowing this way, e.g. 19.4 % -> 13.1 % is
"down 32.5 %"). Undefined cells are None ("-").

`xtvqa_data.report.compare_folders` adds what the per-language table cannot say: whether the
change is larger than the draw of test records. From the two bench folders' predictions it takes
every (image language, question language) cell with a cross-lingual drop, and reports the mean
drop before and after, the narrowing and the source-language change, each with a 95 % paired
bootstrap interval; `gap_markdown` and `gap_table` print it (`change_line`) under the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from xtvqa_data.report.compare import change_line


def gap_rows(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One dict per question language (the order of `before["langs"]`)."""
    rows = []
    for lang in before["langs"]:
        score_b, score_a = before["overall"].get(lang), after["overall"].get(lang)
        cross = (before.get("n_cross", {}).get("overall", {}) or {}).get(lang, 1)
        drop_b = before["overall_drops"].get(lang) if cross else None
        drop_a = after["overall_drops"].get(lang) if cross else None
        closed = None
        if drop_b is not None and drop_a is not None and drop_b > 0:
            closed = 100.0 * (drop_b - drop_a) / drop_b
        rows.append({
            "lang": lang,
            "score_before": None if score_b is None else 100.0 * score_b,
            "score_after": None if score_a is None else 100.0 * score_a,
            "change": None if score_b is None or score_a is None else 100.0 * (score_a - score_b),
            "drop_before": drop_b,
            "drop_after": drop_a,
            "gap_closed_pct": closed,
            "monolingual_only": not cross,
        })
    return rows


def _cell(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def gap_table(before: Mapping[str, Any], after: Mapping[str, Any], *, title: str = "MVCL-MI: before / after",
              change: Mapping[str, Any] | None = None) -> Table:
    """A rich table of `gap_rows` (scores x 100, drops in points); `change` (`compare_folders`) as its caption."""
    table = Table(title=title, caption=None if change is None else change_line(change))
    for header in ("question lang", "score before", "score after", "change", "drop before", "drop after",
                   "gap closed %"):
        table.add_column(header, justify="left" if header == "question lang" else "right")
    for row in gap_rows(before, after):
        drop_b = "ref" if row["monolingual_only"] else _cell(row["drop_before"])
        drop_a = "ref" if row["monolingual_only"] else _cell(row["drop_after"])
        table.add_row(row["lang"], _cell(row["score_before"]), _cell(row["score_after"]),
                      _cell(row["change"], signed=True), drop_b, drop_a, _cell(row["gap_closed_pct"], signed=True))
    return table


def gap_markdown(before: Mapping[str, Any], after: Mapping[str, Any], change: Mapping[str, Any] | None = None) -> str:
    """The same table as Markdown (for the run folder), `change` (`compare_folders`) below it."""
    lines = ["| question lang | score before | score after | change | drop before | drop after | gap closed % |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for row in gap_rows(before, after):
        drops = ("ref", "ref") if row["monolingual_only"] else (_cell(row["drop_before"]), _cell(row["drop_after"]))
        lines.append(f"| {row['lang']} | {_cell(row['score_before'])} | {_cell(row['score_after'])} | "
                     f"{_cell(row['change'], signed=True)} | {drops[0]} | {drops[1]} | "
                     f"{_cell(row['gap_closed_pct'], signed=True)} |")
    if change is not None:
        lines += ["", change_line(change)]
    return "\n".join(lines) + "\n"
