"""`uv run apps/bench`: how much a vision-language model loses when the question is not in the
language of the image's text (the paper's Tables 1 and 3).

Thin CLI: parse options, load the data and each model, call `xtvqa_models.evaluate.run_benchmark`,
print the table. Under `uv run accelerate launch apps/bench ...` the items are sharded across processes.
"""

from __future__ import annotations

from pathlib import Path

import click
from xtvqa_apps.kit import (
    backend_options,
    common_options,
    console,
    data_and_records,
    default_run_dir,
    fail,
    lazy_ocr,
    output,
    progress_bar,
    settings_option,
    translator_function,
)
from xtvqa_data.metrics import CONVENTIONS
from xtvqa_models.settings import BenchSettings
from xtvqa_providers.specs import slug

REPO = Path(__file__).resolve().parents[1].parent


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@common_options(BenchSettings, default_data=REPO / "data" / "sample", multiple_models=True)
@click.option("--translator", default=None, metavar="SPEC",
              help="Also score a cross-lingual prediction translated into the image's language: "
                   "gemini:<model>, openai:<model>, google-cloud:<project>, hf:<Marian/NLLB path or id>.")
@settings_option(BenchSettings, "metric_convention", type=click.Choice(CONVENTIONS))
def main(models, data, split, langs, limit, batch_size, max_new_tokens, out, resume, seed, ocr_tokens,
         translator, metric_convention, **backend_params) -> None:
    """Benchmark models on cross-lingual text-rich VQA: score per question language and the drop
    against questions in the image's own language, per source, question type, language of the
    image's text, and overall.

    Writes a run folder (predictions.jsonl, results.json, table.md, drops.png, scores.png and
    report.html) and prints the table. With several --model, one sub-folder per model, and each
    later model compared with the first on the same items (mean cross-lingual drop, its narrowing
    and the source-language change, with paired bootstrap intervals) in comparison.md and
    comparison.json, all models side by side in the root's report.html.

    \b
    Examples:
      uv run apps/bench
      uv run apps/bench --model hf:Qwen/Qwen2-VL-2B-Instruct --data lmms-lab/DocVQA --limit 500
      uv run apps/bench --model openai:gpt-4o --langs en,zh,fr,de
      uv run apps/bench --metric-convention lmms-eval
      uv run accelerate launch apps/bench --model hf:Qwen/Qwen2-VL-2B-Instruct
    """
    from xtvqa_data.report import (
        render_rich_drop_intervals,
        render_rich_table,
        write_comparison,
        write_report,
    )
    from xtvqa_models import default_model_spec, load_model
    from xtvqa_models.distributed import process_info
    from xtvqa_models.evaluate import BenchSettings, run_benchmark

    if resume and out is None:
        raise click.UsageError("--resume needs --out: the run folder to finish")
    settings = BenchSettings(langs=langs, limit=limit, batch_size=batch_size, max_new_tokens=max_new_tokens,
                             seed=seed, ocr_tokens=ocr_tokens, metric_convention=metric_convention)
    dataset = data_and_records(data, split)
    translate = translator_function(translator)
    specs = list(models) or [default_model_spec()]
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
            output.print(render_rich_table(results, title=f"{spec} on {data}"))
            intervals = render_rich_drop_intervals(results)
            if intervals is not None:
                output.print(intervals)
            console.print(f"run folder: {run_dir}  ({results['n_items']} items, {results['n_errors']} errors)")
    if len(specs) > 1 and is_main:  # each later model against the first, on the same items
        text = write_comparison(root, [(spec, slug(spec)) for spec in specs])
        write_report(root, dataset)
        click.echo(text.rstrip("\n"))  # plain text: rich would read "[+0.0, +0.0]" as markup


if __name__ == "__main__":
    from xtvqa_models.distributed import shutdown

    try:
        main()
    finally:
        shutdown()
