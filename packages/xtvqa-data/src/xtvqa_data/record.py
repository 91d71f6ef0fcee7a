"""The record schema (DESIGN.md section 3) and evaluation items.

A `Record` is one image with its question in one or more languages and the accepted answers
per language. It is validated on construction, so every error names the record id and the
field. An `EvalItem` is `(record, question_lang)`: the unit that models answer and metrics score.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

# ISO 639-1 codes (the two-letter set). Kept as data, not a dependency: the set is stable.
ISO_639_1: frozenset[str] = frozenset(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv
    cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu
    hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg
    li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os
    pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg
    th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu""".split()
)

QUESTION_TYPES_KNOWN = ("extractive", "abstractive", "yes-no")
# `meta` key: how many empty answers a converter dropped (a record holds no empty answer); for
# TextVQA they are annotator votes that `vqa_accuracy` still counts (metrics/scoring.py).
DROPPED_EMPTY_ANSWERS = "dropped_empty_answers"


class RecordError(ValueError):
    """A record failed validation; the message names the record id and the field."""

    def __init__(self, record_id: str, field_name: str, problem: str):
        self.record_id = record_id
        self.field = field_name
        self.problem = problem
        super().__init__(f"Record {record_id!r}: {field_name} {problem}")


def check_lang(code: str, *, record_id: str = "?", field_name: str = "language") -> str:
    """Return `code` if it is an ISO 639-1 code, else raise a `RecordError` naming the field."""
    if not isinstance(code, str) or code not in ISO_639_1:
        raise RecordError(record_id, field_name, f"has unknown language code {code!r} (expected ISO 639-1, e.g. 'en', 'zh', 'fr')")
    return code


@dataclass(frozen=True, eq=False)
class Record:
    """One text-rich image with multilingual questions and answers (DESIGN.md section 3)."""

    id: str
    source: str
    image: Image.Image
    image_lang: str
    question: Mapping[str, str]
    answers: Mapping[str, Sequence[str]]
    question_type: str | None = None
    metric: str | None = None
    ocr_tokens: Sequence[str] | None = None
    split: str = "test"
    meta: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rid = self.id if isinstance(self.id, str) and self.id else "?"
        if not isinstance(self.id, str) or not self.id.strip():
            raise RecordError(rid, "id", "must be a non-empty string")
        if not isinstance(self.source, str) or not self.source or self.source != self.source.lower():
            raise RecordError(rid, "source", f"must be a non-empty lowercase name, got {self.source!r}")
        if not isinstance(self.image, Image.Image):
            raise RecordError(rid, "image", f"must be a PIL image, got {type(self.image).__name__}")
        check_lang(self.image_lang, record_id=rid, field_name="image_lang")
        # Normalise the maps to plain dicts / tuples so a record is immutable in practice too.
        question = dict(self.question or {})
        for lang, text in question.items():
            check_lang(lang, record_id=rid, field_name=f"question[{lang!r}]")
            if not isinstance(text, str) or not text.strip():
                raise RecordError(rid, f"question[{lang!r}]", "is empty")
        if self.image_lang not in question:
            raise RecordError(rid, "question", f"has no entry for image_lang {self.image_lang!r}")
        answers: dict[str, tuple[str, ...]] = {}
        for lang, texts in dict(self.answers or {}).items():
            check_lang(lang, record_id=rid, field_name=f"answers[{lang!r}]")
            if isinstance(texts, str) or not isinstance(texts, Iterable):
                raise RecordError(rid, f"answers[{lang!r}]", f"must be a list of strings, got {type(texts).__name__}")
            texts = tuple(texts)
            if not texts:
                raise RecordError(rid, f"answers[{lang!r}]", "is an empty list")
            for text in texts:
                if not isinstance(text, str) or not text.strip():
                    raise RecordError(rid, f"answers[{lang!r}]", f"contains an empty or non-string answer {text!r}")
            answers[lang] = texts
        if self.image_lang not in answers:
            raise RecordError(rid, "answers", f"has no entry for image_lang {self.image_lang!r}")
        if self.question_type is not None and (not isinstance(self.question_type, str) or not self.question_type):
            raise RecordError(rid, "question_type", f"must be a non-empty string or None, got {self.question_type!r}")
        if self.metric is not None and (not isinstance(self.metric, str) or not self.metric):
            raise RecordError(rid, "metric", f"must be a non-empty string or None, got {self.metric!r}")
        ocr = None if self.ocr_tokens is None else tuple(str(t) for t in self.ocr_tokens)
        if not isinstance(self.split, str) or not self.split:
            raise RecordError(rid, "split", f"must be a non-empty string, got {self.split!r}")
        meta = {str(k): str(v) for k, v in dict(self.meta or {}).items()}
        object.__setattr__(self, "question", question)
        object.__setattr__(self, "answers", answers)
        object.__setattr__(self, "ocr_tokens", ocr)
        object.__setattr__(self, "meta", meta)

    @property
    def languages(self) -> tuple[str, ...]:
        """Question languages this record has, image language first."""
        return (self.image_lang, *sorted(lang for lang in self.question if lang != self.image_lang))

    def replace(self, **changes: Any) -> Record:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:  # the image would make the default repr unreadable
        return (
            f"Record(id={self.id!r}, source={self.source!r}, image_lang={self.image_lang!r}, "
            f"langs={list(self.question)}, question_type={self.question_type!r}, split={self.split!r})"
        )


@dataclass(frozen=True)
class EvalItem:
    """One evaluation item: a record asked in `question_lang` (DESIGN.md section 3).

    `image` overrides the record's image (a noised copy in the MI analysis) without copying the
    record; `ocr_tokens` likewise overrides the record's own OCR tokens.
    """

    record: Record
    question_lang: str
    image_override: Image.Image | None = None
    ocr_override: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.question_lang not in self.record.question:
            raise RecordError(self.record.id, "question", f"has no entry for question_lang {self.question_lang!r}")

    @property
    def key(self) -> str:
        """Unique key of the item in a run: `<record id>:<question_lang>`."""
        return f"{self.record.id}:{self.question_lang}"

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def question(self) -> str:
        return self.record.question[self.question_lang]

    @property
    def image(self) -> Image.Image:
        return self.image_override if self.image_override is not None else self.record.image

    @property
    def ocr_tokens(self) -> Sequence[str] | None:
        return self.ocr_override if self.ocr_override is not None else self.record.ocr_tokens

    @property
    def image_lang(self) -> str:
        return self.record.image_lang

    @property
    def is_cross_lingual(self) -> bool:
        return self.question_lang != self.record.image_lang

    def with_image(self, image: Image.Image) -> EvalItem:
        return dataclasses.replace(self, image_override=image)

    def with_ocr_tokens(self, tokens: Sequence[str]) -> EvalItem:
        return dataclasses.replace(self, ocr_override=tuple(tokens))


def iter_items(records: Iterable[Record], langs: Sequence[str] | None = None) -> Iterator[EvalItem]:
    """Evaluation items of `records`, record-major, in the order of `langs`.

    With `langs=None` every question language of each record is used (image language first).
    A language a record lacks is skipped for that record; use `check_langs_present` first to
    turn "no record has this language" into an error.
    """
    for record in records:
        for lang in langs if langs is not None else record.languages:
            if lang in record.question:
                yield EvalItem(record, lang)


def check_langs_present(records: Iterable[Record], langs: Sequence[str]) -> None:
    """Raise `ValueError` naming each requested language that no record has a question in."""
    seen: set[str] = set()
    for record in records:
        seen.update(record.question)
    missing = [lang for lang in langs if lang not in seen]
    if missing:
        raise ValueError(
            f"no record has a question in {', '.join(missing)}; the data has {', '.join(sorted(seen)) or 'no questions'}"
        )
