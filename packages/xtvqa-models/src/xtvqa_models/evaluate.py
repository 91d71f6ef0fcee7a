"""The benchmark runner: items -> `model.generate` -> metric -> run folder.

A run folder holds `predictions.jsonl` (one line per item, appended and fsynced as it goes, so
`resume=True` after a kill -9 finishes the run with every item exactly once), `results.json`
(scores, drops, config, model id and revision, package versions, git commit, seed, timings),
`table.md`, `drops.png` (the drops with their intervals), `scores.png` and `report.html` (tables,
figures and every item with its image). Under `accelerate launch` every rank evaluates a strided shard into
`predictions.rank<r>.jsonl`; rank 0 merges them in item order into `predictions.jsonl`.

`limit` counts records, not items: each selected record is asked in every requested language,
so the drop compares the same images across languages.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PIL import Image
from xtvqa_data import EvalItem, Record, check_langs_present, iter_items
from xtvqa_data.report import scored_row, write_bench_results
from xtvqa_data.runs import (
    JsonlWriter,
    RunFolder,
    done_keys,
    merge_rows,
    merge_shards,
    read_jsonl,
    shard,
)

from xtvqa_models.base import VisionLanguageModel
from xtvqa_models.distributed import process_info
from xtvqa_models.settings import BenchSettings

OcrFn = Callable[[Image.Image], Sequence[str]]
TranslateFn = Callable[[str, str, str], str]


def select_records(records: Sequence[Record], limit: int | None) -> list[Record]:
    """The first `limit` records (all when None); an empty selection is an error."""
    selected = list(records) if limit is None else [records[i] for i in range(min(limit, len(records)))]
    if not selected:
        raise ValueError("the dataset is empty: nothing to evaluate")
    return selected


def build_items(records: Sequence[Record], langs: Sequence[str]) -> list[EvalItem]:
    check_langs_present(records, langs)
    return list(iter_items(records, langs))


def apply_ocr_setting(model: VisionLanguageModel, ocr_tokens: bool) -> bool:
    """Turn on OCR tokens in `model`'s prompt when asked; return whether the model reads them.

    A model may ask for them itself (its folder's `xtvqa_prompt.json`, e.g. the bundled model).
    """
    prompt = getattr(model, "prompt", None)
    if prompt is None:
        if ocr_tokens:
            raise ValueError(f"{model.spec}: this backend has no prompt config, so it cannot take OCR tokens")
        return False
    if ocr_tokens and not prompt.use_ocr_tokens:
        model.prompt = dataclasses.replace(prompt, use_ocr_tokens=True)
    return model.prompt.use_ocr_tokens


def with_ocr_tokens(items: Sequence[EvalItem], ocr: OcrFn | None, cache: dict[str, tuple[str, ...]]) -> list[EvalItem]:
    """Items with OCR tokens: the dataset's own where present, else `ocr(image)` once per record."""
    out = []
    for item in items:
        if item.ocr_tokens is not None:
            out.append(item)
            continue
        if ocr is None:
            raise ValueError(f"item {item.key}: the model reads OCR tokens, the record has none, and no OCR engine was given")
        if item.id not in cache:
            cache[item.id] = tuple(ocr(item.image))
        out.append(item.with_ocr_tokens(cache[item.id]))
    return out


def run_benchmark(
    model: VisionLanguageModel,
    records: Sequence[Record],
    out_dir: str | Path,
    settings: BenchSettings = BenchSettings(),
    *,
    resume: bool = False,
    data_id: str = "",
    ocr: OcrFn | None = None,
    translator: TranslateFn | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any] | None:
    """Evaluate `model` on `records` into `out_dir`; return `results.json`'s content (rank 0; None elsewhere).

    `on_progress(done, total)` is called after every batch (the app draws a progress bar with it).
    """
    proc = process_info()
    random.seed(settings.seed)
    _seed_torch(settings.seed)
    reads_ocr = apply_ocr_setting(model, settings.ocr_tokens)

    selected = select_records(records, settings.limit)
    items = build_items(selected, settings.langs)
    folder = RunFolder.start(out_dir, resume=resume)  # refuses an earlier run's predictions
    proc.barrier()  # every rank has checked before any rank appends
    if proc.is_main:
        translator_id = None if translator is None else getattr(translator, "spec", repr(translator))
        # The process count too: each rank resumes its own shard file, so another count would
        # redo items in other shards and leave the old ranks' files unmerged.
        folder.bind_config({**run_config(model, data_id, settings), "translator": translator_id,
                            "processes": proc.world_size}, resume=resume)
    proc.barrier()
    mine = shard(items, proc.rank, proc.world_size)
    pred_path = folder.predictions_path if proc.world_size == 1 else folder.shard_path(proc.rank)
    done = done_keys(pred_path, include_errors=False) if resume else set()
    todo = [item for item in mine if item.key not in done]

    started = time.perf_counter()
    ocr_cache: dict[str, tuple[str, ...]] = {}
    n_done = len(mine) - len(todo)
    if on_progress:
        on_progress(n_done, len(mine))
    with JsonlWriter(pred_path) as writer:
        # API backends overlap requests within one generate() call, so hand them at least
        # max_concurrency items at a time; local backends batch by batch_size.
        chunk = max(settings.batch_size, getattr(model, "max_concurrency", 0))
        for start in range(0, len(todo), chunk):
            batch = todo[start : start + chunk]
            if reads_ocr:
                batch = with_ocr_tokens(batch, ocr, ocr_cache)
            generations = model.generate(batch, max_new_tokens=settings.max_new_tokens, batch_size=settings.batch_size)
            if len(generations) != len(batch):
                raise RuntimeError(f"{model.spec}: returned {len(generations)} answers for {len(batch)} items")
            writer.write_many(scored_row(item, gen.text, convention=settings.metric_convention, error=gen.error,
                                         translator=translator)
                              for item, gen in zip(batch, generations, strict=True))
            n_done += len(batch)
            if on_progress:
                on_progress(n_done, len(mine))
    elapsed = time.perf_counter() - started

    proc.barrier()
    if not proc.is_main:
        return None
    order = [item.key for item in items]
    if proc.world_size > 1:
        shards = [folder.shard_path(r) for r in range(proc.world_size)]
        rows = merge_shards(shards, folder.predictions_path, order=order)
    else:
        rows = merge_rows([read_jsonl(pred_path)], order=order)  # a retried item's newer row wins
    if len(rows) != len(items):
        raise RuntimeError(f"{folder.path}: {len(rows)} predictions for {len(items)} items; rerun with --resume")

    fields = {
        "model": {"spec": model.spec, "id": model.model_id, "revision": model.revision, **model.describe()},
        "data": data_id,
        "settings": asdict(settings),
        "prompt": model.prompt.to_dict() if getattr(model, "prompt", None) is not None else None,
        "timings": {"seconds_this_process": round(elapsed, 3), "items_this_process": len(todo),
                    "items_per_second": round(len(todo) / elapsed, 3) if elapsed > 0 and todo else None,
                    "world_size": proc.world_size},
        "translator": None if translator is None else getattr(translator, "spec", repr(translator)),
    }
    results = write_bench_results(folder, rows, selected, fields, convention=settings.metric_convention)
    return results


# Backend facts (`describe()`) that do not change a result: where it runs and how fast it is asked.
# Every other one (dtype, attention kernel, API host, temperature, engine settings) binds a run.
NOT_DECISIVE = frozenset({"device", "device_map", "max_concurrency", "max_retries", "timeout",
                          "gpu_memory_utilization", "tensor_parallel_size"})


def run_config(model: VisionLanguageModel, data_id: str, settings: BenchSettings | Any) -> dict[str, Any]:
    """The settings that change results; a resumed run must match them (`RunFolder.bind_config`):
    one predictions file never mixes, say, a bfloat16 run's answers with a float32 one's."""
    decisive = {k: v for k, v in asdict(settings).items() if k != "batch_size"}
    return {
        "model": model.spec,
        "model_id": model.model_id,
        "revision": model.revision,
        "backend": {k: v for k, v in model.describe().items() if k not in NOT_DECISIVE},
        "data": data_id,
        "settings": decisive,
        "prompt": model.prompt.to_dict() if getattr(model, "prompt", None) is not None else None,
    }


def _seed_torch(seed: int) -> None:
    try:
        import torch
    except ImportError:  # API-only installs
        return
    torch.manual_seed(seed)
