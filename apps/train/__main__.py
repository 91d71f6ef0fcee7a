"""`uv run apps/train`: MVCL-MI fine-tuning (paper eq. 10) of a vision-language model.

Thin CLI: `xtvqa_train.settings.parse_train_args` reads the options and a `--config` file the way
TRL's own scripts do (transformers' HfArgumentParser over `xtvqa_reader.recipes.RecipeSettings`
and the MVCLMIConfig fields; each option's help and type are those of the field it sets), the work
is `xtvqa_train.run.train`, or `xtvqa_reader.run.run_recipe` when `--recipe` names one of the
bundled model's recipes, and this file prints the tables.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table
from xtvqa_apps.kit import console, progress_bar
from xtvqa_models.distributed import process_info
from xtvqa_reader.recipes import RecipeSettings, check_recipe_settings
from xtvqa_train.settings import parse_train_args

DESCRIPTION = """\
Fine-tune a vision-language model with MVCL-MI: cross-entropy on four views of each record
(question in the image's language s or another language t, answer in s or t) plus KL terms that
distil the monolingual views into the cross-lingual ones (paper eqs. 9-10).

With no arguments: fine-tunes the default model on a generated training split on this CPU,
benchmarks it before and after on the bundled data/sample, and prints the gap table.

Examples:
  uv run apps/train
  uv run apps/train --model hf:Qwen/Qwen2-VL-2B-Instruct --data my-xtvqa-train --lora
  uv run apps/train --config apps/train/configs/example.yaml --no-use-kl
  uv run accelerate launch --config_file apps/train/configs/ddp.yaml apps/train --model hf:... --data ...
"""


def main(args: list[str] | None = None) -> None:
    """Parse, train (or run a recipe), print; an expected error is one line on stderr, exit code 1."""
    try:
        parsed = parse_train_args(args, RecipeSettings, prog="apps/train", description=DESCRIPTION)
        settings, trainer = parsed.settings, parsed.trainer
        if settings.recipe:  # what was set, not only what differs from a default, must be used
            check_recipe_settings(settings.recipe, settings, parsed.given - set(trainer), trainer)
        main_process = process_info().is_main  # one progress bar and one table per run
        progress = functools.partial(progress_bar, enabled=main_process)
        if settings.recipe:
            from xtvqa_reader.run import run_recipe  # torch and transformers: only for a recipe

            out = run_recipe(settings, trainer, progress)
        else:
            from xtvqa_train.run import train

            out = train(settings, trainer=trainer, progress=progress)
    except (NotImplementedError, ValueError, FileNotFoundError, FileExistsError, OSError) as error:
        print(f"Error: {error}", file=sys.stderr)  # one line, however wide
        sys.exit(1)
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
