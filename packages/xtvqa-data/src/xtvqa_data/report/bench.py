"""A benchmark run folder from its predictions: the one home of what a bench run writes after
the answers are in.

`apps/bench` generates the answers itself (`xtvqa_models.evaluate.run_benchmark`); `apps/bench
import` reads another harness's (`xtvqa_build.import_predictions`). Both turn each answer into a
`predictions.jsonl` line with `scored_row` and finish the folder with `write_bench_results`
(results.json, table.md, drops.png, scores.png, report.html), so the same answers give the same
files and the same table whichever way they came.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from xtvqa_data.metrics import DEFAULT_CONVENTION, default_metric, score_item
from xtvqa_data.record import EvalItem, Record
from xtvqa_data.report.aggregate import aggregate
from xtvqa_data.report.conventions import convention_comparison
from xtvqa_data.report.html import write_report
from xtvqa_data.report.plot import plot_drops, plot_scores
from xtvqa_data.report.render import render_table_markdown
from xtvqa_data.runs.folder import RESULTS, TABLE, RunFolder
from xtvqa_data.runs.meta import run_metadata

TranslateFn = Callable[[str, str, str], str]


def prediction_row(item: EvalItem, prediction: str, score: float, *, error: str | None = None,
                   paper_score: float | None = None) -> dict[str, Any]:
    """One `predictions.jsonl` line; `id, source, question_lang, image_lang, prediction, score`
    are fixed keys. `paper_score`: the paper-convention score beside a harness convention's
    `score` (None: not kept)."""
    row: dict[str, Any] = {
        "key": item.key,
        "id": item.id,
        "source": item.record.source,
        "question_lang": item.question_lang,
        "image_lang": item.image_lang,
        "question_type": item.record.question_type,
        "metric": default_metric(item.record),
        "question": item.question,
        "answers": list(item.record.answers[item.image_lang]),
        "prediction": prediction,
        "score": float(score),
        "error": error,
    }
    if paper_score is not None:
        row["paper_score"] = float(paper_score)
    return row


def scored_row(item: EvalItem, prediction: str, *, convention: str = DEFAULT_CONVENTION,
               error: str | None = None, translator: TranslateFn | None = None) -> dict[str, Any]:
    """The row of `prediction` scored under `convention` (`paper_score` beside it when that is a
    harness's); a failed answer (`error`) scores 0."""
    def score(under: str) -> float:
        return 0.0 if error is not None else score_item(item, prediction, translator=translator, convention=under)

    paper = None if convention == DEFAULT_CONVENTION else score(DEFAULT_CONVENTION)
    return prediction_row(item, prediction, score(convention), error=error, paper_score=paper)


def write_bench_results(folder: RunFolder, rows: Sequence[Mapping[str, Any]], records: Iterable[Record],
                        fields: Mapping[str, Any], *, convention: str = DEFAULT_CONVENTION) -> dict[str, Any]:
    """Aggregate `rows` (in item order: it fixes the columns) and write results.json (the
    aggregate, then `fields`: model, data, settings, ...; the item and error counts, the run's
    versions and the convention, with the paper scores beside a harness convention's), table.md,
    drops.png, scores.png and report.html (`records` give its images). Returns results.json's
    content."""
    results = aggregate(rows)
    results.update(fields)
    results.update({"n_items": len(rows), "n_errors": sum(1 for r in rows if r.get("error")),
                    "run": run_metadata(), "metric_convention": convention})
    if convention != DEFAULT_CONVENTION:
        results["comparison"] = convention_comparison(rows, convention)
    folder.write_json(RESULTS, results)
    folder.write_text(TABLE, render_table_markdown(results))
    plot_drops(results, folder.file("drops.png"))
    plot_scores(results, folder.figure_path)
    write_report(folder.path, records)
    return results
