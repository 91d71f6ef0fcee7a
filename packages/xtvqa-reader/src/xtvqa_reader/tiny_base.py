"""Recipe tiny-base: generate, build, pre-train and save the bundled OCR-reading model.

    records   TinyBase.records of the generator's train split (seed TinyBase.seed), and
              TinyBase.copy_records asking only `recipes.COPY_KINDS` (seed + 2); images cut to
              the model's 28 px as they are made (the generator renders at 448 px, the size whose
              layout, and so whose OCR tokens, data/sample has)
    model     `ocr_reader.build_ocr_reader` (tokenizer from the first records' text)
    training  `pretrain.AnswerCETrainer`, CE on answer tokens, English-dominant `LanguageMix`;
              a curriculum (`pretrain.Phases`): echo samples (`echo_records`), lookups
              (`lookup_records`, none by default), the copy records, then all records
    output    the model folder (model, processor, xtvqa_prompt.json, README.md model card) and
              `recipe_summary.json` (settings, steps, loss history, wall times)
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
import time
from dataclasses import asdict
from pathlib import Path

import torch
from transformers import TrainerCallback, TrainingArguments
from xtvqa_data import Record, load, save
from xtvqa_data.synth import SynthConfig, generate

from xtvqa_reader.model_card import SETTINGS_MODULE, write_card
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader, save_reader
from xtvqa_reader.pretrain import (
    AnswerCETrainer,
    AnswerDataset,
    HeldOutCallback,
    LanguageMix,
    Phases,
    collate_answers,
)
from xtvqa_reader.recipes import COPY_KINDS, Progress, TinyBase, mixed_in
from xtvqa_reader.vision_attention import use_batched_vision_attention


def records_cache_folder(cache: Path, n: int, seed: int, image_size: int, config: SynthConfig) -> Path:
    """The folder in `cache` for `n` train records of generator seed `seed` at `image_size` px
    drawn with `config`: every input of `generate` is in its name (the config as a hash)."""
    digest = hashlib.sha256(json.dumps(asdict(config), sort_keys=True, default=list).encode()).hexdigest()[:12]
    return Path(cache) / f"synth-train-seed{seed}-n{n}-{image_size}px-config{digest}"


def _records(n: int, seed: int, image_size: int, progress: Progress, *, config: SynthConfig = SynthConfig(),
             workers: int = 1, cache: Path | None = None) -> list:
    """`n` generated train records, or (with `cache`) the same ones saved there by an earlier run."""
    folder = records_cache_folder(cache, n, seed, image_size, config) if cache is not None else None
    if folder is not None and folder.is_dir():
        with progress(f"loading train records (seed {seed}) from {folder}") as on_progress:
            out = list(load(folder, split="train"))
            on_progress(len(out), n)
        if len(out) != n:
            raise ValueError(f"{folder} holds {len(out)} records, not {n}: remove it to regenerate")
        return out
    out = []
    with progress(f"generating train records (seed {seed})") as on_progress:
        for record in generate(n, seed=seed, split="train", config=config, workers=workers, resize_to=image_size):
            out.append(record)
            on_progress(len(out), n)
    if folder is not None:  # written under a temporary name and renamed (xtvqa_data.save): never half a cache
        save(out, folder, card=f"tiny-base training records: xtvqa_data.synth.generate({n}, seed={seed}, "
                               f"split='train', resize_to={image_size}), config {asdict(config)}")
    return out


ECHO_FROM = "Repeat the lines from “{line}” on."
ECHO_ALL = "Repeat the text."


def echo_records(pool: list[Record], n: int, seed: int) -> list[Record]:
    """`n` echo samples: a record of `pool` asked (the same words in every language) to repeat
    3 to 12 consecutive OCR lines from a random one on, answered by those lines, one per line."""
    rng, out = random.Random(seed), []
    candidates = [r for r in pool if r.ocr_tokens]
    if n and not candidates:
        raise ValueError("echo samples need records with OCR tokens")
    while len(out) < n:
        record = candidates[rng.randrange(len(candidates))]
        lines = list(record.ocr_tokens)
        start = rng.randrange(len(lines))
        question = ECHO_FROM.format(line=lines[start]) if start else ECHO_ALL
        answer = "\n".join(lines[start : start + rng.randint(3, 12)])
        out.append(record.replace(question={lang: question for lang in record.question},
                                  answers={lang: (answer,) for lang in record.answers},
                                  question_type="extractive", meta={**record.meta, "question_kind": "echo"}))
    return out


LOOKUP = {1: "Which line comes after “{line}”?", -1: "Which line comes before “{line}”?"}


def askable(lines: list[str], offset: int) -> list[int]:
    """Indices of `lines` that a lookup can ask about: the line occurs once, and the line at
    `offset` from it exists."""
    return [i for i in range(len(lines)) if 0 <= i + offset < len(lines) and lines.count(lines[i]) == 1]


def lookup_records(pool: list[Record], n: int, seed: int, offsets: tuple[int, ...] = (1, -1)) -> list[Record]:
    """`n` lookups: a record of `pool` asked (the same words in every language) which OCR line
    comes after or before (`LOOKUP`, the offset drawn from `offsets`) a line that occurs once in
    its OCR lines, answered by that neighbouring line. The associative recall most question kinds
    need (a menu price is the line after the dish), asked alone (experiments/reader_lookup.py)."""
    if any(offset not in LOOKUP for offset in offsets) or not offsets:
        raise ValueError(f"lookup offsets are 1 (after) and -1 (before), got {offsets}")
    if n and not any(askable(list(r.ocr_tokens), offset) for r in pool for offset in offsets):
        raise ValueError("lookups need a record with an OCR line that occurs once and has a neighbour")
    rng, out = random.Random(seed), []
    while len(out) < n:
        record = pool[rng.randrange(len(pool))]
        lines, offset = list(record.ocr_tokens), rng.choice(offsets)
        unique = askable(lines, offset)
        if unique:
            i = rng.choice(unique)
            out.append(record.replace(question={lang: LOOKUP[offset].format(line=lines[i]) for lang in record.question},
                                      answers={lang: (lines[i + offset],) for lang in record.answers},
                                      question_type="extractive", meta={**record.meta, "question_kind": "lookup"}))
    return out


def held_out_batches(records: list, dataset: AnswerDataset, pad_id: int) -> dict:
    """The learning curve's held-out batches (`pretrain.HeldOutCallback`): `records` asked in
    their image's language ("source") and across languages ("cross": en for zh and fr images, zh
    for en images), encoded by `dataset` (its prompt and processor; the language mix unused) and
    collated with 1-D positions as the recipe's training batches are (`collate_answers(...,
    text_positions=True)`), each one batch of all the records, padded with `pad_id`."""
    cross = {"en": "zh", "zh": "en", "fr": "en"}
    return {
        "source": collate_answers([dataset.encode(r, r.image_lang) for r in records], pad_id, text_positions=True),
        "cross": collate_answers([dataset.encode(r, cross.get(r.image_lang, "en")) for r in records], pad_id,
                                 text_positions=True),
    }


def reader_size(recipe: TinyBase) -> ReaderSize:
    """The model shape (and so the image size) the recipe trains."""
    return ReaderSize(vocab_size=recipe.vocab_size, hidden_size=recipe.hidden_size, num_layers=recipe.num_layers)


def recipe_records(recipe: TinyBase, progress: Progress, *, records_cache: Path | None = None) -> tuple[list, list]:
    """The recipe's training records: (all kinds, seed `recipe.seed`; copy kinds, seed + 2), at
    the reader's image size, generated or loaded from `records_cache` (and saved there). Called
    alone, it fills the cache: e.g. a first call on a lent GPU renders, the next one trains."""
    size = reader_size(recipe).image_size
    records = _records(recipe.records, recipe.seed, size, progress, workers=recipe.generate_workers,
                       cache=records_cache)
    copy_records = _records(recipe.copy_records, recipe.seed + 2, size, progress,
                            config=SynthConfig(question_kinds=COPY_KINDS), workers=recipe.generate_workers,
                            cache=records_cache)
    return records, copy_records


def train_tiny_base(recipe: TinyBase, out: Path, progress: Progress, *, records_cache: Path | None = None) -> Path:
    """Run the recipe; write the model to `out` (replacing a previous one); return `out`.

    `records_cache`: a folder keeping the generated training records (`records_cache_folder`), so
    that a second run (another budget, a machine lent again) loads them instead of rendering."""
    torch.set_num_threads(recipe.threads)
    torch.set_flush_denormal(True)  # tiny float32 gradients must not fall into slow denormal paths
    started = time.perf_counter()
    size = reader_size(recipe)
    loaded = records_cache is not None and records_cache_folder(records_cache, recipe.records, recipe.seed,
                                                                size.image_size, SynthConfig()).is_dir()
    records, copy_records = recipe_records(recipe, progress, records_cache=records_cache)
    generated = time.perf_counter() - started
    model, processor = build_ocr_reader(out, records[: recipe.tokenizer_records], size=size, seed=recipe.seed)
    mix = LanguageMix(recipe.source_share, recipe.english_weight)
    echoes = echo_records(records, recipe.echo_samples, recipe.seed + 3)
    looked_up = lookup_records(records, recipe.lookup_samples, recipe.seed + 4)
    kept_up = lookup_records(records, mixed_in(len(records), recipe.lookup_share), recipe.seed + 5)
    # (samples, epochs, the phase's shuffling seed offset): the lookup phase, added later, takes
    # offset 3 so that the other phases keep theirs (and the recipe its models without lookups)
    curriculum = [(echoes, 1, 0), (looked_up, 1, 3), (copy_records, recipe.copy_epochs, 1),
                  (records + kept_up, recipe.epochs, 2)]
    phases = [AnswerDataset(chunk, processor, mix=mix, epochs=epochs, seed=recipe.seed + k, prompt=READER_PROMPT,
                            image_size=size.image_size)
              for chunk, epochs, k in curriculum if chunk and epochs]
    dataset = Phases(phases)
    pad_id = processor.tokenizer.pad_token_id
    run_dir = out.parent / f".{out.name}-checkpoints"
    args = TrainingArguments(
        output_dir=str(run_dir), per_device_train_batch_size=recipe.batch_size, num_train_epochs=1,
        learning_rate=recipe.learning_rate, lr_scheduler_type="cosine", warmup_steps=recipe.warmup_ratio,  # < 1: a ratio (transformers 5)
        weight_decay=recipe.weight_decay, adam_beta2=0.98, max_grad_norm=1.0, logging_steps=50,
        # On a machine with a GPU it trains there (with recipes.TINY_BASE_CUDA: tiny_base_settings).
        save_strategy="no", report_to="none", seed=recipe.seed, use_cpu=not torch.cuda.is_available(),
        dataloader_num_workers=recipe.data_workers, dataloader_persistent_workers=recipe.data_workers > 0,
        remove_unused_columns=False, disable_tqdm=True,
        # the schedule runs over max_steps when given (HF: max_steps > 0 overrides the epoch)
        max_steps=recipe.max_steps,
    )
    model.train()
    held_out = held_out_batches(_records(recipe.held_out_records, recipe.seed + 1, size.image_size, progress,
                                  workers=recipe.generate_workers), phases[-1], pad_id)
    deadline = TimeBudget(recipe.time_budget_s, started)
    # one SDPA call for the batch's images instead of one per image (vision_attention: same numbers)
    use_batched_vision_attention(model)
    # with max_steps the budget only stops training; the rate follows the steps (reproducible)
    trainer = _BudgetedTrainer(deadline, follow_clock=recipe.max_steps == -1, model=model, args=args,
                              train_dataset=dataset,
                              # positions built here: the reader's image is one token (see collate_answers)
                              data_collator=functools.partial(collate_answers, pad_id=pad_id, text_positions=True),
                              callbacks=[HeldOutCallback(held_out, recipe.eval_every)],
                              prompt_loss_weight=recipe.prompt_loss_weight)
    steps = len(dataset) // recipe.batch_size + (len(dataset) % recipe.batch_size > 0)
    if recipe.max_steps != -1:
        if recipe.max_steps > steps:
            raise ValueError(f"max_steps {recipe.max_steps} is more than the recipe's data gives ({steps} steps "
                             f"of {recipe.batch_size}); it would run phases again out of order")
        steps = recipe.max_steps
    trainer.add_callback(deadline)
    with progress("pre-training tiny-base") as on_progress:
        trainer.add_callback(_ProgressCallback(on_progress, steps))
        result = trainer.train()
    model.eval()
    use_batched_vision_attention(model, enabled=False)  # the saved config names transformers' own
    save_reader(model, processor, out)
    summary = {
        "recipe": "tiny-base", "settings": asdict(recipe), "settings_module": SETTINGS_MODULE,
        "parameters": model.num_parameters(),
        "vocab_size": len(processor.tokenizer), "global_step": trainer.state.global_step,
        "planned_steps": steps, "stopped_by_time_budget": deadline.stopped,
        "schedule_followed_the_clock": deadline.clock_led,
        "train_samples": min(len(dataset), trainer.state.global_step * recipe.batch_size),
        "device": _device_name(), "generate_s": round(generated, 1), "records_loaded_from_cache": loaded,
        "train_runtime_s": round(result.metrics["train_runtime"], 1),
        "wall_time_s": round(time.perf_counter() - started, 1),
        # the folder's name only: the file lives in it, and a path of the training machine means
        # nothing on a user's (the bundled model's was a folder of the lent GPU machine)
        "log_history": trainer.state.log_history, "model_name": out.name,
    }
    (out / "recipe_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    write_card(out, summary, out.name)
    return out


def _device_name() -> str:
    if torch.cuda.is_available():
        return torch.cuda.get_device_name()
    import platform

    return f"CPU ({platform.processor() or platform.machine()}), {torch.get_num_threads()} torch thread(s)"


class TimeBudget(TrainerCallback):
    """Stops training once `seconds` have passed since `started` (a `time.perf_counter()` value;
    None: the start of training), or never when `seconds` is None; `stopped` says whether it did."""

    def __init__(self, seconds: float | None, started: float | None = None):
        if seconds is not None and seconds <= 0:
            raise ValueError(f"time budget must be positive seconds, got {seconds}")
        self.seconds, self.stopped, self.started = seconds, False, started
        # set by budget_cosine: whether the clock, not the step count, set the rate at some step
        # (then the schedule depended on the machine's speed, and the run is not reproducible);
        # a budget that shapes the schedule at all leads from the first step after the warm-up
        self.clock_led = False

    @property
    def deadline(self) -> float | None:
        """The `time.perf_counter()` value at which the budget ends (None: no budget, or not started)."""
        return None if self.seconds is None or self.started is None else self.started + self.seconds

    def on_train_begin(self, args, state, control, **kwargs):
        if self.started is None:
            self.started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self.seconds is not None and time.perf_counter() - self.started > self.seconds:
            self.stopped = control.should_training_stop = True


def budget_cosine(warmup_steps: int, total_steps: int, deadline: TimeBudget, clock=time.perf_counter, *,
                  follow_clock: bool = True):
    """LR factor per optimizer step: linear warm-up, then a cosine to 0 over the larger of the
    fraction of steps done and the fraction of the time budget's training time spent (from the
    first call to the deadline). Without a budget it is transformers' cosine schedule; with one
    the rate reaches 0 when the budget ends the run, not at a step it never reaches. With
    `follow_clock` False (a run given max_steps) the budget only stops training: the rate is the
    steps' alone, the same on any machine."""
    begun: list[float] = []

    def factor(step: int) -> float:
        now = clock()
        if not begun:
            begun.append(now)
        if step < warmup_steps:
            return step / max(1, warmup_steps)
        done = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        end = deadline.deadline
        if end is not None and follow_clock:
            by_clock = (now - begun[0]) / max(end - begun[0], 1e-9)
            if by_clock > done:
                done, deadline.clock_led = by_clock, True
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, done)))

    return factor


class _BudgetedTrainer(AnswerCETrainer):
    """`AnswerCETrainer` whose cosine schedule also follows the time budget (`budget_cosine`)."""

    def __init__(self, budget: TimeBudget, *args, follow_clock: bool = True, **kwargs):
        self.budget, self.follow_clock = budget, follow_clock
        super().__init__(*args, **kwargs)

    def create_scheduler(self, num_training_steps: int, optimizer=None):
        if self.lr_scheduler is None:
            warmup = self.args.get_warmup_steps(num_training_steps)
            self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
                optimizer or self.optimizer,
                budget_cosine(warmup, num_training_steps, self.budget, follow_clock=self.follow_clock))
            self._created_lr_scheduler = True
        return self.lr_scheduler


class _ProgressCallback(TrainerCallback):
    """Reports optimizer steps to the app's progress bar."""

    def __init__(self, on_progress, total: int):
        self.on_progress, self.total = on_progress, total

    def on_step_end(self, args, state, control, **kwargs):
        self.on_progress(state.global_step, self.total)


def summary_table(folder: Path):
    """A rich table of a tiny-base model folder's `recipe_summary.json` (what the app prints)."""
    from rich.table import Table

    summary = json.loads((Path(folder) / "recipe_summary.json").read_text(encoding="utf-8"))
    losses = [h["loss"] for h in summary["log_history"] if "loss" in h]
    table = Table(title=f"recipe tiny-base: {folder}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = [("parameters", f"{summary['parameters']:,}"), ("vocabulary", str(summary["vocab_size"])),
            ("training samples", f"{summary['train_samples']:,}"), ("optimizer steps", str(summary["global_step"])),
            ("first / last logged loss", f"{losses[0]:.3f} / {losses[-1]:.3f}" if losses else "-"),
            ("generation s", str(summary["generate_s"])), ("training s", str(summary["train_runtime_s"])),
            ("wall time s", str(summary["wall_time_s"]))]
    for name, value in rows:
        table.add_row(name, value)
    return table
