"""The information-theory analysis (the paper's eqs. 4-8, with their signs fixed).

`run_analysis` scores each item's answer under the clean image and K noised images by teacher
forcing, writes `mi.jsonl` per item, and `summarize_rows` / `write_outputs` turn the rows into
the per-language table, the accuracy-MI correlation and the paper's Figs. 3 and 4.
"""

from xtvqa_models.analysis.figures import plot_accuracy_mi, plot_entropy_densities
from xtvqa_models.analysis.runner import AnalysisSettings, analysis_row, run_analysis
from xtvqa_models.analysis.summary import render_markdown, render_rich, summarize_rows

__all__ = [
    "AnalysisSettings",
    "analysis_row",
    "plot_accuracy_mi",
    "plot_entropy_densities",
    "render_markdown",
    "render_rich",
    "run_analysis",
    "summarize_rows",
]
