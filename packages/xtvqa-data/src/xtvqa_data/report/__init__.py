"""Aggregating predictions into the paper's Table-1 format, and rendering it (DESIGN.md 4).

`aggregate(rows)` -> scores per question language, per source and per question type, with
absolute and relative cross-lingual drops (see `aggregate`'s docstring for the definition);
`render_table_markdown`, `render_rich_table` and `plot_scores` present them.
"""

from xtvqa_data.report.aggregate import UNTYPED, aggregate
from xtvqa_data.report.plot import plot_scores
from xtvqa_data.report.render import render_rich_table, render_table_markdown, table_rows

__all__ = ["UNTYPED", "aggregate", "plot_scores", "render_rich_table", "render_table_markdown", "table_rows"]
