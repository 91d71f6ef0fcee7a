"""Token F1 (SQuAD, QASPER; XPaperQA's extractive and abstractive answers), per language.

SQuAD's `normalize_answer` (evaluate-v1.1.py, https://rajpurkar.github.io/SQuAD-explorer/;
QASPER's evaluator reuses it): lower-case, remove punctuation, remove the articles a/an/the,
collapse whitespace; F1 over the bag of tokens (Counter intersection), best over answers.

Other languages follow MLQA's official evaluation (mlqa_evaluation_v1.py,
https://github.com/facebookresearch/MLQA): punctuation is `string.punctuation` (SQuAD's set, which
includes the ASCII symbols $ + < = > ^ ` | ~) plus every Unicode P* character, for every
language as MLQA's PUNCT set, articles are removed per language (es, de
as MLQA; fr added: le/la/les/un/une/des and the elided l'), and zh/ja text is tokenised into
single CJK characters with Latin words and numbers kept whole (`mixed_segmentation`; the paper's
code used jieba words instead, which makes scores depend on the segmenter's dictionary).
Languages without a rule get no article removal and whitespace tokens.

Empty token lists (a prediction of "the", an empty prediction) follow SQuAD v2.0
(evaluate-v2.0.py `compute_f1`): F1 is 1 if both sides are empty, 0 if only one is. Golds whose
tokens are empty ("the", "...") are dropped unless every gold is (evaluate-v2.0.py
`get_raw_scores`: `gold_answers = [a for a in ... if normalize_answer(a)]`, falling back to
`['']`), so an empty prediction does not score 1 against a list that has a real answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from xtvqa_data.metrics.normalize import (
    check_answers,
    check_prediction,
    mixed_segmentation,
    remove_punctuation,
)

_ARTICLES: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(a|an|the)\b"),
    "es": re.compile(r"\b(un|una|unos|unas|el|la|los|las)\b"),
    "de": re.compile(r"\b(ein|eine|einen|einem|eines|einer|der|die|das|den|dem|des)\b"),
    "fr": re.compile(r"\b(le|la|les|un|une|des)\b"),
}
_FRENCH_ELISION = re.compile(r"\bl['’]")  # "l'homme" -> " homme", before the apostrophe is removed
CHARACTER_LANGS = frozenset({"zh", "ja"})


def f1_tokens(text: str, lang: str = "en") -> list[str]:
    """The normalised tokens of `text` in language `lang`."""
    text = text.lower()
    if lang == "fr":
        text = _FRENCH_ELISION.sub(" ", text)
    text = remove_punctuation(text)
    if lang in _ARTICLES:
        text = _ARTICLES[lang].sub(" ", text)
    return mixed_segmentation(text) if lang in CHARACTER_LANGS else text.split()


def f1_pair(prediction_tokens: Sequence[str], gold_tokens: Sequence[str]) -> float:
    """SQuAD F1 of two token lists (v2.0 handling of empty lists)."""
    if not prediction_tokens or not gold_tokens:
        return float(len(prediction_tokens) == len(gold_tokens))
    same = sum((Counter(prediction_tokens) & Counter(gold_tokens)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(prediction_tokens), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, answers: Sequence[str], lang: str = "en") -> float:
    """Best SQuAD token F1 of the prediction over the answers, tokenised for `lang`."""
    predicted = f1_tokens(check_prediction(prediction, "token_f1"), lang)
    golds = [f1_tokens(answer, lang) for answer in check_answers(answers, "token_f1")]
    golds = [tokens for tokens in golds if tokens] or [[]]
    return max(f1_pair(predicted, tokens) for tokens in golds)
