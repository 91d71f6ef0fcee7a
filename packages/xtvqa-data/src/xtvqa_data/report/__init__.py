"""Aggregating predictions into the paper's Table-1 format, and rendering it (DESIGN.md 4).

`aggregate(rows)` -> scores per question language, per source and per question type, with
absolute and relative cross-lingual drops (see `aggregate`'s docstring for the definition);
`render_table_markdown`, `render_rich_table` and `plot_scores` present them; the drops'
bootstrap intervals are in the results and in `drop_interval_rows` / `render_rich_drop_intervals`;
`compare_runs(before, after, ...)` compares two runs on the same records (narrowing, source change,
paired intervals); `compare_folders` does it for two bench run folders (overall and per question
language), `change_line` / `change_markdown` say it, `write_comparison` writes comparison.md and
`plot_change` draws it (gap.png);
`convention_comparison` puts paper scores beside a harness convention's (results.json `comparison`);
`plot_drops` draws drops.png, the headline; `write_report` writes a run folder's report.html;
`scored_row` / `write_bench_results` turn a bench run's answers into its predictions.jsonl lines
and the rest of its folder (however the answers came: generated, or another harness's).
"""

from xtvqa_data.report.aggregate import (
    DROP_CI_LEVEL,
    DROP_CI_RESAMPLES,
    UNTYPED,
    aggregate,
    resample_counts,
)
from xtvqa_data.report.bench import prediction_row, scored_row, write_bench_results
from xtvqa_data.report.compare import (
    change_line,
    change_markdown,
    change_rows,
    compare_folders,
    compare_runs,
    cross_cells,
    write_comparison,
)
from xtvqa_data.report.conventions import comparison_markdown, convention_comparison
from xtvqa_data.report.html import REPORT, markdown_html, write_report
from xtvqa_data.report.plot import plot_change, plot_drops, plot_scores
from xtvqa_data.report.render import (
    drop_interval_rows,
    render_rich_drop_intervals,
    render_rich_table,
    render_table_markdown,
    table_rows,
    with_interval,
)

__all__ = [
    "DROP_CI_LEVEL",
    "DROP_CI_RESAMPLES",
    "REPORT",
    "UNTYPED",
    "aggregate",
    "change_line",
    "change_markdown",
    "change_rows",
    "compare_folders",
    "compare_runs",
    "comparison_markdown",
    "convention_comparison",
    "cross_cells",
    "drop_interval_rows",
    "markdown_html",
    "plot_change",
    "plot_drops",
    "plot_scores",
    "prediction_row",
    "render_rich_drop_intervals",
    "render_rich_table",
    "render_table_markdown",
    "resample_counts",
    "scored_row",
    "table_rows",
    "with_interval",
    "write_bench_results",
    "write_comparison",
    "write_report",
]
