"""What a scenario renderer returns: the image, the strings it drew, and the exact QAs.

A renderer draws an image from a random stream and, because it placed every string itself,
knows the answers exactly. It returns a `Scene`: the image, `texts` (every string drawn, in the
order drawn: the generator's ground-truth OCR, stored as the record's `ocr_tokens`; rows and
menus read top to bottom, but a chart lists its labels, then its values in the same order,
where an OCR engine's position order would interleave or scatter them), `params`
(what was drawn, for the record's meta) and `qas`, one or more `QA` per question kind it can ask
about this image. Yes-no kinds come as a true and a false instance, so picking uniformly gives
balanced answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from xtvqa_data.synth.vocab import Term

ANSWER_KINDS = ("number", "code", "name", "term", "yes-no")


@dataclass(frozen=True)
class Answer:
    """The gold answer of a QA.

    - `number`: `texts` accepted in every language (a number reads the same everywhere), canonical
      first; `image_texts` adds the printed form in the image language ("35 %", "$120");
    - `code` (times, phone and invoice numbers) and `name` (people, titles, firms): the string as
      printed, the same in every language (names are copied, not translated);
    - `term`: a vocabulary concept, answered in each language's own form;
    - `yes-no`: `truth`, answered with each language's yes/no word.
    """

    kind: str
    texts: tuple[str, ...] = ()
    image_texts: tuple[str, ...] = ()
    term: Term | None = None
    truth: bool | None = None

    def __post_init__(self) -> None:
        if self.kind not in ANSWER_KINDS:
            raise ValueError(f"answer kind must be one of {ANSWER_KINDS}, got {self.kind!r}")
        if self.kind in ("number", "code", "name") and not self.texts:
            raise ValueError(f"a {self.kind} answer needs texts")
        if (self.kind == "term") != (self.term is not None) or (self.kind == "yes-no") != (self.truth is not None):
            raise ValueError(f"a {self.kind} answer got the wrong fields")

    @classmethod
    def number(cls, value: int, *, printed: str | None = None) -> Answer:
        """An integer answer; `printed` is its form in the image when that differs ("$120")."""
        text = str(value)
        return cls("number", (text,), (text, printed) if printed and printed != text else (text,))

    @classmethod
    def percent(cls, value: int, *, printed: str) -> Answer:
        """A percentage: "35%" or "35" in any language, the printed form ("35 %") first in the image's."""
        texts = (f"{value}%", str(value))
        return cls("number", texts, tuple(dict.fromkeys((printed, *texts))))

    @classmethod
    def code(cls, text: str, *alternatives: str) -> Answer:
        return cls("code", (text, *alternatives), (text, *alternatives))

    @classmethod
    def name(cls, text: str) -> Answer:
        return cls("name", (text,), (text,))

    @classmethod
    def of_term(cls, term: Term) -> Answer:
        return cls("term", term=term)

    @classmethod
    def yes_no(cls, truth: bool) -> Answer:
        return cls("yes-no", truth=bool(truth))


@dataclass(frozen=True)
class QA:
    """One question of kind `kind` (a key of `QUESTION_TEMPLATES`) with its slots and answer."""

    kind: str
    answer: Answer
    slots: Mapping[str, str | Term] = field(default_factory=dict)


@dataclass(frozen=True)
class Scene:
    """A rendered image with everything the generator needs to make a record of it."""

    image: Image.Image
    texts: tuple[str, ...]
    qas: tuple[QA, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
