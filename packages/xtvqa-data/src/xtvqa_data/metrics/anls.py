"""ANLS, the DocVQA metric: average normalised Levenshtein similarity, thresholded.

Definition (Biten et al. 2019, "Scene Text Visual Question Answering", eq. 1; used unchanged by
DocVQA, Mathew et al. 2021): per gold answer a, with NL(a, o) = Levenshtein(a, o) / max(|a|, |o|),

    s(a, o) = 1 - NL(a, o)   if NL(a, o) < tau   (tau = 0.5)
              0              otherwise

and the item's score is the maximum over its gold answers. Both strings are lower-cased and
their whitespace collapsed first, as the official RRC evaluation script does. The lengths are
those of the *normalised* strings: VLMEvalKit divides by the raw upper-cased strings' lengths,
which differs where upper-casing changes length ("straße".upper() has 7 characters).
The definition is strict (`<`), as is pix2struct's `anls_metric` (pix2struct/metrics.py); the
Qwen-VL-derived script that lmms-eval (lmms_eval/api/metrics.py `anls`) and VLMEvalKit
(vlmeval/dataset/utils/vqa_eval.py `hit_calculate`) use keeps a score of exactly 0.5 at
NL == tau (`metric_convention="lmms-eval"` / `"vlmevalkit"` reproduce that, conventions.py). Levenshtein distance from rapidfuzz (unit costs).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from xtvqa_data.metrics.normalize import check_answers, check_prediction, collapse_whitespace

ANLS_THRESHOLD = 0.5


def normalized_levenshtein(a: str, b: str) -> float:
    """Levenshtein(a, b) / max(len(a), len(b)); 0.0 for two empty strings."""
    longest = max(len(a), len(b))
    return Levenshtein.distance(a, b) / longest if longest else 0.0


def anls(prediction: str, answers: Sequence[str], threshold: float = ANLS_THRESHOLD) -> float:
    """The best thresholded similarity 1 - NL over the answers (NL >= threshold scores 0)."""
    check_prediction(prediction, "anls")
    answers = check_answers(answers, "anls")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"anls: threshold must be in (0, 1], got {threshold}")
    predicted = collapse_whitespace(prediction).lower()
    best = 0.0
    for answer in answers:
        distance = normalized_levenshtein(collapse_whitespace(answer).lower(), predicted)
        if distance < threshold:
            best = max(best, 1.0 - distance)
    return best
