"""Text normalisation shared by the metrics, and the argument checks every metric makes.

Each official metric normalises answers its own way (SQuAD, EvalAI, DocVQA); those live beside
their metric. What is here is the common ground: whitespace, punctuation (SQuAD/MLQA), the
exact-match normaliser (with full-width/half-width folding for CJK text), and the tokeniser
that splits CJK characters while keeping Latin words and numbers whole (MLQA's
`mixed_segmentation`, https://github.com/facebookresearch/MLQA/blob/main/mlqa_evaluation_v1.py).
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Scripts written without spaces between words: Han (incl. extension A and compatibility
# ideographs) and Japanese kana. Hangul is space-delimited and is not in this set.
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Punctuation stripped from the end of an answer by `normalize_exact` (after width folding, which
# folds full-width ！？，：； into their ASCII forms but leaves 。 、 … alone). '%' is deliberately
# absent: "45%" and "45" are different answers.
_TRAILING_PUNCT = ".,;:!?。、…"


def collapse_whitespace(text: str) -> str:
    """Strip and collapse every run of Unicode whitespace into one space."""
    return " ".join(text.split())


_ASCII_PUNCTUATION = frozenset(string.punctuation)


@lru_cache(maxsize=4096)
def is_punctuation(char: str) -> bool:
    """True for SQuAD's and MLQA's punctuation: `string.punctuation` or Unicode category P*.

    MLQA's PUNCT set is exactly this union. `string.punctuation`, which SQuAD's
    `normalize_answer` removes, holds ASCII symbols of category S* too ($ + < = > ^ ` | ~), so
    P* alone would keep "$5" from matching "5". Used by token F1 only (ANLS, relaxed accuracy
    and exact match normalise their own way).
    """
    return char in _ASCII_PUNCTUATION or unicodedata.category(char).startswith("P")


def remove_punctuation(text: str) -> str:
    return "".join(ch for ch in text if not is_punctuation(ch))


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    # Only <wide>/<narrow> compatibility decompositions: the other NFKC folds change values
    # ("10²" -> "102", "①" -> "1", "½" -> "1/2", "m²" -> "m2").
    tag = unicodedata.decomposition(char)
    return unicodedata.normalize("NFKC", char) if tag.startswith(("<wide>", "<narrow>")) else char


def fold_width(text: str) -> str:
    """NFC, then full-width and half-width forms folded to their ordinary ones ("ＡＢＣ１２３，" ->
    "ABC123,", "ｶ" -> "カ"); every other character kept, superscripts and circled digits included."""
    return "".join(map(_fold_char, unicodedata.normalize("NFC", text)))


def normalize_exact(text: str) -> str:
    """The exact-match normaliser: width folding, lower-case, collapse whitespace, strip trailing
    punctuation. Width folding, not NFKC: CJK text mixes full-width and half-width forms freely,
    while NFKC's other folds would make "m²" equal "m2".
    """
    text = collapse_whitespace(fold_width(text).lower())
    return text.rstrip(_TRAILING_PUNCT + " ")


def mixed_segmentation(text: str) -> list[str]:
    """Tokens for F1: each CJK character alone, every other run split on whitespace.

    "2019年营收" -> ["2019", "年", "营", "收"]: Chinese and Japanese have no spaces, so characters
    are the tokens (MLQA's choice for zh), while numbers and Latin words inside them stay whole.
    """
    tokens: list[str] = []
    start = 0
    for match in CJK_CHAR.finditer(text):
        tokens.extend(text[start : match.start()].split())
        tokens.append(match.group())
        start = match.end()
    tokens.extend(text[start:].split())
    return tokens


def check_answers(answers: Sequence[str], metric: str) -> list[str]:
    """The answers as a list; a clear error for a bare string or an empty list."""
    if isinstance(answers, str):
        raise TypeError(f"{metric}: answers must be a sequence of strings, not a str ({answers!r}); wrap it in a list")
    answers = list(answers)
    if not answers:
        raise ValueError(f"{metric}: answers is empty; a metric needs at least one gold answer")
    for answer in answers:
        if not isinstance(answer, str):
            raise TypeError(f"{metric}: every answer must be a str, got {type(answer).__name__} ({answer!r})")
    return answers


def check_prediction(prediction: str, metric: str) -> str:
    if not isinstance(prediction, str):
        raise TypeError(f"{metric}: prediction must be a str, got {type(prediction).__name__} ({prediction!r})")
    return prediction
