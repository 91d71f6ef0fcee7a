"""The training stages of the family matrix, and the command that prints the whole matrix.

`check_views`: the MVCL-MI collator builds the four views with each record's image processed
and encoded once, and the loss equals the loss of four separate forward passes, one per view
with the images as the processor gave them. `check_training`: two steps of LoRA and of full
fine-tuning change the trainable weights, the trained folder reloads through `hf:` and the
benchmark runs on it. The model-side stages are `xtvqa_models.conformance`.

    uv run python -m xtvqa_train.conformance            # every tiny family x every stage
    uv run python -m xtvqa_train.conformance --family gemma3 --family qwen3_vl

prints the markdown table of the README's "Supported model families" (a cell is `ok`,
`refused` where the toolkit refuses the stage in one line, or `FAIL`), then one line per
refusal or failure saying why.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from xtvqa_models.conformance import (
    ATOL,
    MODEL_STAGES,
    ConformanceError,
    conformance_items,
    conformance_records,
)

from xtvqa_train.loss import IGNORE_INDEX, VIEWS, mvcl_mi_loss


def check_views(model: Any, records: Sequence[Any] | None = None) -> str:
    """Four views, the image encoded once, and a loss equal to four separate forwards."""
    from xtvqa_models.teacher_forcing import append_answers

    from xtvqa_train.collator import MVCLCollator, token_aligned_keys
    from xtvqa_train.forward import view_logits

    records = list(records or conformance_records(3))
    try:
        collator = MVCLCollator(model.processor, prompt=model.prompt)
        batch = collator(records)
    except (ValueError, NotImplementedError) as err:
        raise ConformanceError(f"the MVCL-MI collator refuses this model: {err}") from err
    n, core = len(records), model.model
    with torch.no_grad():
        logits, labels = view_logits(core, batch)
        once = mvcl_mi_loss(logits, labels)
        # One forward per view, each on its own rows with the processor's image tensors.
        first = int(torch.nonzero((batch["labels"] != IGNORE_INDEX).any(0))[0])
        separate, separate_labels = {}, {}
        for k, view in enumerate(VIEWS):
            rows = slice(k * n, (k + 1) * n)
            prompt = {key: batch[key][rows, :first] for key in token_aligned_keys(batch)}
            attended = batch["attention_mask"][rows, first:].bool()
            completions = [r[m].tolist() for r, m in zip(batch["input_ids"][rows, first:], attended, strict=True)]
            inputs, _, _ = append_answers(core, {**prompt, **batch["image_inputs"]}, completions, pad_id=0)
            separate[view] = core(**inputs).logits[:, first - 1 : -1]
            separate_labels[view] = batch["labels"][rows, first:]
        four = mvcl_mi_loss(separate, separate_labels)
    diff = max(abs(float(getattr(once, name)) - float(getattr(four, name))) for name in once.names())
    if diff > ATOL * 10:
        raise ConformanceError(f"the one-pass MVCL-MI loss differs from four separate forwards by {diff:.2e}")

    # What training sees is what evaluation scores: the ss view's answer tokens (the benchmark's
    # prompt in the image's language) get the log-probs `score` gives the same answer.
    from xtvqa_data import EvalItem

    worst, compared = 0.0, 0
    for b, record in enumerate(records):
        target = batch["labels"][b, first:]
        ids = [int(t) for t in target[target != IGNORE_INDEX]][:-1]  # without the end of turn
        scored = model.score([EvalItem(record, record.image_lang)], [""], target_ids=[ids])[0]
        trained = torch.log_softmax(logits["ss"][b].float(), -1)
        trained = trained[torch.arange(len(ids)), torch.as_tensor(ids)].detach().cpu().numpy()
        worst = max(worst, float(abs(trained - scored.logprobs).max(initial=0.0)))
        compared += len(ids)
    if worst > ATOL:
        raise ConformanceError(f"training's log-probs of an answer differ from the benchmark's by {worst:.2e}")
    return f"loss {float(once.total):.3f}, vs four forwards {diff:.0e}, vs score {worst:.0e} ({compared} tokens)"


def check_training(model: Any, records: Sequence[Any] | None = None) -> str:
    """Two steps of LoRA and of full fine-tuning change the trainable weights; the trained folder
    reloads through `hf:` and the benchmark runs on it."""
    from transformers import AutoModelForImageTextToText
    from xtvqa_models import load_model
    from xtvqa_models.evaluate import BenchSettings, run_benchmark

    from xtvqa_train.config import MVCLMIConfig
    from xtvqa_train.run import TrainSettings, _save_model, lora_config
    from xtvqa_train.trainer import MVCLMITrainer

    records = list(records or conformance_records(4))
    folder = Path(model.model_id)
    notes = []
    with tempfile.TemporaryDirectory() as tmp:
        for lora in (True, False):
            base = AutoModelForImageTextToText.from_pretrained(folder, dtype=torch.float32)
            args = MVCLMIConfig(output_dir=f"{tmp}/run", max_steps=2, per_device_train_batch_size=2,
                                learning_rate=1e-2, warmup_steps=0, logging_steps=1, report_to="none",
                                save_strategy="no", seed=0, dataloader_pin_memory=False, disable_tqdm=True,
                                use_cpu=not torch.cuda.is_available())
            peft = lora_config(TrainSettings(lora=True), base) if lora else None
            try:
                trainer = MVCLMITrainer(base, args, train_dataset=records, processing_class=model.processor,
                                        prompt=model.prompt, peft_config=peft)
            except ValueError as err:
                raise ConformanceError(f"MVCL-MI training refuses this model: {err}") from err
            trainable = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}
            try:
                trainer.train()
            except NotImplementedError as err:
                raise ConformanceError(f"MVCL-MI training refuses this model: {err}") from err
            after = dict(trainer.model.named_parameters())
            unchanged = [n for n, p in trainable.items() if torch.equal(p, after[n].detach())]
            if not trainable or len(unchanged) == len(trainable):
                raise ConformanceError(f"{'LoRA' if lora else 'full'} training changed none of {len(trainable)} trainable tensors")
            out = Path(tmp) / ("lora" if lora else "full")
            _save_model(trainer, model.processor, out, lora=lora)
            reloaded = load_model(f"hf:{out / 'model'}", dtype="float32", device=str(model.device))
            results = run_benchmark(reloaded, records[:2], out / "bench", BenchSettings(langs=("en", "zh"), max_new_tokens=4))
            reloaded.close()
            if not results or results["n_items"] != 4:
                raise ConformanceError(f"the benchmark of the {'LoRA' if lora else 'fully'} trained model did not run")
            notes.append(f"{'LoRA' if lora else 'full'} {len(trainable) - len(unchanged)}/{len(trainable)} changed")
    return ", ".join(notes)


TRAIN_STAGES: dict[str, Callable[[Any, Sequence[Any] | None], str]] = {
    "views": check_views,
    "training": check_training,
}
STAGES = (*MODEL_STAGES, *TRAIN_STAGES)


def run_matrix(families: Sequence[str], *, device: str = "cpu",
               on_cell: Callable[[str, str, str, str], None] | None = None) -> dict[str, dict[str, tuple[str, str]]]:
    """family -> stage -> (status, note) for every stage: `ok`, `refused` (the toolkit says no in
    one line, as `REFUSED_STAGES` expects) or `FAIL`."""
    from xtvqa_models import build_tiny_model, load_model
    from xtvqa_models.tiny.families import REFUSED_STAGES

    items = conformance_items()
    table: dict[str, dict[str, tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for family in families:
            row = table[family] = {}
            try:
                model = load_model(f"hf:{build_tiny_model(family, Path(tmp) / family)}", dtype="float32", device=device)
            except Exception as err:
                row.update({stage: ("FAIL", f"load: {err}") for stage in ("load", *STAGES)})
                continue
            row["load"] = ("ok", type(model.model).__name__)
            for stage in STAGES:
                check = MODEL_STAGES.get(stage) or TRAIN_STAGES[stage]
                started = time.perf_counter()
                try:
                    note = check(model, items if stage in MODEL_STAGES else None)
                    row[stage] = ("ok", note)
                except ConformanceError as err:
                    expected = REFUSED_STAGES.get((family, stage))
                    row[stage] = ("refused" if expected and expected in str(err) else "FAIL", str(err))
                except Exception as err:
                    row[stage] = ("FAIL", f"{type(err).__name__}: {err}")
                if on_cell:
                    on_cell(family, stage, row[stage][0], f"{time.perf_counter() - started:.1f} s")
            model.close()
    return table


def _shorten(note: str, limit: int = 240) -> str:
    line = note.splitlines()[0] if note else ""
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + " …"


def matrix_markdown(table: dict[str, dict[str, tuple[str, str]]]) -> str:
    """The family x stage table, then one line per refusal or failure."""
    stages = ("load", *STAGES)
    lines = ["| family | " + " | ".join(stages) + " |", "|---|" + "---|" * len(stages)]
    notes = []
    for family, row in table.items():
        lines.append(f"| {family} | " + " | ".join(row.get(stage, ("-", ""))[0] for stage in stages) + " |")
        notes += [f"- {family}, {stage}: {_shorten(cell[1])}" for stage in stages
                  if (cell := row.get(stage)) and cell[0] != "ok"]
    return "\n".join([*lines, *([""] if notes else []), *notes])


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    from xtvqa_models.tiny.families import FAMILIES, family_key

    parser = argparse.ArgumentParser(
        prog="python -m xtvqa_train.conformance",
        description="Build a tiny random-weight model of each transformers family, run every stage of the toolkit on "
                    "it (bench, analysis, MVCL-MI training) and print the family x stage table in markdown.")
    parser.add_argument("--family", action="append", help=f"a family (repeatable); default: all of {sorted(FAMILIES)}")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args(argv)
    from transformers.utils import logging

    logging.disable_progress_bar()  # one line per cell, not the loaders' bars
    logging.set_verbosity_error()
    families = [family_key(f) for f in args.family] if args.family else sorted(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {sorted(FAMILIES)}")
    table = run_matrix(families, device=args.device,
                       on_cell=lambda f, s, status, took: print(f"{f:16s} {s:9s} {status:8s} {took}", flush=True))
    print()
    print(matrix_markdown(table))
    return 1 if any(cell[0] == "FAIL" for row in table.values() for cell in row.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
