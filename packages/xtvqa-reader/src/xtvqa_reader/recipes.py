"""The bundled default model's two recipes, run as `uv run apps/train --recipe NAME`: their settings.

    tiny-base   a tiny Qwen2-VL that reads OCR tokens, trained from scratch on the generator's
                train split with an English-dominant question-language mix (`pretrain.py`);
                written to data/models/xtvqa-tiny-ocr/, replacing the toolkit's bundled default
                model (a tracked folder: `git diff data/models` shows the change); --out elsewhere
    tiny-mvcl   MVCL-MI fine-tuning of it (`xtvqa_train.run.train` with the recipe's settings,
                paper eq. 10); a run folder runs/train/tiny-mvcl-<time>/ with the model in its
                model/; with --out DIR the model is copied to DIR too

Every number that decides the weights is a field below, and every random draw comes from
`seed`, so the two commands rebuild the same models. `--no-use-kl` / `--no-cross-ce` and the other
trainer options apply on top of tiny-mvcl's settings (the paper's Table 4 ablations).

`RecipeSettings` is `TrainSettings` with the recipe's own fields (`--recipe`, `--time-budget`,
`--records-cache`): `uv run apps/train` reads its options and --config file as these
(`xtvqa_train.settings.parse_train_args`), and hands them to `xtvqa_reader.run.run_recipe` when
a recipe is named, else to `xtvqa_train.run.train`.
This module imports neither torch nor TRL (the app's `--help` reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_train.settings import TrainSettings

Progress = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]

BASE_NAME = "xtvqa-tiny-ocr"
RECIPES = ("tiny-base", "tiny-mvcl")


@dataclass
class RecipeSettings(TrainSettings):
    """`TrainSettings` and the fields only a recipe takes; `recipe` None: a plain MVCL-MI run."""

    recipe: str | None = field(
        default=None,
        metadata={"help": f"A named recipe for the bundled model: {', '.join(RECIPES)}. tiny-base writes "
                  f"data/models/{BASE_NAME}/, replacing the bundled default model (--out: another folder); "
                  "tiny-mvcl writes a run folder under runs/train/ (--out: the model copied there too).",
                  "choices": list(RECIPES)}
    )
    time_budget_s: float | None = field(
        default=None,
        metadata={"help": "Recipe tiny-base only: stop training this many seconds after the recipe's start "
                  "(generation included), the cosine schedule ending there, and save the model (for a GPU "
                  "lent for a fixed time).", "aliases": ["--time-budget"], "metavar": "SECONDS"},
    )
    records_cache: str | None = field(
        default=None,
        metadata={"help": "Recipe tiny-base only: a folder that keeps its generated training records; a later "
                  "run with the same settings loads them instead of rendering them again (about 3 minutes "
                  "on 2 cores or on 15). Clear it after changing the generator."},
    )

    def __post_init__(self) -> None:
        if self.recipe is not None and self.recipe not in RECIPES:
            raise ValueError(f"unknown recipe {self.recipe!r}; known: {', '.join(RECIPES)}")
        if self.time_budget_s is not None and (self.recipe != "tiny-base" or self.time_budget_s <= 0):
            raise ValueError(f"--time-budget takes positive seconds and only --recipe tiny-base, got "
                             f"{self.time_budget_s} with recipe {self.recipe}")
        if self.records_cache is not None and self.recipe != "tiny-base":
            raise ValueError(f"--records-cache takes only --recipe tiny-base, got recipe {self.recipe}")
        super().__post_init__()


# Question kinds answered by copying one string found next to (or named by) the question's
# entity: the curriculum's first phase, before all 43 kinds. Why: a tiny model learns a copy
# from a fixed place within a few hundred steps when it is alone (measured: cover_genre and
# shop_name alone, 3 % to 72 % held-out exact in 400 steps of 32), not in the full mix. What it
# gave: no measurable lift so far (packages/xtvqa-reader/README.md, the recipes):
# most of these kinds need the entity found among the OCR lines first, which is the hard part.
COPY_KINDS = (
    "chart_value", "pie_share", "line_value", "doc_qty", "doc_amount", "doc_total", "doc_number",
    "doc_customer", "tt_time", "tt_platform", "tt_dest", "shop_type", "shop_name", "shop_opens",
    "shop_closes", "shop_closed_day", "shop_phone", "menu_price", "dir_distance", "cover_title",
    "cover_author", "cover_publisher", "cover_year", "cover_genre",
)


def mixed_in(n: int, share: float) -> int:
    """How many samples to add to `n` so that they are `share` of the whole (rounded)."""
    if not 0 <= share < 1:
        raise ValueError(f"a share of the samples is in [0, 1), got {share}")
    return round(n * share / (1 - share))


@dataclass(frozen=True)
class TinyBase:
    """tiny-base: what the pre-training of the bundled model depends on."""

    seed: int = 1000  # generator seed of the train split (data/sample is split "test", seed 0)
    # phase 0: "repeat the lines from X on" samples (`tiny_base.echo_records`, drawn from the
    # records with seed + 3): every answer token is a copy from the prompt, so the attention
    # that finds a string among the OCR lines and reads on from it is trained at every token.
    # Why: it is the one change that moved the lookup probe (experiments/reader_lookup.py).
    echo_samples: int = 12000
    # phase 0b: "which line comes after / before “X”?" lookups (`tiny_base.lookup_records`, seed
    # + 4), the associative recall most kinds need, asked alone. Why: alone, the reader learns
    # them, slowly (experiments/reader_lookup.py: 0.16-0.22 held-out exact after 3,000 steps of
    # 32, 0.40-0.55 after 8,000-12,000), and the recipe's mixed phases never taught them (the bundled
    # model reads on after a named line 2.3 % of the time). 0 (none) in every model built so far:
    # what the phase does to the recipe's model is not measured yet. Taught to the bundled model
    # on the CPU (reader_lookup.py --init), lookups at 0.41 left its questions' score
    # where it was: the skill does not carry into the question kinds by itself at that level.
    lookup_samples: int = 0
    # Lookups mixed into phase 2 (fresh draws, seed + 5), as this share of its samples (the same
    # lookups every epoch). Why: after a lookup phase, the question-answer phase alone unlearns
    # them (experiments/reader_lookup.py --qa: 0.16 / 0.17 held-out before it, 0.02-0.08 from
    # 400 of its steps on; with a share of 0.25, 0.16-0.22 to the end, the questions' own score
    # unchanged within noise). 0 in every model built so far, like `lookup_samples`.
    lookup_share: float = 0.0
    copy_records: int = 8000  # phase 1: COPY_KINDS only (generator seed + 2)
    copy_epochs: int = 4
    records: int = 30000  # phase 2: every kind; x epochs = its training samples
    epochs: int = 7  # each epoch asks every record in a newly drawn question language
    tokenizer_records: int = 4000  # the first records' text trains the tokenizer
    batch_size: int = 32
    learning_rate: float = 1e-3  # 2e-3 made a copy-only probe's loss climb back (4.5 -> 5.4)
    prompt_loss_weight: float = 0.0  # > 0: next-token CE on the prompt text too (pretrain.AnswerCETrainer)
    warmup_ratio: float = 0.02
    weight_decay: float = 0.01
    vocab_size: int = 8192  # room for every number up to 2100 as one token
    hidden_size: int = 192
    num_layers: int = 4
    source_share: float = 0.75  # P(question in the image's language)
    english_weight: float = 3.0  # English's weight among the other languages (each other: 1)
    # One torch thread for the model and one process preparing batches (processor calls): the
    # two cores of the machine the recipe was measured on. With another process holding a core,
    # 2 torch threads ran 4x slower than 1 (14.6 vs 57.8 samples/s, hidden 192).
    threads: int = 1
    data_workers: int = 1
    generate_workers: int = 2  # processes rendering the training records
    held_out_records: int = 96  # generator seed + 1: the learning curve in recipe_summary.json
    eval_every: int = 400  # optimizer steps between held-out measurements
    # Wall-clock seconds, counted from the recipe's start (generation included), after which
    # training stops and the model is saved (None: every step runs). For a machine lent for a
    # fixed time; recipe_summary.json records the step reached and whether the budget stopped it.
    time_budget_s: float | None = None
    # Optimizer steps after which training stops, the cosine schedule ending there (-1: every
    # planned step, TrainingArguments' convention). Unlike a time budget it does not depend on the
    # machine's speed: the same settings and seed give the same schedule, and the same model up to
    # the device's arithmetic.
    max_steps: int = -1

    def __post_init__(self):
        if self.max_steps != -1 and self.max_steps < 1:
            raise ValueError(f"max_steps must be >= 1 (or -1: every planned step), got {self.max_steps}")
        if not 0 <= self.lookup_share < 1:
            raise ValueError(f"lookup_share is a share of phase 2's samples, in [0, 1); got {self.lookup_share}")


# tiny-base where CUDA is present: the same data and model, far more samples. On the CPU the
# model does not learn to find the question's entity among the OCR lines within an hour
# (packages/xtvqa-reader/README.md); one GPU runs this many samples in minutes, while 14 processes
# prepare the batches (~10,000 samples/s on an H200 machine, above the ~5,300/s its step takes at
# batch 128) and 15 render the records. Batches of 128, not 256: twice the optimizer steps for the
# samples a lent machine's minutes allow (the committed build: 4,758 steps in 217 s). With
# `time_budget_s` (a lent machine) the cosine schedule ends at the budget (`budget_cosine`), so
# the planned 20 epochs are an upper bound, not a promise.
TINY_BASE_CUDA = TinyBase(
    echo_samples=100_000, records=100_000, epochs=20, copy_records=20_000, copy_epochs=2, batch_size=128,
    learning_rate=1.5e-3, warmup_ratio=0.02, threads=4, data_workers=14, generate_workers=15, held_out_records=256,
    eval_every=500,
)


def tiny_base_settings(cuda: bool | None = None) -> TinyBase:
    """The tiny-base profile for this machine: `TINY_BASE_CUDA` where CUDA is available, else `TinyBase()`."""
    if cuda is None:
        import torch

        cuda = torch.cuda.is_available()
    return TINY_BASE_CUDA if cuda else TinyBase()


@dataclass(frozen=True)
class TinyMVCL:
    """tiny-mvcl: MVCL-MI fine-tuning settings (alpha = beta = 1 as the paper's Table 5)."""

    records: int = 2000  # x 4 views; generator seed 0 of the train split (run.train's)
    # Drawn at the generator's design size, as the base's pre-training records and data/sample
    # are, then downscaled to the 28 px the model sees. (Drawn at 112 px, a document fits fewer
    # rows and drops its date line: 26 of 120 records differ; the recipe did that until
    # 2026-11-26, fine-tuning on another distribution than the one it is scored on.)
    image_size: int = 448
    resize_to: int = 28
    threads: int = 1  # see TinyBase.threads
    trainer: dict = field(default_factory=lambda: {
        "alpha": 1.0, "beta": 1.0, "learning_rate": 3e-4, "num_train_epochs": 1.0,
        "per_device_train_batch_size": 16, "warmup_steps": 0.05, "weight_decay": 0.01,
        "adam_beta2": 0.98, "logging_steps": 10, "save_strategy": "no", "seed": 0, "view_seed": 0,
    })


def models_dir() -> Path:
    """`<repo>/data/models` (the repository found as `xtvqa_models.defaults` finds it)."""
    from xtvqa_models.defaults import find_repo_root

    root = find_repo_root()
    if root is None:
        raise FileNotFoundError("no XT-VQA repository found (no data/ folder above the working directory); "
                                "set XTVQA_HOME or pass --out")
    return root / "data" / "models"


# What each recipe takes of the settings (RecipeSettings fields; "trainer": the trainer options),
# and how its error message says so; any other setting given is an error, never dropped.
RECIPE_TAKES: dict[str, tuple[tuple[str, ...], str]] = {
    "tiny-base": (("out", "time_budget_s", "trainer.max_steps", "records_cache"),
                  "--out, --time-budget, --max-steps and --records-cache; "
                  "its other settings are the fields of xtvqa_reader.recipes.TinyBase"),
    "tiny-mvcl": (("model", "eval_records", "eval_langs", "eval_data", "evaluate", "out", "trainer"),
                  "--model, --eval-records, --eval-langs, --eval-data, --no-evaluate, --out and the trainer "
                  "options (--alpha, --no-use-kl, --lr, ... any MVCLMIConfig field); its data and "
                  "other settings are the fields of xtvqa_reader.recipes.TinyMVCL"),
}


def check_recipe_settings(recipe: str, settings: RecipeSettings, own: Iterable[str],
                          trainer: Mapping[str, Any] | None = None) -> None:
    """Raise ValueError naming every setting in `own` (RecipeSettings field names) and every
    trainer setting in `trainer` (MVCLMIConfig field -> value) that `recipe` would not use
    (RECIPE_TAKES), with its value. The app passes the names its command line and --config file
    set, so that an option given at its default value (`--lora-r 64`) is refused too, not
    silently dropped."""
    if recipe not in RECIPE_TAKES:
        return
    honoured, what = RECIPE_TAKES[recipe]
    unused = [f"{name}={getattr(settings, name)!r}" for name in dict.fromkeys(own)
              if name not in (*honoured, "recipe", "trainer")]
    if "trainer" not in honoured:  # "trainer.<name>": that one trainer option only
        unused += [f"trainer option {name}={value!r}" for name, value in (trainer or {}).items()
                   if f"trainer.{name}" not in honoured]
    if unused:
        raise ValueError(f"recipe {recipe} takes no {', '.join(unused)}; it takes only {what}")
