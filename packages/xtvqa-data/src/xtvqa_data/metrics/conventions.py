"""Metric conventions: the same predictions scored as lmms-eval or VLMEvalKit score them.

Most published numbers come from these two harnesses, whose metric code departs from the
definitions the rest of this package follows ("paper") in documented ways. A convention
replaces four metrics; token F1 and yes/no accuracy have no counterpart there and stay as they
are. Each rule below names the harness file it follows (lmms-eval at commit 75571cf,
VLMEvalKit at e8e78f0, as pinned with their printed values in
tests/data/harness_metric_cases.json):

relaxed accuracy  both: Python `float()` parses each side (lmms_eval/tasks/chartqa/utils.py L46-54,
                  vlmeval/dataset/utils/vqa_eval.py `_to_float`), so "1,000" is not a number
                  but " 12 ", "nan", "inf" and "1_000" are; no float slack, so "1.9" against "2"
                  (exactly 5 %) fails by rounding; otherwise `prediction.lower() == target.lower()`
                  unstripped. VLMEvalKit strips the prediction first (`process_line`,
                  method 'relaxed_accuracy'), lmms-eval does not (chartqa_process_results).
ANLS              both (lmms_eval/api/metrics.py `anls` L298-321, vqa_eval.py `anls_compute` +
                  `hit_calculate`): the distance of the stripped, lower-cased, whitespace-collapsed
                  strings divided by the longer of the *raw upper-cased* strings; 1 - min NL
                  over the answers, kept when >= 0.5 (NL = 0.5 scores 0.5).
VQA accuracy      leave-one-out mean over *all* answers, however few (with 1 answer every
                  prediction scores 0), blank votes counted as "" answers.
                  lmms-eval: the EvalAI processor (lmms_eval/tasks/_task_utils/vqa_eval_metric.py)
                  whose `PERIOD_STRIP.sub("", text, re.UNICODE)` removes at most 32 periods.
                  VLMEvalKit (`process_answer`, vlmeval/smp/misc.py `process_punctuation`): no
                  lower-casing, "," / "?" / "'s" step, a comma counts as between digits only
                  singly, and a period after a digit is kept ("5." stays "5.").
exact match       lmms-eval has no OCR-VQA task; its multilingual text-VQA scorer (MTVQA,
                  lmms_eval/tasks/mtvqa/utils.py `mtvqa_process_results`) counts the gold
                  contained in the prediction after strip, lower-case and removing every ".", so
                  a gold of "." matches anything. VLMEvalKit's OCR-VQA (`process_line`, method
                  'accuracy'): strip + lower-case equality. Best over the answers in both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rapidfuzz.distance import Levenshtein

from xtvqa_data.metrics.normalize import check_answers, check_prediction
from xtvqa_data.metrics.vqa import _process_digit_article, _process_punctuation

CONVENTIONS = ("paper", "lmms-eval", "vlmevalkit")
DEFAULT_CONVENTION = "paper"
HARNESS_PERIOD_LIMIT = 32  # re.UNICODE (32) passed as re.sub's `count` in both harnesses
_RELATIVE = 0.05


def check_convention(convention: str) -> str:
    """`convention` if it is one of `CONVENTIONS`; a ValueError naming them otherwise."""
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown metric convention {convention!r}; choose one of {', '.join(CONVENTIONS)}")
    return convention


def _python_number(text: str) -> float | None:
    # chartqa/utils.py L46-54: `float()` on the text, a trailing "%" (all of them) dividing by 100.
    body = text.rstrip("%")
    try:
        value = float(body)
    except ValueError:
        return None
    return value / 100.0 if body != text else value


def _harness_relaxed(prediction: str, target: str) -> bool:
    predicted, gold = _python_number(prediction), _python_number(target)
    if predicted is not None and gold:  # zero, or not a number: the strings decide
        return abs(predicted - gold) / abs(gold) <= _RELATIVE
    return prediction.lower() == target.lower()


def relaxed_lmms_eval(prediction: str, answers: Sequence[str]) -> float:
    check_prediction(prediction, "relaxed_accuracy")
    return float(any(_harness_relaxed(prediction, a) for a in check_answers(answers, "relaxed_accuracy")))


def relaxed_vlmevalkit(prediction: str, answers: Sequence[str]) -> float:
    return relaxed_lmms_eval(check_prediction(prediction, "relaxed_accuracy").strip(), answers)


def anls_harness(prediction: str, answers: Sequence[str]) -> float:
    """ANLS as lmms-eval's `anls` and VLMEvalKit's `anls_compute` + `hit_calculate` give it."""
    check_prediction(prediction, "anls")
    predicted = " ".join(prediction.lower().split())
    distances = []
    for answer in check_answers(answers, "anls"):
        longest = max(len(answer.upper()), len(prediction.upper()))  # raw strings (module docstring)
        distance = Levenshtein.distance(" ".join(answer.lower().split()), predicted)
        distances.append(distance / longest if longest else 0.0)
    score = 1.0 - min(distances)
    return 0.0 if score < 0.5 else score


_VLMEVALKIT_COMMA = re.compile(r"\d,\d")  # vlmeval/smp/misc.py `commaStrip`
_VLMEVALKIT_PERIOD = re.compile(r"(?<!\d)\.(?!\d)")  # vlmeval/smp/misc.py `periodStrip`


def _lmms_eval_answer(text: str) -> str:
    # vqa.evalai_normalize but for the period limit (vqa_eval_metric.py `__call__`: word_tokenize,
    # then process_punctuation whose PERIOD_STRIP.sub gets re.UNICODE as its count).
    head = text.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()
    head = head.replace("\n", " ").replace("\t", " ").strip()
    return _process_digit_article(_process_punctuation(head, max_periods=HARNESS_PERIOD_LIMIT))


def _vlmevalkit_answer(text: str) -> str:
    text = text.replace("\n", " ").replace("\t", " ").strip()
    text = _process_punctuation(text, _VLMEVALKIT_COMMA, _VLMEVALKIT_PERIOD, HARNESS_PERIOD_LIMIT)
    return _process_digit_article(text)


def _leave_one_out(normalize: Callable[[str], str], prediction: str, answers: Sequence[str],
                   blank_votes: int) -> float:
    check_prediction(prediction, "vqa_accuracy")
    if isinstance(blank_votes, bool) or not isinstance(blank_votes, int) or blank_votes < 0:
        raise ValueError(f"vqa_accuracy: blank_votes must be a non-negative int, got {blank_votes!r}")
    gold = [normalize(a) for a in check_answers(answers, "vqa_accuracy")] + [normalize("")] * blank_votes
    predicted = normalize(prediction)
    matches = sum(answer == predicted for answer in gold)
    return sum(min(1.0, (matches - (answer == predicted)) / 3) for answer in gold) / len(gold)


def vqa_lmms_eval(prediction: str, answers: Sequence[str], *, blank_votes: int = 0) -> float:
    return _leave_one_out(_lmms_eval_answer, prediction, answers, blank_votes)


def vqa_vlmevalkit(prediction: str, answers: Sequence[str], *, blank_votes: int = 0) -> float:
    return _leave_one_out(_vlmevalkit_answer, prediction, answers, blank_votes)


def containment(prediction: str, answers: Sequence[str]) -> float:
    """MTVQA's rule: 1.0 if an answer (strip, lower-case, "." removed) is inside the prediction."""
    predicted = check_prediction(prediction, "containment").strip().lower().replace(".", "")
    return float(any(a.strip().lower().replace(".", "") in predicted for a in check_answers(answers, "containment")))


def strip_lower_match(prediction: str, answers: Sequence[str]) -> float:
    """VLMEvalKit's OCR-VQA rule: equal after strip and lower-case."""
    predicted = check_prediction(prediction, "exact_match").strip().lower()
    return float(any(a.strip().lower() == predicted for a in check_answers(answers, "exact_match")))


# convention -> metric name -> the harness's rule; a metric not listed keeps its paper definition.
HARNESS_METRICS: dict[str, dict[str, Callable[..., float]]] = {
    "lmms-eval": {"relaxed_accuracy": relaxed_lmms_eval, "anls": anls_harness, "vqa_accuracy": vqa_lmms_eval,
                  "exact_match": containment},
    "vlmevalkit": {"relaxed_accuracy": relaxed_vlmevalkit, "anls": anls_harness, "vqa_accuracy": vqa_vlmevalkit,
                   "exact_match": strip_lower_match},
}
