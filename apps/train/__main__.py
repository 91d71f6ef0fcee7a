"""`uv run apps/train`: MVCL-MI fine-tuning (paper eq. 10) of a vision-language model.

Thin CLI: the options come from `xtvqa_train.cli.settings_options` over
`xtvqa_reader.recipes.RecipeSettings` (`TrainSettings` and the bundled model's recipes' own
fields; each option's help and type are those of the field it sets, so a flag and a --config key
cannot drift apart), the work is `xtvqa_train.run.train`, or `xtvqa_reader.run.run_recipe` when
`--recipe` names one of the bundled model's recipes, and this file prints the tables.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from xtvqa_apps.kit import console, fail, progress_bar
from xtvqa_models.distributed import process_info
from xtvqa_reader.recipes import RecipeSettings, check_recipe_settings
from xtvqa_train.cli import settings_options
from xtvqa_train.settings import load_settings_file, split_fields


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="YAML or JSON file of settings (TrainSettings fields, MVCLMIConfig fields or these option "
                   "names); options given here override it.")
@settings_options(settings_class=RecipeSettings)
def main(config_file: str | None, **cli) -> None:
    """Fine-tune a vision-language model with MVCL-MI: cross-entropy on four views of each record
    (question in the image's language s or another language t, answer in s or t) plus KL terms
    that distil the monolingual views into the cross-lingual ones (paper eqs. 9-10).

    With no arguments: fine-tunes the default model on a generated training split on this CPU,
    benchmarks it before and after on the bundled data/sample, and prints the gap table.

    \b
    Examples:
      uv run apps/train
      uv run apps/train --model hf:Qwen/Qwen2-VL-2B-Instruct --data my-xtvqa-train --lora
      uv run apps/train --config apps/train/configs/example.yaml --no-kl
      accelerate launch --config_file apps/train/configs/ddp.yaml apps/train --model hf:... --data ...
    """
    from xtvqa_train.run import train

    given = {name: value for name, value in cli.items() if value is not None and value is not False}
    try:
        settings = RecipeSettings()
        from_file = load_settings_file(config_file, RecipeSettings) if config_file else {}
        settings = settings.merged(from_file).merged(given)
        if settings.recipe:  # what was set, not only what differs from a default, must be used
            own, trainer = split_fields({**from_file, **given}, RecipeSettings)
            check_recipe_settings(settings.recipe, settings, own, trainer)
        main_process = process_info().is_main  # one progress bar and one table per run
        progress = functools.partial(progress_bar, enabled=main_process)
        if settings.recipe:
            from xtvqa_reader.run import run_recipe  # torch and transformers: only for a recipe

            out = run_recipe(settings, progress)
        else:
            out = train(settings, progress=progress)
    except (NotImplementedError, ValueError, FileNotFoundError, FileExistsError, OSError) as error:
        raise fail(error) from None
    if main_process:
        _print(out)


def _print(out: Path) -> None:
    from xtvqa_train.loss import LossParts
    from xtvqa_train.report import gap_table

    if (out / "recipe_summary.json").is_file():  # --recipe tiny-base: a pre-training, no MVCL-MI parts
        from xtvqa_reader.recipes import BASE_NAME, models_dir
        from xtvqa_reader.tiny_base import summary_table

        Console().print(summary_table(out))
        try:
            bundled = out.resolve() == (models_dir() / BASE_NAME).resolve()
        except FileNotFoundError:  # --out outside any repository
            bundled = False
        console.print(f"model written to {out}" + (" (the bundled default model, replaced: `git diff --stat "
                                                    "data/models` shows it, `git checkout data/models` restores it)"
                                                    if bundled else ""))
        return
    summary = json.loads((out / "train_summary.json").read_text())
    table = Table(title=f"MVCL-MI training: {summary['model']}")
    table.add_column("loss part")
    table.add_column("first log", justify="right")
    table.add_column("last log", justify="right")
    first, last = summary["first_log"] or {}, summary["last_log"] or {}
    for name in LossParts.names():
        table.add_row(name, f"{first.get(name, float('nan')):.4f}", f"{last.get(name, float('nan')):.4f}")
    out_console = Console()
    out_console.print(table)
    before, after = out / "bench-before" / "results.json", out / "bench-after" / "results.json"
    if before.is_file() and after.is_file():
        out_console.print(gap_table(json.loads(before.read_text()), json.loads(after.read_text()),
                                    change=summary.get("gap_change")))
        if (out / "gap.png").is_file():
            console.print(f"figure: {out / 'gap.png'}")
    model = summary.get("model_copied_to") or summary["model_dir"]  # a recipe's --out: the copy
    console.print(f"{summary['global_step']} steps in {summary['wall_time_s']} s; model: {model}; "
                  f"run folder: {out}")


if __name__ == "__main__":
    from xtvqa_models.distributed import shutdown

    try:
        main()
    finally:
        shutdown()
