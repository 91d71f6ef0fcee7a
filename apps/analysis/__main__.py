"""`uv run apps/analysis`: does a cross-lingual question activate less visual information?

Per item: the greedy answer, its teacher-forced entropy under the clean image and K noised
images, MI = H(Y|V_eps,Q) - H(Y|V,Q) and PMI (DESIGN.md 5). Per language: accuracy, entropies,
MI and PMI with bootstrap CIs, the accuracy-MI correlation, and the paper's Figs. 3 and 4.
"""

from __future__ import annotations

from pathlib import Path

import click
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
    progress_bar,
    settings_option,
)
from xtvqa_models.settings import AnalysisSettings

REPO = Path(__file__).resolve().parents[1].parent


def noise_option(value: str) -> str:
    """--noise checked when parsed, so its error names the option."""
    from xtvqa_infotheory import parse_noise

    try:
        return str(parse_noise(value))
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@common_options(AnalysisSettings, default_data=REPO / "data" / "sample", multiple_models=False)
@settings_option(AnalysisSettings, "noise", callback=lambda _c, _p, value: noise_option(value))
@settings_option(AnalysisSettings, "draws", type=click.IntRange(min=1))
@settings_option(AnalysisSettings, "answer", type=click.Choice(["greedy", "gold"]))
@settings_option(AnalysisSettings, "ocr_source", type=click.Choice(["auto", "engine", "dataset"]))
def main(model, data, split, langs, limit, batch_size, max_new_tokens, out, resume, seed, ocr_tokens,
         noise, draws, answer, ocr_source, **backend_params) -> None:
    """Entropy, mutual information and PMI between a model's answer and the image, per language.

    Writes mi.jsonl (per item), summary.json, table.md, accuracy_mi.png (Fig. 4: MI and accuracy
    per language), entropy_densities.png (Fig. 3) and report.html (all of it, with every item's
    image, questions and MI) into the run folder.

    \b
    Examples:
      uv run apps/analysis
      uv run apps/analysis --model hf:Qwen/Qwen2-VL-2B-Instruct --data lmms-lab/ChartQA --limit 100
      uv run apps/analysis --noise diffusion:500 --answer gold
    """
    check_resume(resume, out)  # in a second: before torch and the model
    from xtvqa_data.report import write_report
    from xtvqa_data.runs import atomic_write_json
    from xtvqa_models import default_model_spec, load_model
    from xtvqa_models.analysis import (
        AnalysisSettings,
        plot_accuracy_mi,
        plot_entropy_densities,
        render_markdown,
        render_rich,
        run_analysis,
        summarize_rows,
    )
    from xtvqa_models.distributed import process_info

    try:
        settings = AnalysisSettings(langs=langs, limit=limit, batch_size=batch_size, max_new_tokens=max_new_tokens,
                                    seed=seed, noise=noise, draws=draws, answer=answer, ocr_tokens=ocr_tokens,
                                    ocr_source=ocr_source)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    dataset = data_and_records(data, split)
    spec = model or default_model_spec()
    run_dir = out or default_run_dir(REPO, "analysis")
    # Under `accelerate launch` each process scores its shard of the items; the main process
    # merges them and writes the summary, figures and report (before the model: it picks the device).
    is_main = process_info().is_main
    try:
        vlm = load_model(spec, **backend_options(spec, backend_params))
    except (ValueError, FileNotFoundError, ImportError, OSError) as error:
        raise fail(error) from None
    try:
        with progress_bar("analysis", enabled=is_main) as on_progress:
            rows = run_analysis(vlm, dataset, run_dir, settings, resume=resume, data_id=str(data), ocr=lazy_ocr,
                                on_progress=on_progress)
    except (FileExistsError, FileNotFoundError, ValueError) as error:
        raise fail(error) from None
    finally:
        vlm.close()
    if rows is None:  # not the main process
        return
    summary = summarize_rows(rows, seed=seed)
    atomic_write_json(run_dir / "summary.json", summary)
    (run_dir / "table.md").write_text(render_markdown(summary), encoding="utf-8")
    plot_entropy_densities(rows, run_dir / "entropy_densities.png")
    plot_accuracy_mi(summary, run_dir / "accuracy_mi.png")
    write_report(run_dir, dataset)
    output.print(render_rich(summary, title=f"{spec}: MI by question language ({settings.noise}, K={draws})"))
    console.print(f"run folder: {run_dir}")


if __name__ == "__main__":
    from xtvqa_models.distributed import shutdown

    try:
        main()
    finally:
        shutdown()
