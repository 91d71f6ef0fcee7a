"""Normalised exact match (OCR-VQA and the non-numeric synthetic answers).

VLMEvalKit scores OCR-VQA as case-insensitive equality after strip. We normalise a little more,
the same on both sides (`normalize_exact`): full-width/half-width folding ("ＡＢＣ" equals "ABC",
"，" equals ","; not the rest of NFKC, which changes values: "m²" is not "m2", "①" not "1"),
lower-case, collapsed whitespace, and trailing sentence punctuation removed ("Paris." equals
"Paris", "北京。" equals "北京"). Best over answers.

A gold answer that normalises to nothing ("...", "?") is compared with its punctuation instead
(width-folded, lower-cased, whitespace collapsed):
otherwise an empty prediction would match it (SQuAD v2's evaluate-v2.0.py avoids the same trap
by dropping such golds; exact match can keep them by falling back to the raw strings).
"""

from __future__ import annotations

from collections.abc import Sequence

from xtvqa_data.metrics.normalize import (
    check_answers,
    check_prediction,
    collapse_whitespace,
    fold_width,
    normalize_exact,
)


def _unstripped(text: str) -> str:
    return collapse_whitespace(fold_width(text).lower())


def _matches(prediction: str, answer: str) -> bool:
    gold = normalize_exact(answer)
    if not gold:  # nothing left to compare: the raw strings decide
        return _unstripped(prediction) == _unstripped(answer)
    return normalize_exact(prediction) == gold


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised answer, else 0.0."""
    check_prediction(prediction, "exact_match")
    return float(any(_matches(prediction, answer) for answer in check_answers(answers, "exact_match")))
