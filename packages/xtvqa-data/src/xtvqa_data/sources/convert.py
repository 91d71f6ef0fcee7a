"""What every source converter shares: candidates, validation, images, the lazy `Conversion`.

A source module only maps its own fields: it turns a row (a hub dataset row, or an entry of the
original release's JSON with the image as a file path) into `Candidate`s. `build_record` checks a
candidate and decodes its image; `Conversion` streams records and quarantines the rest, so a
100k-question split converts in bounded memory straight into `xtvqa_data.save`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from xtvqa_data.images import open_image
from xtvqa_data.record import DROPPED_EMPTY_ANSWERS, Record, RecordError
from xtvqa_data.sources.quarantine import Quarantine, QuarantineEntry

SPLIT_ALIASES = {"train": "train", "val": "validation", "validation": "validation", "dev": "validation", "test": "test"}


class SourceFormatError(ValueError):
    """A source's files are missing or not in the expected release format; names the file."""


def canonical_split(split: str) -> str:
    """`val`/`dev` -> `validation`; other names pass through (Record.split stays uniform)."""
    return SPLIT_ALIASES.get(split, split)


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise SourceFormatError(f"{path} does not exist")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceFormatError(f"{path} is not valid JSON: {exc}") from exc


@dataclass
class Candidate:
    """One source question before validation. `image` is bytes, `{bytes, path}`, a PIL image or a path."""

    id: str
    image: Any
    question: Any
    answers: Sequence[Any] | None
    question_type: str | None = None
    ocr_tokens: Sequence[Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class ImageResolver:
    """Decodes candidate images, reusing the last few (many questions share one image)."""

    def __init__(self, size: int = 64):
        self._cache: OrderedDict[Any, Image.Image | RecordError] = OrderedDict()
        self._size = size
        self._last: tuple[Any, Image.Image] | None = None  # identity cache for in-memory bytes

    def __call__(self, value: Any, record_id: str) -> Image.Image:
        if isinstance(value, Image.Image):
            return value
        if isinstance(value, dict):  # a datasets Image cell with decode=False
            value = value.get("bytes") or value.get("path")
        if value is None:
            raise RecordError(record_id, "image", "is missing from the source row")
        if isinstance(value, bytes | bytearray | memoryview):
            if self._last is not None and self._last[0] is value:
                return self._last[1]
            image = open_image(bytes(value), record_id=record_id)
            self._last = (value, image)
            return image
        key = str(value)
        hit = self._cache.get(key)
        if hit is None:
            try:
                hit = open_image(Path(key), record_id=record_id)
            except RecordError as exc:
                hit = exc
            self._cache[key] = hit
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if isinstance(hit, RecordError):  # re-raise under this record's id
            raise RecordError(record_id, hit.field, hit.problem)
        return hit


def build_record(candidate: Candidate, *, source: str, split: str, images: ImageResolver) -> Record:
    """A valid English-image `Record` from `candidate`, or `RecordError` naming the field.

    Cheap checks (question, answers) run before the image is decoded. Empty answer strings
    are not valid answers: they are dropped and counted in `meta['dropped_empty_answers']`;
    a question left with none is rejected.

    The count is not only provenance: for TextVQA a blank answer is one of the 10 annotator
    votes, and dropping it would turn 10 votes into 9, which `vqa_accuracy` reads as accepted
    variants ("any match scores 1"). Keeping the blank would need `Record` to accept empty
    answers for every source and consumer; instead `score_item` passes this count to
    `vqa_accuracy` as `blank_votes` (records saved before this fix carry it too).
    """
    rid = candidate.id
    question = candidate.question
    if not isinstance(question, str) or not question.strip():
        raise RecordError(rid, "question['en']", "is empty or missing in the source")
    raw_answers = candidate.answers
    if isinstance(raw_answers, str | int | float):
        raw_answers = [raw_answers]
    all_answers = [str(a) for a in (raw_answers or ()) if a is not None]
    answers = [a for a in all_answers if a.strip()]
    if not answers:
        raise RecordError(rid, "answers['en']", "has no non-empty answer in the source (withheld test answers?)")
    meta = {k: str(v) for k, v in candidate.meta.items() if v is not None}
    if len(answers) < len(all_answers):
        meta[DROPPED_EMPTY_ANSWERS] = str(len(all_answers) - len(answers))
    ocr = None if candidate.ocr_tokens is None else [str(t) for t in candidate.ocr_tokens]
    return Record(
        id=rid,
        source=source,
        image=images(candidate.image, rid),
        image_lang="en",
        question={"en": question},
        answers={"en": answers},
        question_type=candidate.question_type,
        ocr_tokens=ocr,
        split=split,
        meta=meta,
    )


class Conversion(Iterable[Record]):
    """Records of one source split, converted lazily as they are iterated.

    Iterate it (or pass it to `xtvqa_data.save`) to run the conversion; afterwards
    `n_records`, `n_quarantined`, `quarantined` and `quarantine_path` report what happened.
    Each iteration is a fresh pass (the quarantine file is rewritten). `limit` caps the number
    of source questions read (valid + quarantined).
    """

    def __init__(
        self,
        source: str,
        split: str,
        candidates: Callable[[], Iterable[Candidate]],
        *,
        origin: str,
        quarantine_path: str | Path | None = None,
        limit: int | None = None,
    ):
        self.source, self.split, self.origin = source, canonical_split(split), origin
        self.quarantine_path = Path(quarantine_path) if quarantine_path is not None else None
        self.limit = limit
        self._candidates = candidates
        self.n_records = 0
        self.quarantined: list[QuarantineEntry] = []
        self.complete = False

    @property
    def n_quarantined(self) -> int:
        return len(self.quarantined)

    def __iter__(self) -> Iterator[Record]:
        quarantine = Quarantine(self.quarantine_path, source=self.source, split=self.split)
        self.n_records, self.quarantined, self.complete = 0, quarantine.entries, False
        images = ImageResolver()
        try:
            for n, candidate in enumerate(self._candidates()):
                if self.limit is not None and n >= self.limit:
                    break
                try:
                    record = build_record(candidate, source=self.source, split=self.split, images=images)
                except RecordError as exc:
                    quarantine.add(exc.record_id, exc.field, exc.problem)
                    continue
                self.n_records += 1
                yield record
            self.complete = True
        finally:
            quarantine.close()

    def __repr__(self) -> str:
        state = f"{self.n_records} records, {self.n_quarantined} quarantined" if self.complete else "not run yet"
        return f"Conversion({self.source!r}, split={self.split!r}, origin={self.origin!r}: {state})"


def load_hub_rows(
    hub_id: str, split: str, *, config: str | None, streaming: bool, **load_kwargs: Any
) -> tuple[Iterable[dict[str, Any]], Any]:
    """Rows of a hub dataset with images left undecoded (`{bytes, path}`), and its features.

    Undecoded, so that one corrupt image is quarantined by `build_record` instead of raising
    inside `datasets`' iterator.
    """
    import datasets

    ds = datasets.load_dataset(hub_id, config, split=split, streaming=streaming, **load_kwargs)
    features = ds.features
    if features is not None and "image" in features:
        ds = ds.cast_column("image", datasets.Image(decode=False))
    return ds, features


def class_label_name(features: Any, column: str, value: Any) -> Any:
    """The name of a `ClassLabel` value (hub datasets store e.g. `human_or_machine` as ints)."""
    feature = features.get(column) if features is not None else None
    if isinstance(value, int) and hasattr(feature, "int2str"):
        return feature.int2str(value)
    return value


def hub_conversion(
    source: str,
    to_candidates: Callable[[Iterable[dict[str, Any]], Any, str], Iterable[Candidate]],
    *,
    hub_id: str,
    default_hub_id: str,
    hub_splits: dict[str, str],
    split: str,
    config: str | None,
    limit: int | None,
    quarantine_path: str | Path | None,
    streaming: bool | None,
    load_kwargs: dict[str, Any],
) -> Conversion:
    """The `from_hub` of every source: nothing is downloaded until the conversion is iterated.

    For the default hub id our split names map to the hub's (`validation` -> `val` for
    HuggingFaceM4/ChartQA); another hub id gets `split` unchanged. `streaming=None` streams
    exactly when `limit` is set, so `--limit 50` does not download a whole split.
    """
    canonical = canonical_split(split)
    hub_split = hub_splits.get(canonical, split) if hub_id == default_hub_id else split
    stream = limit is not None if streaming is None else streaming

    def candidates() -> Iterable[Candidate]:
        rows, features = load_hub_rows(hub_id, hub_split, config=config, streaming=stream, **load_kwargs)
        return to_candidates(rows, features, canonical)

    origin = f"hub:{hub_id}" + (f"/{config}" if config else "") + f"[{hub_split}]"
    return Conversion(source, canonical, candidates, origin=origin, quarantine_path=quarantine_path, limit=limit)
