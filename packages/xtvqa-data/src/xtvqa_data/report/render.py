"""The Table-1 view of `aggregate`'s results: Markdown for table.md, a rich Table for the terminal.

Scores are shown x 100 with one decimal; each language's drop column reads "abs / rel%" (points,
then percent of the reference; positive = lower than with questions in the image's language).
A drop cell is "ref" when the row has items asked in that language and every one of them is
monolingual (nothing to drop from), and "-" when the row has no items in that language or the
drop is undefined; a drop column that is "ref" or "-" in every row is left out.
Rows: overall, then each source; a second block per question type; a third per language of the
image's text (its sources pooled; each drop is still the per-source-stratum one of `aggregate`,
the plain difference from that language's questions when the sources are asked in equal
proportions).
Then, where `aggregate` computed them, the drops of the overall and image-text rows with their
bootstrap intervals (`drop_interval_rows`; a separate table, `render_rich_drop_intervals`, in the
terminal): "11.8 [0.0, 23.5]" reads as a drop of 11.8 points, 95 % interval 0.0 to 23.5.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.table import Table

from xtvqa_data.report.conventions import comparison_markdown

Results = Mapping[str, Any]


def number(value: float, fmt: str = ".1f") -> str:
    """`value` written with `fmt`, never as "-0.0": a value that rounds to zero has no sign."""
    text = f"{value:{fmt}}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _score(value: float | None) -> str:
    return "-" if value is None else number(100 * value)


def _no_drop(points: float | None, n: int, n_cross: int) -> str | None:
    """What a drop cell shows instead of a number ("-", "ref"), or None when it has one."""
    if n == 0:  # no items asked in this language: nothing to be the reference of
        return "-"
    if n_cross == 0:
        return "ref"
    return "-" if points is None else None


def _drop(points: float | None, relative: float | None, n: int, n_cross: int) -> str:
    return _no_drop(points, n, n_cross) or f"{number(points)} / " + ("-" if relative is None else f"{number(relative)}%")


def _blocks(results: Results) -> list[tuple[str, list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], dict[str, int], dict[str, int]]]]]:
    """[(block title, [(label, scores, drops, relative drops, n, n_cross) per row])]."""
    sources = [
        (source, results["scores"][source], results["drops"][source], results["relative_drops"][source],
         results["n"]["scores"][source], results["n_cross"]["scores"][source])
        for source in results["scores"]
    ]
    overall = ("overall", results["overall"], results["overall_drops"], results["overall_relative_drops"],
               results["n"]["overall"], results["n_cross"]["overall"])
    types = [
        (kind, results["by_type"][kind], results["by_type_drops"][kind], results["by_type_relative_drops"][kind],
         results["n"]["by_type"][kind], results["n_cross"]["by_type"][kind])
        for kind in results["by_type"]
    ]
    images = [
        (lang, results["by_image_text"][lang], results["by_image_text_drops"][lang],
         results["by_image_text_relative_drops"][lang], results["n"]["by_image_text"][lang],
         results["n_cross"]["by_image_text"][lang])
        for lang in results.get("by_image_text", {})  # absent from results.json written before it existed
    ]
    return [("source", [overall, *sources]), ("question type", types), ("image text", images)]


def _drop_langs(results: Results, blocks=None) -> list[str]:
    """The languages that get a drop column: those some row has cross-lingual items in."""
    every_row = [row for _, rows in (blocks or _blocks(results)) for row in rows]
    return [q for q in results["langs"] if any(row[5].get(q, 0) > 0 for row in every_row)]


def table_rows(results: Results) -> tuple[list[str], list[tuple[str, list[list[str]]]]]:
    """Header and per-block rows of cell strings, shared by the Markdown and rich renderers."""
    langs: Sequence[str] = results["langs"]
    blocks = _blocks(results)
    with_drop = _drop_langs(results, blocks)
    header = ["n"]
    for q in langs:
        header.append(q)
        if q in with_drop:
            header.append(f"drop {q} (abs / rel%)")
    out_blocks = []
    for title, rows in blocks:
        cells = []
        for label, scores, drops, relative, n, n_cross in rows:
            line = [label, str(sum(n.values()))]
            for q in langs:
                line.append(_score(scores.get(q)))
                if q in with_drop:
                    line.append(_drop(drops.get(q), relative.get(q), n.get(q, 0), n_cross.get(q, 0)))
            cells.append(line)
        out_blocks.append((title, cells))
    return header, out_blocks


def with_interval(value: float, interval: Sequence[float] | None, *, fmt: str = ".1f", scale: float = 1.0,
                  unit: str = "") -> str:
    """"11.8 [1.5, 23.5]": a value and its interval, each `scale`d and written with `fmt`, `unit`
    after the value; the value alone when there is no interval. Every interval this toolkit
    prints is written by it."""
    text = f"{number(value * scale, fmt)}{unit}"
    return text if interval is None else f"{text} [{number(interval[0] * scale, fmt)}, {number(interval[1] * scale, fmt)}]"


def _interval(points: float | None, interval: Sequence[float] | None, n: int, n_cross: int) -> str:
    return _no_drop(points, n, n_cross) or with_interval(points, interval)


def drop_interval_rows(results: Results) -> tuple[list[str], list[list[str]]] | None:
    """Header and rows (overall, then each language of the image text) of the drops with their
    intervals, for the languages that have a drop column; None when `results` has no intervals
    (aggregate with resamples=0, or a results.json written before them)."""
    info = results.get("drop_ci")
    if not info:
        return None
    langs = _drop_langs(results)
    level = f"{100 * info['level']:g} %"
    rows = [("overall", results["overall_drops"], results["overall_drop_ci"], results["n"]["overall"],
             results["n_cross"]["overall"])]
    rows += [(f"{lang} images", results["by_image_text_drops"][lang], results["by_image_text_drop_ci"][lang],
              results["n"]["by_image_text"][lang], results["n_cross"]["by_image_text"][lang])
             for lang in results["by_image_text_drop_ci"]]
    cells = [[label, *(_interval(drops.get(q), ci.get(q), n.get(q, 0), n_cross.get(q, 0)) for q in langs)]
             for label, drops, ci, n, n_cross in rows]
    return [f"drop {q} ({level} CI)" for q in langs], cells


def _interval_note(results: Results) -> str:
    info = results["drop_ci"]
    return (f"Drops in points with {100 * info['level']:g} % intervals: {info['method']} over {info['unit']}s "
            f"(each record with all its question languages), {info['resamples']} resamples, seed {info['seed']}.")


def render_table_markdown(results: Results) -> str:
    """table.md: one Markdown table per block (by source, by question type, by image text language)."""
    header, blocks = table_rows(results)
    parts = []
    for title, rows in blocks:
        if not rows:
            continue
        lines = [
            "| " + " | ".join([title, *header]) + " |",
            "|" + "|".join([":---"] + ["---:"] * len(header)) + "|",
            *("| " + " | ".join(row) + " |" for row in rows),
        ]
        parts.append("\n".join(lines))
    note = "Scores x 100. Drop: points below the monolingual reference (question in the image's language) / relative %."
    parts.append(note)
    intervals = drop_interval_rows(results)
    if intervals is not None and intervals[0]:
        head, rows = intervals
        parts.append("\n".join([
            "| " + " | ".join(["rows", *head]) + " |",
            "|" + "|".join([":---"] + ["---:"] * len(head)) + "|",
            *("| " + " | ".join(row) + " |" for row in rows),
        ]))
        parts.append(_interval_note(results))
    convention = comparison_markdown(results)
    parts.append(convention if convention is not None else "Metric convention: paper (the published definitions).")
    return "\n\n".join(parts) + "\n"


def render_rich_table(results: Results, *, title: str | None = "XT-VQA results") -> Table:
    """The same table for the terminal, one section per block."""
    header, blocks = table_rows(results)
    table = Table(title=title, show_lines=False)
    table.add_column(next((name for name, rows in blocks if rows), "group"), style="bold")  # as table.md heads it
    for name in header:
        table.add_column(name, justify="right", style="dim" if name.startswith("drop") else None)
    for index, (title_, rows) in enumerate(blocks):
        if not rows:
            continue
        if index:
            table.add_section()
            table.add_row(f"[italic]{title_}[/italic]", *[""] * len(header))
        for row in rows:
            table.add_row(*row)
    return table


def render_rich_drop_intervals(results: Results) -> Table | None:
    """The drops with their intervals for the terminal (None without intervals or drops)."""
    intervals = drop_interval_rows(results)
    if intervals is None or not intervals[0]:
        return None
    head, rows = intervals
    table = Table(title="cross-lingual drops with intervals", caption=_interval_note(results))
    table.add_column("rows", style="bold")
    for name in head:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*row)
    return table
