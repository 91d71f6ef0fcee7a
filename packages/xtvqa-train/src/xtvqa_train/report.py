"""Before/after view of two benchmark runs: did MVCL-MI narrow the cross-lingual gap?

Per question language: the score before and after (x 100) and its change, from the two
`results.json`; the drop before and after and its narrowing come from
`xtvqa_data.report.compare_folders` (the paired comparison of the two bench folders'
predictions, with 95 % paired bootstrap intervals), the one definition `apps/bench`'s
comparison.md prints too. The drop of a question language is the mean, over the images of every
other language asked in it, of (score in the image's language - score in it), in points; narrowed
= 1 - drop after / drop before (the paper reports the gap narrowing this way, e.g. 19.4 % ->
13.1 % is "down 32.5 %"). Undefined cells are "-"; a question language with no cross-lingual cell
(no image of another language asked in it) reads "ref".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.table import Table
from xtvqa_data.report import change_line, change_markdown
from xtvqa_data.report.render import with_interval

HEADERS = ("question lang", "score before", "score after", "change", "drop before", "drop after", "narrowed %")


def gap_rows(before: Mapping[str, Any], after: Mapping[str, Any],
             change: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """One dict per question language (the order of `before["langs"]`): scores x 100 and their
    change from the results, and from `change` (`compare_folders`) the language's drop before and
    after (points), its change and the narrowing (a fraction), each with its interval (`*_ci`)."""
    parts = (change or {}).get("by_question_lang", {})
    rows = []
    for lang in before["langs"]:
        score_b, score_a = before["overall"].get(lang), after["overall"].get(lang)
        part = parts.get(lang)
        rows.append({
            "lang": lang,
            "score_before": None if score_b is None else 100.0 * score_b,
            "score_after": None if score_a is None else 100.0 * score_a,
            "change": None if score_b is None or score_a is None else 100.0 * (score_a - score_b),
            "drop_before": None if part is None else part["mean_drop"]["before"],
            "drop_after": None if part is None else part["mean_drop"]["after"],
            "drop_before_ci": None if part is None else part["mean_drop_ci"]["before"],
            "drop_after_ci": None if part is None else part["mean_drop_ci"]["after"],
            "drop_change": None if part is None else part["drop_change"],
            "narrowed": None if part is None else part["narrowed"],
            "narrowed_ci": None if part is None else part["narrowed_ci"],
            "monolingual_only": change is not None and part is None,
        })
    return rows


def _cell(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.1f}" if signed else f"{value:.1f}"


def _cells(row: Mapping[str, Any]) -> list[str]:
    if row["monolingual_only"]:
        drops = ["ref", "ref", "-"]
    else:
        drops = ["-" if row[key] is None else with_interval(row[key], row[f"{key}_ci"]) for key in ("drop_before", "drop_after")]
        drops.append("-" if row["narrowed"] is None else with_interval(row["narrowed"], row["narrowed_ci"], scale=100.0))
    return [row["lang"], _cell(row["score_before"]), _cell(row["score_after"]), _cell(row["change"], signed=True), *drops]


def gap_table(before: Mapping[str, Any], after: Mapping[str, Any], *, title: str = "MVCL-MI: before / after",
              change: Mapping[str, Any] | None = None) -> Table:
    """A rich table of `gap_rows`, `change_line(change)` as its caption."""
    table = Table(title=title, caption=None if change is None else change_line(change))
    for header in HEADERS:
        table.add_column(header, justify="left" if header == "question lang" else "right")
    for row in gap_rows(before, after, change):
        table.add_row(*_cells(row))
    return table


def gap_markdown(before: Mapping[str, Any], after: Mapping[str, Any], change: Mapping[str, Any] | None = None) -> str:
    """The scores per question language as Markdown, then `change_markdown(change)`: the table
    `apps/bench`'s comparison.md holds for the same two folders."""
    lines = [f"| {' | '.join(HEADERS[:4])} |", "|---|---:|---:|---:|"]
    for row in gap_rows(before, after, change):
        lines.append(f"| {' | '.join(_cells(row)[:4])} |")
    text = "\n".join(lines) + "\n"
    return text if change is None else text + "\n" + change_markdown(change)
