"""From a QA to a record's fields: the question in eight languages, answers, type and metric.

Answer languages (the choice `answers[t]` rests on, documented in the package README): every
record has answers in all eight question languages, so any language can be the second language
`t` of an MVCL-MI view (DESIGN.md 6). Numbers, codes and names are the printed string in every
language; a vocabulary term is its authored form in each language (the image-language form is
what the image shows); yes/no is each language's own word (en yes/no, zh 是/否, fr oui/non,
de ja/nein, es sí/no, ja はい/いいえ, ko 예/아니요, ru да/нет).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.sampling import pick
from xtvqa_data.synth.scene import QA, Answer
from xtvqa_data.synth.templates import QUESTION_TEMPLATES
from xtvqa_data.synth.vocab import NO, QUESTION_LANGS, YES


def question_texts(qa: QA) -> dict[str, str]:
    """The question of `qa` in every question language (slot terms in that language)."""
    out = {}
    for lang in QUESTION_LANGS:
        values = {name: value if isinstance(value, str) else value[lang] for name, value in qa.slots.items()}
        out[lang] = QUESTION_TEMPLATES[qa.kind][lang].format(**values)
    return out


def answer_texts(answer: Answer, image_lang: str) -> dict[str, list[str]]:
    """Accepted answers per language (the module docstring says which)."""
    out: dict[str, list[str]] = {}
    for lang in QUESTION_LANGS:
        if answer.kind == "yes-no":
            out[lang] = [(YES if answer.truth else NO)[lang]]
        elif answer.kind == "term":
            assert answer.term is not None
            out[lang] = [answer.term[lang]]
        else:
            out[lang] = list(answer.image_texts if lang == image_lang else answer.texts)
    return out


def question_type(answer: Answer) -> str:
    return "yes-no" if answer.kind == "yes-no" else "extractive"


def metric_name(answer: Answer) -> str:
    """DESIGN.md 4: synthetic numbers use relaxed accuracy, everything else exact match."""
    return "relaxed_accuracy" if answer.kind == "number" else "exact_match"


def choose_qa(rng: np.random.Generator, qas: Sequence[QA], config: SynthConfig) -> QA:
    """Pick the record's question: yes-no with probability `yes_no_ratio` (when the image offers
    both types), then a kind uniformly (so a kind with many instances is not favoured), then
    an instance. `config.question_kinds` filters first."""
    allowed = [qa for qa in qas if not config.question_kinds or qa.kind in config.question_kinds]
    if not allowed:
        raise ValueError(f"no question of kinds {config.question_kinds} for this image (it offers {sorted({q.kind for q in qas})})")
    yes_no = [qa for qa in allowed if qa.answer.kind == "yes-no"]
    other = [qa for qa in allowed if qa.answer.kind != "yes-no"]
    draw = float(rng.random())
    pool = (yes_no if draw < config.yes_no_ratio else other) if yes_no and other else allowed
    by_kind: dict[str, list[QA]] = {}
    for qa in pool:
        by_kind.setdefault(qa.kind, []).append(qa)
    return pick(rng, by_kind[pick(rng, sorted(by_kind))])
