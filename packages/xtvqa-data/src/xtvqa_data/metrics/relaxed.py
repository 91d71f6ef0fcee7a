"""ChartQA relaxed accuracy: numbers within 5 % of the target, exact match otherwise.

Definition (ChartQA paper, Masry et al. 2022, end of section 5.1): "We consider an answer to be
correct if it is within 5% of the gold answer. For non-numeric answers, we still need an exact
match". The reference implementation is pix2struct's `relaxed_correctness(target, prediction)`
(https://github.com/google-research/pix2struct/blob/main/pix2struct/metrics.py), which:

- parses each side with `float()`, and a trailing "%" divides by 100 *on that side only*, so
  "45%" matches "0.45" but not "45" (kept as is: it is the official behaviour);
- divides the change by the *target* (`|p - t| / |t| <= 0.05`): the tolerance is relative to
  the gold answer, not symmetric (the paper's authors swapped the arguments; we do not);
- falls back to case-insensitive string equality when the target is zero (no relative change
  exists) or either side is not a number.

Where we differ, deliberately: both sides are stripped of surrounding whitespace; numbers use a
plain decimal grammar, so "1,000" (thousands separators) parses as 1000 while Python-float
spellings such as "nan", "inf" and "1_000" do not; a U+2212 minus sign counts as "-"; and the
comparison allows 1e-9 of float rounding, so "1.05" vs "1" is within 5 % as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xtvqa_data.metrics.normalize import check_answers, check_prediction, collapse_whitespace

MAX_RELATIVE_CHANGE = 0.05
_FLOAT_SLACK = 1e-9  # decimal inputs such as 1.05 are not exact in binary floating point

# An optional sign, then digits with optional thousands groups ("1,234,567") or plain digits,
# an optional fraction, an optional exponent; or a bare fraction (".5").
_NUMBER = re.compile(
    r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
)


def parse_number(text: str) -> float | None:
    """The number `text` spells, a trailing "%" dividing it by 100; None when it is not a number."""
    text = text.strip().replace("\u2212", "-")
    scale = 1.0
    if text.endswith("%"):
        text, scale = text[:-1].rstrip(), 0.01
    if not _NUMBER.fullmatch(text):
        return None
    return float(text.replace(",", "")) * scale


def relaxed_match(prediction: str, target: str, max_relative_change: float = MAX_RELATIVE_CHANGE) -> bool:
    """One prediction against one target (pix2struct `relaxed_correctness`, target first there)."""
    predicted, gold = parse_number(prediction), parse_number(target)
    if predicted is not None and gold:  # `gold` falsy: not a number, or zero
        return abs(predicted - gold) / abs(gold) <= max_relative_change + _FLOAT_SLACK
    return collapse_whitespace(prediction).lower() == collapse_whitespace(target).lower()


def relaxed_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the prediction relaxed-matches any answer, else 0.0 (best over answers)."""
    check_prediction(prediction, "relaxed_accuracy")
    return float(any(relaxed_match(prediction, answer) for answer in check_answers(answers, "relaxed_accuracy")))


def is_numeric_answer(text: str) -> bool:
    """True when `text` parses as a number under `relaxed_accuracy`'s grammar."""
    return parse_number(text) is not None
