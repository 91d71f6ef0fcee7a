"""`uv run apps/build export`: an XT-VQA dataset -> an lmms-eval task group or VLMEvalKit TSVs."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from xtvqa_apps.kit import data_and_records, fail, parse_langs


@click.command("export")
@click.argument("dataset")
@click.option("--to", "to", required=True, type=click.Choice(["lmms-eval", "vlmevalkit"]),
              help="The harness: an lmms-eval task group, or VLMEvalKit's dataset TSVs.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (lmms-eval: give it as --include_path; VLMEvalKit: as $LMUData).")
@click.option("--name", default=None,
              help="Dataset name in the task names (xtvqa_<name>_<lang>); default: DATASET's folder name.")
@click.option("--langs", default=None, help="Question languages to export, e.g. en,zh (default: every one).")
@click.option("--split", default=None, help="Export one split of DATASET only (default: all, as the tasks' test split).")
@click.option("--convention", type=click.Choice(["paper", "lmms-eval", "vlmevalkit"]), default="paper",
              show_default=True, help="Metric convention of the exported scorer (lmms-eval tasks).")
def export(dataset: str, to: str, out: Path, name: str | None, langs: str | None, split: str | None,
           convention: str) -> None:
    """Export DATASET (a record dataset folder or hub id) for another evaluation harness.

    One task (lmms-eval) or TSV (VLMEvalKit) per question language. Each item keeps the prompt
    `apps/bench` asks (the question and the instruction in the question's language), and the
    lmms-eval tasks score with the toolkit's metrics (xtvqa_data.metrics.score_item).

    Example: uv run apps/build export data/sample --to lmms-eval --out exports/sample-lmms
    """
    from xtvqa_build.export import export as run_export
    from xtvqa_models.prompts import PromptConfig

    records = data_and_records(dataset, split)
    name = name or Path(dataset.rstrip("/")).name
    options = {"convention": convention} if to == "lmms-eval" else {}
    try:
        result = run_export(records, out, name, to, prompt=PromptConfig().text,
                            langs=parse_langs(langs) if langs else None, **options)
    except (ValueError, OSError) as error:
        raise fail(error) from None
    table = Table(title=f"export {dataset} -> {to}", show_header=False)
    for task, (lang, n) in zip(result.tasks, result.items.items(), strict=True):
        table.add_row(task, f"{n} items ({lang})")
    if result.group:
        table.add_row("group", result.group)
    table.add_row("folder", str(out))
    table.add_row("how to run", str(out / "README.md"))
    Console().print(table)
