"""`uv run apps/bench`: how much a vision-language model loses when the question is not in the
language of the image's text (the paper's Tables 1 and 3).

Thin CLI: parse options, load the data and each model, call `xtvqa_models.evaluate.run_benchmark`,
print the table. Under `uv run accelerate launch apps/bench ...` the items are sharded across processes.

`apps/bench import` scores another harness's answers (lmms-eval, VLMEvalKit) the same way
(`xtvqa_build.import_predictions`). `apps/bench` is a click group that runs the benchmark when no
subcommand is given, so `apps/bench [OPTIONS]` works as it always has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from xtvqa_apps.kit import (
    backend_options,
    check_resume,
    common_options,
    console,
    data_and_records,
    default_run_dir,
    fail,
    lazy_ocr,
    output,
    parse_langs,
    progress_bar,
    settings_option,
    translator_function,
)
from xtvqa_data.metrics import CONVENTIONS
from xtvqa_models.settings import BenchSettings
from xtvqa_providers.specs import slug

REPO = Path(__file__).resolve().parents[1].parent


DEFAULT_DATA = REPO / "data" / "sample"


def _show(results: dict[str, Any], title: str, run_dir: Path) -> None:
    """Print a bench run's table, its drops with intervals, and where the run folder is."""
    from xtvqa_data.report import render_rich_drop_intervals, render_rich_table

    output.print(render_rich_table(results, title=title))
    intervals = render_rich_drop_intervals(results)
    if intervals is not None:
        output.print(intervals)
    console.print(f"run folder: {run_dir}  ({results['n_items']} items, {results['n_errors']} errors)")


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common_options(BenchSettings, default_data=DEFAULT_DATA, multiple_models=True)
@click.option("--translator", default=None, metavar="SPEC",
              help="Also score a cross-lingual prediction translated into the image's language: "
                   "gemini:<model>, openai:<model>, google-cloud:<project>, hf:<Marian/NLLB path or id>.")
@settings_option(BenchSettings, "metric_convention", type=click.Choice(CONVENTIONS))
@click.pass_context
def main(ctx: click.Context, models, data, split, langs, limit, batch_size, max_new_tokens, out, resume, seed,
         ocr_tokens, translator, metric_convention, **backend_params) -> None:
    """Benchmark models on cross-lingual text-rich VQA: score per question language and the drop
    against questions in the image's own language, per source, question type, language of the
    image's text, and overall.

    Writes a run folder (predictions.jsonl, results.json, table.md, drops.png, scores.png and
    report.html) and prints the table. With several --model, one sub-folder per model, and each
    later model compared with the first on the same items (mean cross-lingual drop, its narrowing
    and the source-language change, with paired bootstrap intervals) in comparison.md and
    comparison.json, all models side by side in the root's report.html.

    `apps/bench import` does the same for the answers lmms-eval or VLMEvalKit gave on an
    exported dataset (`apps/bench import --help`).

    \b
    Examples:
      uv run apps/bench
      uv run apps/bench --model hf:Qwen/Qwen2-VL-2B-Instruct --data lmms-lab/DocVQA --limit 500
      uv run apps/bench --model openai:gpt-4o --langs en,zh,fr,de
      uv run apps/bench --metric-convention lmms-eval
      uv run accelerate launch apps/bench --model hf:Qwen/Qwen2-VL-2B-Instruct
      uv run apps/bench import --from lmms-eval logs/<model>/*_samples_xtvqa_sample_*.jsonl
    """
    if ctx.invoked_subcommand is not None:  # the benchmark's options do not reach a subcommand
        given = [param.opts[0] for param in ctx.command.params
                 if ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT]
        if given:
            raise click.UsageError(f"{', '.join(given)} before '{ctx.invoked_subcommand}' is a benchmark option; "
                                   f"give the options of '{ctx.invoked_subcommand}' after it")
        return
    from xtvqa_data.report import write_comparison, write_report
    from xtvqa_models import default_model_spec, load_model
    from xtvqa_models.distributed import process_info
    from xtvqa_models.evaluate import BenchSettings, run_benchmark

    specs = list(models) or [default_model_spec()]
    check_resume(resume, out, [out / slug(spec) for spec in specs] if out is not None and len(specs) > 1 else [])
    settings = BenchSettings(langs=langs, limit=limit, batch_size=batch_size, max_new_tokens=max_new_tokens,
                             seed=seed, ocr_tokens=ocr_tokens, metric_convention=metric_convention)
    dataset = data_and_records(data, split)
    translate = translator_function(translator)
    root = out or default_run_dir(REPO, "bench")
    is_main = process_info().is_main
    for spec in specs:
        run_dir = root / slug(spec) if len(specs) > 1 else root
        try:
            model = load_model(spec, **backend_options(spec, backend_params))
        except (ValueError, FileNotFoundError, ImportError, OSError) as error:
            raise fail(error) from None
        try:
            with progress_bar(slug(spec), enabled=is_main) as on_progress:
                results = run_benchmark(model, dataset, run_dir, settings, resume=resume, data_id=str(data),
                                        ocr=lazy_ocr, translator=translate, on_progress=on_progress)
        except (FileExistsError, FileNotFoundError, ValueError) as error:
            raise fail(error) from None
        finally:
            model.close()
        if results is not None:
            _show(results, f"{spec} on {data}", run_dir)
    if len(specs) > 1 and is_main:  # each later model against the first, on the same items
        text = write_comparison(root, [(spec, slug(spec)) for spec in specs])
        write_report(root, dataset)
        click.echo(text.rstrip("\n"))  # plain text: rich would read "[+0.0, +0.0]" as markup


@main.command("import", short_help="Score lmms-eval's or VLMEvalKit's answers on an exported dataset as the "
                                   "benchmark does.")
@click.option("--from", "harness", required=True, type=click.Choice(["lmms-eval", "vlmevalkit"]),
              help="The harness that wrote FILES.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--data", default=str(DEFAULT_DATA), show_default=True, metavar="PATH|HUB_ID",
              help="The dataset that was exported (apps/build export) and answered.")
@click.option("--split", default=None, help="The split that was exported (default: every split, as export takes them).")
@settings_option(BenchSettings, "langs", callback=lambda _ctx, _param, value: parse_langs(value))
@settings_option(BenchSettings, "metric_convention", type=click.Choice(CONVENTIONS))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder (default: runs/bench/<time>).")
@click.option("--model-name", default=None, metavar="NAME",
              help="The model that answered (default: lmms-eval's output folder name, or VLMEvalKit's file "
                   "name before _XTVQA_).")
def import_command(harness: str, files: tuple[Path, ...], data: str, split: str | None, langs: tuple[str, ...],
                   metric_convention: str, out: Path | None, model_name: str | None) -> None:
    """Score the answers another harness gave on an exported dataset as the benchmark scores its
    own: the same run folder (predictions.jsonl, results.json, table.md, drops.png, scores.png,
    report.html) and the same table. The answers are the harness's; the scores (the toolkit's
    metrics, under --metric-convention), the drops and their intervals are the benchmark's.

    FILES: lmms-eval's samples files (`--log_samples`: <output_path>/<model>/<date>_samples_<task>.jsonl,
    one per question language of the task group `apps/build export --to lmms-eval` wrote), or
    VLMEvalKit's predictions files (<work_dir>/<model>_XTVQA_<NAME>_<LANG>.xlsx, or .tsv / .json,
    for the TSVs `apps/build export --to vlmevalkit` wrote). --data (and --split) must be the
    dataset that was exported: items are matched by record id and question language.

    Items of --data in --langs without an answer, answers in other languages, and items answered
    twice the same way are counted and named in the output and in results.json ("import"), not
    scored; an answer that is no item of --data, or an item answered twice differently, is an
    error (the files would be of another dataset or several runs), and nothing is written.

    \b
    Examples:
      uv run apps/bench import --from lmms-eval logs/<model>/*_samples_xtvqa_sample_*.jsonl
      uv run apps/bench import --from vlmevalkit outputs/<model>/<model>_XTVQA_SAMPLE_*.xlsx --langs en,zh,fr,de
    """
    from xtvqa_build.import_predictions import check_out, import_predictions, read_harness_files

    try:  # the run folder and the files first: a wrong file is refused before the dataset loads
        run_dir = check_out(out or default_run_dir(REPO, "bench"))
        answers = read_harness_files(harness, files)
    except (ValueError, OSError) as error:
        raise fail(error) from None
    records = data_and_records(data, split)
    try:
        done = import_predictions(answers, records, run_dir, langs=langs, convention=metric_convention,
                                  data_id=str(data), model=model_name)
    except (ValueError, OSError) as error:
        raise fail(error) from None
    _show(done.results, f"{done.results['model']['spec']} on {data}", done.out)
    for line in done.lines():
        click.echo(line)


if __name__ == "__main__":
    from xtvqa_models.distributed import shutdown

    try:
        main()
    finally:
        shutdown()
