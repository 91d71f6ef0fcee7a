"""`run_recipe(settings) -> Path`: run the bundled model's recipe that `settings.recipe` names.

    tiny-base   `tiny_base.train_tiny_base` with `recipes.tiny_base_settings()` (the time budget,
                max_steps and records cache from the settings)
    tiny-mvcl   `xtvqa_train.run.train` on the bundled base model with `recipes.TinyMVCL`'s
                settings (the trainer options given on top): a run folder under runs/train/,
                the model in its model/; with --out DIR the model is copied to DIR too
                (`model_copied_to` in the run's train_summary.json)

Every setting a recipe would not use is refused (`recipes.check_recipe_settings`).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import torch
from xtvqa_providers.specs import slug
from xtvqa_train.run import default_run_dir, train

from xtvqa_reader.recipes import (
    BASE_NAME,
    RECIPE_TAKES,
    Progress,
    RecipeSettings,
    TinyMVCL,
    check_recipe_settings,
    models_dir,
    tiny_base_settings,
)
from xtvqa_reader.tiny_base import train_tiny_base


def run_recipe(settings: RecipeSettings, trainer: Mapping[str, Any] | None = None,
               progress: Progress | None = None) -> Path:
    """Run `settings.recipe` with the trainer settings given (MVCLMIConfig field -> value, on top
    of the recipe's own); returns the folder holding the model (and its run summary)."""
    progress = progress or (lambda _label: nullcontext(lambda _done, _total: None))
    trainer = dict(trainer or {})
    if settings.recipe in RECIPE_TAKES:
        # settings differing from RecipeSettings' defaults; the app also names those given at their
        # default value (check_recipe_settings with what the command line and --config set)
        default = RecipeSettings()
        check_recipe_settings(settings.recipe, settings,
                              [f.name for f in fields(RecipeSettings)
                               if f.name != "recipe" and getattr(settings, f.name) != getattr(default, f.name)],
                              trainer)
    if settings.recipe == "tiny-base":
        out = Path(settings.out) if settings.out else models_dir() / BASE_NAME
        recipe = replace(tiny_base_settings(), time_budget_s=settings.time_budget_s,
                         max_steps=trainer.get("max_steps", -1))
        return train_tiny_base(recipe, out, progress,
                               records_cache=Path(settings.records_cache) if settings.records_cache else None)
    if settings.recipe == "tiny-mvcl":
        return _tiny_mvcl(settings, trainer, progress)
    raise ValueError(f"unknown recipe {settings.recipe!r}")


def _tiny_mvcl(settings: RecipeSettings, trainer: Mapping[str, Any], progress: Progress) -> Path:
    """`xtvqa_train.run.train` on the bundled base model with TinyMVCL's settings (CLI trainer options on top);
    the run folder goes under runs/train/ (nothing is written into the repository's data/models/),
    and with --out the model is copied there too."""
    recipe = TinyMVCL()
    base = models_dir() / BASE_NAME
    if settings.model is None and not (base / "config.json").is_file():
        raise FileNotFoundError(f"{base} does not exist: run `uv run apps/train --recipe tiny-base` first")
    target = Path(settings.out) if settings.out else None
    # With --out the run folder is named after it too: two ablations started in the same second
    # (--no-use-kl, --no-cross-ce to two folders) must not share one (they did, by timestamp alone).
    stem = f"tiny-mvcl-{time.strftime('%Y%m%d-%H%M%S')}" + (f"-{slug(str(target))}" if settings.out else "")
    run_dir = default_run_dir().with_name(stem)
    own = RecipeSettings(model=settings.model or f"hf:{base}", synth_records=recipe.records,
                        synth_image_size=recipe.image_size, synth_resize_to=recipe.resize_to,
                        eval_records=settings.eval_records,
                        eval_langs=settings.eval_langs, eval_data=settings.eval_data, evaluate=settings.evaluate,
                        out=str(run_dir))
    torch.set_num_threads(recipe.threads)
    run = train(own, trainer={**recipe.trainer, **trainer}, progress=progress)
    if target is None:
        return run
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(run / "model", target)
    summary_file = run / "train_summary.json"
    if summary_file.is_file():  # the run names the copy (the app's last line prints it)
        summary = json.loads(summary_file.read_text(encoding="utf-8"))
        summary["model_copied_to"] = str(target)
        summary_file.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    for name in ("gap.md", "gap.png", "train_summary.json"):
        if (run / name).is_file():
            shutil.copy(run / name, target / name)
    return run
