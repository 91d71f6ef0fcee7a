"""Normalised exact match (OCR-VQA and the non-numeric synthetic answers).

VLMEvalKit scores OCR-VQA as case-insensitive equality after strip. We normalise a little more,
the same on both sides (`normalize_exact`): NFKC (full-width/half-width folding, so "ＡＢＣ" equals
"ABC" and "，" equals ","), lower-case, collapsed whitespace, and trailing sentence punctuation
removed ("Paris." equals "Paris", "北京。" equals "北京"). Best over answers.
"""

from __future__ import annotations

from collections.abc import Sequence

from xtvqa_data.metrics.normalize import check_answers, check_prediction, normalize_exact


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the normalised prediction equals a normalised answer, else 0.0."""
    predicted = normalize_exact(check_prediction(prediction, "exact_match"))
    return float(any(normalize_exact(answer) == predicted for answer in check_answers(answers, "exact_match")))
