"""`generate` and `make_record`: records from the four scenarios, deterministic by seed.

Record i of a run is fully determined by (seed, split, i, scenarios, image_langs, config):
its scenario and image language cycle with i (scenario fastest, so every run of 12 records
covers all 4 x 3 combinations), and everything else is drawn from record i's own random stream
(sampling.py). So records can be generated in any order, in parallel, or one at a time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from importlib import metadata
from types import ModuleType

from xtvqa_data.record import Record
from xtvqa_data.synth import charts, covers, documents, signs
from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.fonts import font_path
from xtvqa_data.synth.questions import (
    answer_texts,
    choose_qa,
    metric_name,
    question_texts,
    question_type,
)
from xtvqa_data.synth.sampling import pick, record_rng
from xtvqa_data.synth.vocab import IMAGE_LANGS

_MODULES: dict[str, ModuleType] = {"chart": charts, "doc": documents, "sign": signs, "cover": covers}
SCENARIOS: tuple[str, ...] = tuple(_MODULES)
# scenario -> variant -> the question kinds its images can ask
QUESTION_KINDS: dict[str, dict[str, tuple[str, ...]]] = {name: dict(m.VARIANTS) for name, m in _MODULES.items()}


@functools.cache
def _version() -> str:
    try:
        return metadata.version("xtvqa-data")
    except metadata.PackageNotFoundError:  # running from a source tree without installing
        return "unknown"


def _variants(scenario: str, config: SynthConfig) -> list[str]:
    kinds = set(config.question_kinds)
    return [v for v, ks in QUESTION_KINDS[scenario].items() if not kinds or kinds & set(ks)]


def resolve_scenarios(scenarios: Sequence[str] | None, config: SynthConfig = SynthConfig()) -> tuple[str, ...]:
    """Check scenario names; None means every scenario that can ask `config.question_kinds`."""
    if scenarios is None:
        chosen = tuple(s for s in SCENARIOS if _variants(s, config))
    else:
        chosen = tuple(dict.fromkeys(scenarios))
        unknown = [s for s in chosen if s not in _MODULES]
        if unknown:
            raise ValueError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
        useless = [s for s in chosen if not _variants(s, config)]
        if useless:
            raise ValueError(f"scenario(s) {useless} cannot ask any of question_kinds {list(config.question_kinds)}")
    if not chosen:
        raise ValueError("no scenario selected")
    return chosen


def resolve_image_langs(image_langs: Sequence[str]) -> tuple[str, ...]:
    langs = tuple(dict.fromkeys(image_langs))
    unknown = [lang for lang in langs if lang not in IMAGE_LANGS]
    if unknown or not langs:
        raise ValueError(f"image languages must be among {', '.join(IMAGE_LANGS)}, got {list(image_langs)}")
    return langs


def make_record(index: int, *, seed: int = 0, scenarios: Sequence[str] | None = None,
                image_langs: Sequence[str] = IMAGE_LANGS, split: str = "test",
                config: SynthConfig = SynthConfig()) -> Record:
    """Record `index` of `generate(..., seed, scenarios, image_langs, split, config)`, alone."""
    chosen, langs = resolve_scenarios(scenarios, config), resolve_image_langs(image_langs)
    scenario = chosen[index % len(chosen)]
    lang = langs[(index // len(chosen)) % len(langs)]
    rng = record_rng(seed, split, index)
    variant = pick(rng, _variants(scenario, config))
    scene = _MODULES[scenario].render(variant, rng, lang, config)
    qa = choose_qa(rng, scene.qas, config)
    meta = {
        "generator": f"xtvqa_data.synth {_version()}",
        "seed": str(seed),
        "index": str(index),
        "scenario": scenario,
        "variant": variant,
        "question_kind": qa.kind,
        "answer_kind": qa.answer.kind,
        "font": font_path().stem,
        "config": json.dumps(config.as_meta(), sort_keys=True),
        "params": json.dumps(scene.params, ensure_ascii=False, sort_keys=True),
    }
    return Record(
        id=f"synth-{split}-{seed}-{index:06d}",
        source=f"synth-{scenario}",
        image=scene.image,
        image_lang=lang,
        question=question_texts(qa),
        answers=answer_texts(qa.answer, lang),
        question_type=question_type(qa.answer),
        metric=metric_name(qa.answer),
        ocr_tokens=scene.texts,
        split=split,
        meta=meta,
    )


def generate(n: int, *, seed: int = 0, scenarios: Sequence[str] | None = None,
             image_langs: Sequence[str] = IMAGE_LANGS, split: str = "test",
             config: SynthConfig = SynthConfig(), start: int = 0, workers: int = 1,
             resize_to: int | None = None) -> Iterator[Record]:
    """Records `start` .. `start + n - 1` of the run (seed, split, options), in order, lazily.

    Arguments are checked here, before any record is made. `workers > 1` renders in that many
    processes; the records are the same as with one. `resize_to`: each image is rendered as
    usual (same layout, same OCR tokens) and then resized to that many pixels square, in the
    worker, so a small model's training data does not ship full renders between processes.
    """
    if n < 0 or start < 0 or seed < 0 or workers < 1:
        raise ValueError(f"need n, start, seed >= 0 and workers >= 1, got n={n}, start={start}, seed={seed}, workers={workers}")
    if resize_to is not None and resize_to < 1:
        raise ValueError(f"resize_to must be a positive number of pixels, got {resize_to}")
    resolve_scenarios(scenarios, config)
    resolve_image_langs(image_langs)
    make = functools.partial(make_record, seed=seed, scenarios=None if scenarios is None else tuple(scenarios),
                             image_langs=tuple(image_langs), split=split, config=config)
    if resize_to is not None:
        make = functools.partial(_resized, make, resize_to)
    return _records(make, range(start, start + n), workers)


def _resized(make, size: int, index: int) -> Record:
    record = make(index)
    return record.replace(image=record.image.convert("RGB").resize((size, size)))


def _records(make, indices: range, workers: int) -> Iterator[Record]:
    if workers == 1:
        yield from map(make, indices)
        return
    window = workers * 64  # bounded look-ahead: memory stays flat for any n
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for lo in range(0, len(indices), window):
            yield from pool.map(make, indices[lo : lo + window], chunksize=8)
