"""Per-item entropies, MI and PMI under clean and noised images (DESIGN.md 5).

For each item: y = the greedy answer on the clean image (or the gold answer); H(Y|V,Q) and
log p(y|V,Q) from one teacher-forced pass on the clean image; H(Y|V_eps,Q) and log p(y|V_eps,Q)
from K passes on independently noised images (seeded by record and draw, so a rerun or a
resumed run draws the same noise, and every question language of a record sees the same noise). Both conditions are batched forward passes, not re-generation
(the authors' two free-running `generate` calls per item can score different answers).

Under `accelerate launch` every rank scores a strided shard of the items into `mi.rank<r>.jsonl`
(resumable per rank, as the benchmark's shards are); rank 0 merges them in item order into
`mi.jsonl` and returns the rows (the other ranks return None).

Noise at the `image` stage (Gaussian, on 0-255 pixels) noises the PIL image before the
processor; when the model reads OCR tokens, the OCR runs again on the noised image, so the noise
passes through the model's whole perception. Noise at the `pixel_values` stage (VCD diffusion)
needs a backend that accepts a pixel transform (the hf backend).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from xtvqa_data import EvalItem, Record
from xtvqa_data.metrics import score_item
from xtvqa_data.runs import (
    JsonlWriter,
    RunFolder,
    done_keys,
    merge_shards,
    read_jsonl,
    run_metadata,
    shard,
)
from xtvqa_infotheory import mutual_information, parse_noise, pointwise_mutual_information

from xtvqa_models.base import TokenScores, VisionLanguageModel
from xtvqa_models.chat import rgb_image
from xtvqa_models.distributed import process_info
from xtvqa_models.evaluate import apply_ocr_setting, build_items, run_config, select_records
from xtvqa_models.settings import AnalysisSettings

OcrFn = Callable[[Image.Image], Sequence[str]]
MI_FILE = "mi.jsonl"


def draw_seed(seed: int, record_id: str, draw: int) -> int:
    """A noise seed fixed by (run seed, record, draw): independent of batching and resume, and
    the same noised images for every question language of a record (a paired comparison)."""
    digest = hashlib.blake2b(f"{seed}|{record_id}|{draw}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & 0x7FFFFFFF


def _logmeanexp(values: Sequence[float]) -> float:
    """log of the mean probability over the noise draws: log p(y|V_eps,Q) marginalised over eps."""
    a = np.asarray(values, dtype=np.float64)
    top = a.max()
    return float(top + np.log(np.mean(np.exp(a - top)))) if math.isfinite(top) else float(top)


def analysis_row(item: EvalItem, answer: str, prediction: str, correct: float,
                 clean: TokenScores, noised: Sequence[TokenScores], *, skipped: str | None = None) -> dict[str, Any]:
    """One `mi.jsonl` line: entropies (nats, sum over answer tokens and per-token mean), MI, PMI;
    `skipped`: why the answer was not scored (its row keeps the prediction, without MI)."""
    n = clean.n_tokens
    row: dict[str, Any] = {
        "key": item.key, "id": item.id, "source": item.record.source,
        "question_lang": item.question_lang, "image_lang": item.image_lang,
        "question_type": item.record.question_type,
        "prediction": prediction, "answer": answer, "correct": float(correct), "n_tokens": n,
    }
    if n == 0 or skipped:  # an empty answer has no tokens to score: recorded, excluded from the means
        row.update(h_clean=None, h_noised=None, mi=None, pmi=None, skipped=skipped or "empty answer")
        return row
    h_clean = clean.sum_entropy
    h_noised = float(np.mean([s.sum_entropy for s in noised]))
    logp_clean = clean.sum_logprob
    logp_noised = _logmeanexp([s.sum_logprob for s in noised])
    row.update(
        h_clean=h_clean, h_noised=h_noised,
        h_clean_mean=h_clean / n, h_noised_mean=h_noised / n,
        mi=float(mutual_information(h_noised, h_clean)),
        mi_mean=float(mutual_information(h_noised, h_clean)) / n,
        logp_clean=logp_clean, logp_noised=logp_noised,
        pmi=float(pointwise_mutual_information(logp_clean, logp_noised)),
    )
    return row


class Perception:
    """The inputs one record gets under each condition: images and, for a model that reads OCR
    tokens, the tokens of those images. With `engine` OCR the clean and the noised images both
    go through the OCR engine, so the noise reaches the model through its whole perception
    (PROBES.md); with `dataset` OCR the dataset's tokens stay and the noise acts on pixels only.
    Noised images and their OCR are computed once per (record, draw) and shared by every
    question language; only the records of the current batch are kept.
    """

    def __init__(self, settings: AnalysisSettings, reads_ocr: bool, ocr: OcrFn | None):
        self.settings = settings
        self.spec = parse_noise(settings.noise)
        self.reads_ocr = reads_ocr
        self.engine = reads_ocr and settings.ocr_source in ("auto", "engine")
        if self.engine and ocr is None:
            raise ValueError("the model reads OCR tokens and ocr_source is 'engine', but no OCR engine was given")
        self.ocr = ocr
        self._cache: dict[tuple[str, int], tuple[Image.Image, tuple[str, ...] | None]] = {}

    def _tokens(self, item: EvalItem, image: Image.Image) -> tuple[str, ...] | None:
        if not self.reads_ocr:
            return None
        if self.engine or item.record.ocr_tokens is None:
            if self.ocr is None:
                raise ValueError(f"item {item.key}: the model reads OCR tokens, the record has none, and no OCR engine was given")
            return tuple(self.ocr(image))
        return tuple(item.record.ocr_tokens)

    def _inputs(self, item: EvalItem, draw: int) -> tuple[Image.Image, tuple[str, ...] | None]:
        """draw -1: the clean image; draw k >= 0: the k-th noised image."""
        key = (item.id, draw)
        if key not in self._cache:
            # Noise acts on the RGB image the processor gets (a palette or CMYK image converted
            # first, as the clean path converts it).
            image = item.record.image if draw < 0 else self.spec(
                rgb_image(item), seed=draw_seed(self.settings.seed, item.id, draw))
            self._cache[key] = (image, self._tokens(item, image))
        return self._cache[key]

    def items(self, batch: Sequence[EvalItem], draw: int) -> list[EvalItem]:
        out = []
        for item in batch:
            image, tokens = self._inputs(item, draw)
            new = item if draw < 0 else item.with_image(image)
            out.append(new if tokens is None else new.with_ocr_tokens(tokens))
        return out

    def keep_only(self, batch: Sequence[EvalItem]) -> None:
        ids = {item.id for item in batch}
        for key in [k for k in self._cache if k[0] not in ids]:
            del self._cache[key]


def run_analysis(
    model: VisionLanguageModel,
    records: Sequence[Record],
    out_dir: str | Path,
    settings: AnalysisSettings = AnalysisSettings(),
    *,
    resume: bool = False,
    data_id: str = "",
    ocr: OcrFn | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]] | None:
    """Score every item into `out_dir/mi.jsonl` (appended, resumable); return all rows in item
    order (on the main process; None on the others)."""
    if not model.can_score:
        raise ValueError(f"{model.spec} cannot score answers (no logits): use an hf: model for the analysis")
    spec = parse_noise(settings.noise)
    reads_ocr = apply_ocr_setting(model, settings.ocr_tokens)
    if spec.stage == "pixel_values" and reads_ocr and settings.ocr_source != "dataset":
        raise ValueError("diffusion noise acts on the processor's tensor, after OCR: use --ocr-source dataset "
                         "or Gaussian noise for a model that reads OCR tokens")
    perception = Perception(settings, reads_ocr, ocr)
    items = build_items(select_records(records, settings.limit), settings.langs)
    proc = process_info()
    folder = RunFolder.start(out_dir, resume=resume, guarded=(MI_FILE,))
    proc.barrier()  # every rank has checked before any rank appends
    if proc.is_main:  # the process count too: each rank resumes its own shard file
        folder.bind_config({**run_config(model, data_id, settings), "processes": proc.world_size}, resume=resume)
    proc.barrier()
    mine = shard(items, proc.rank, proc.world_size)
    path = folder.file(MI_FILE) if proc.world_size == 1 else folder.shard_path(proc.rank, MI_FILE)
    done = done_keys(path) if resume else set()
    todo = [item for item in mine if item.key not in done]
    pixel_noise = spec.stage == "pixel_values"

    started = time.perf_counter()
    finished = len(mine) - len(todo)
    if on_progress:
        on_progress(finished, len(mine))
    with JsonlWriter(path) as writer:
        for start in range(0, len(todo), settings.batch_size):
            raw = todo[start : start + settings.batch_size]
            perception.keep_only(raw)
            batch = perception.items(raw, -1)
            gens = model.generate(batch, max_new_tokens=settings.max_new_tokens, batch_size=settings.batch_size)
            predictions = [g.text for g in gens]
            correct = [score_item(i, p) for i, p in zip(batch, predictions, strict=True)]
            greedy = settings.answer == "greedy"
            answers = predictions if greedy else [i.record.answers[i.image_lang][0] for i in batch]
            # y is the greedy answer as generated: its own token ids where the backend gives them
            # (an empty prediction stays empty: nothing to score), not the stripped text re-tokenised.
            ids = [g.token_ids if g.text else () for g in gens] if greedy else None
            if ids is not None and any(i is None for i in ids):
                ids = None
            # an answer holding an image placeholder id: generation fed it as a plain token, a
            # teacher-forced forward with the image would take it for an image slot; not scored
            placeholders = model.placeholder_token_ids
            held = [ids is not None and bool(placeholders.intersection(i)) for i in (ids or [()] * len(batch))]
            if any(held):
                ids = [() if h else i for i, h in zip(ids, held, strict=True)]
            clean = model.score(batch, answers, batch_size=settings.batch_size, target_ids=ids)
            noised_draws = []
            for draw in range(settings.draws):
                if pixel_noise:
                    seeds = [draw_seed(settings.seed, i.id, draw) for i in batch]
                    noised_draws.append(model.score(batch, answers, batch_size=settings.batch_size, target_ids=ids,
                                                    pixel_transform=_pixel_transform(spec, seeds)))
                else:
                    noised_draws.append(model.score(perception.items(batch, draw), answers,
                                                    batch_size=settings.batch_size, target_ids=ids))
            writer.write_many(
                analysis_row(item, answers[j], predictions[j], correct[j], clean[j], [d[j] for d in noised_draws],
                             skipped="the answer holds an image placeholder token" if held[j] else None)
                for j, item in enumerate(batch)
            )
            finished += len(batch)
            if on_progress:
                on_progress(finished, len(mine))
    elapsed = time.perf_counter() - started

    proc.barrier()
    if not proc.is_main:
        return None
    if proc.world_size > 1:
        shards = [folder.shard_path(r, MI_FILE) for r in range(proc.world_size)]
        merge_shards(shards, folder.file(MI_FILE), order=[item.key for item in items])
    rows = {row["key"]: row for row in read_jsonl(folder.file(MI_FILE))}
    ordered = [rows[item.key] for item in items if item.key in rows]
    if len(ordered) != len(items):
        raise RuntimeError(f"{path}: {len(ordered)} rows for {len(items)} items; rerun with --resume")
    folder.write_json("run.json", {
        "model": {"spec": model.spec, "id": model.model_id, "revision": model.revision, **model.describe()},
        "noise": str(spec),
        "timings": {"seconds_this_process": round(elapsed, 3), "items_this_process": len(todo),
                    "items_per_second": round(len(todo) / elapsed, 3) if todo and elapsed > 0 else None,
                    "world_size": proc.world_size},
        "run": run_metadata(),
    })
    return ordered


def _pixel_transform(spec, seeds: Sequence[int]):
    """A per-row transform of the processor's pixel tensor, for `pixel_values`-stage noise."""

    def transform(pixel_values, row: int):
        return spec(pixel_values, seed=seeds[row])

    return transform
