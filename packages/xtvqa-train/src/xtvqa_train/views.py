"""The four views of a record (DESIGN.md section 6), before any tokenisation.

A record with its image text in language s gets a target language t drawn from its other
languages that have both a question and an answer; then

    view  question   answer
    ss    q[s]       answers[s][0]
    ts    q[t]       answers[s][0]     (cross-lingual question, answer in the image's language)
    st    q[s]       answers[t][0]     (asked in s, answered in t)
    tt    q[t]       answers[t][0]

Each view's prompt is the evaluation prompt of its question; the cross views (ts, st) also ask
for their answer's language ("Answer in Chinese.", in the question's language), as the paper's
y^{src-tgt} is "queried in source language and asks the model answer in the target language".
Without that line (`MVCLMIConfig.answer_language_instruction=False`) ss and st share one prompt
and are taught two answers to it (so are ts and tt), and greedy decoding after training picks
between languages, or mixes them, on the very prompts the benchmark asks.

The draw is a hash of (seed, record id): the same record gets the same t on every process,
dataloader worker, epoch and resumed run, so a run is reproducible from its seed alone.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from xtvqa_data import Record

from xtvqa_train.options import VIEWS


class MissingLanguageWarning(UserWarning):
    """A record has no second language with both a question and an answer; it is skipped."""


@dataclass(frozen=True)
class View:
    name: str  # one of VIEWS
    question_lang: str
    answer: str
    answer_lang: str


def target_languages(record: Record) -> list[str]:
    """The record's languages other than its image language with both `question[t]` and `answers[t]`."""
    return sorted(lang for lang in record.question if lang != record.image_lang and lang in record.answers)


def draw_target(record: Record, seed: int) -> str | None:
    """The target language t of `record` (None when it has none), a pure function of (seed, id)."""
    candidates = target_languages(record)
    if not candidates:
        return None
    digest = hashlib.sha256(f"{seed}:{record.id}".encode()).digest()
    return candidates[int.from_bytes(digest[:8], "big") % len(candidates)]


def record_views(record: Record, target: str) -> tuple[View, ...]:
    """The four views of `record` with target language `target`, in the order of `VIEWS`."""
    s, t = record.image_lang, target
    lang = {"s": s, "t": t}
    return tuple(
        View(name, question_lang=lang[name[0]], answer=record.answers[lang[name[1]]][0], answer_lang=lang[name[1]])
        for name in VIEWS
    )


def usable(records: Iterable[Record], seed: int) -> list[tuple[Record, str]]:
    """(record, target language) for each record that has a second language; warn about the rest."""
    kept, skipped = [], []
    for record in records:
        target = draw_target(record, seed)
        if target is None:
            skipped.append(record.id)
        else:
            kept.append((record, target))
    if skipped:
        shown = ", ".join(repr(i) for i in skipped[:5]) + (" ..." if len(skipped) > 5 else "")
        warnings.warn(
            f"MVCL-MI: skipped {len(skipped)} record(s) with no second language that has both a "
            f"question and an answer ({shown}); MVCL-MI needs question[t] and answers[t] for some "
            f"t != image_lang",
            MissingLanguageWarning,
            stacklevel=3,
        )
    return kept
