"""The XPaperQA-zh filters as pure functions: eq. 2 (Jaccard) and eq. 3 (edit distance).

- Diversity (eq. 2): J(A, B) = |A ∩ B| / |A ∪ B| over the sets of question tokens, words for
  space-separated languages and characters for Chinese (no segmenter needed, and the paper's
  threshold of 0.1 is tiny either way). A pair is dropped when J with any already kept pair
  exceeds the threshold; earlier pairs win (generation order).
- Consistency (eq. 3): the Levenshtein distance (minimum insertions, deletions, replacements)
  between the generated answer and the re-answer, divided by the longer length so that it lies
  in [0, 1]; computed on normalised text (case, punctuation, spacing), yes-no answers on their
  canonical yes/no.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

from xtvqa_build.prompts import canonical_yes_no

T = TypeVar("T")
_WORD = re.compile(r"\w+", re.UNICODE)


def question_tokens(text: str, lang: str) -> frozenset[str]:
    """Token set for eq. 2: characters (letters/digits only) for zh, lower-cased words otherwise."""
    text = unicodedata.normalize("NFKC", text).lower()
    if lang == "zh":
        return frozenset(ch for ch in text if ch.isalnum())
    return frozenset(_WORD.findall(text))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Eq. 2. Two empty sets are identical (1.0)."""
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def dedupe_by_jaccard(
    items: Sequence[T], tokens: Callable[[T], frozenset[str]], scope: Callable[[T], Hashable],
    *, threshold: float = 0.1,
) -> tuple[list[T], list[T]]:
    """Keep items in order, dropping one whose Jaccard with an already kept item of the same
    scope exceeds `threshold`. Returns (kept, dropped)."""
    kept_by_scope: dict[Hashable, list[frozenset[str]]] = {}
    kept, dropped = [], []
    for item in items:
        toks = tokens(item)
        others = kept_by_scope.setdefault(scope(item), [])
        if any(jaccard(toks, other) > threshold for other in others):
            dropped.append(item)
        else:
            others.append(toks)
            kept.append(item)
    return kept, dropped


def normalise_answer(text: str) -> str:
    """NFKC, lower case, punctuation removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(ch).startswith(("P", "S")) else ch for ch in text)
    return " ".join(text.split())


def answer_distance(a: str, b: str, *, question_type: str | None = None) -> float:
    """Eq. 3, normalised: Levenshtein(a, b) / max(|a|, |b|) on normalised answers, in [0, 1].

    Yes-no answers compare their canonical yes/no (so "是" and "yes" agree).
    """
    if question_type == "yes-no":
        a, b = canonical_yes_no(a) or normalise_answer(a), canonical_yes_no(b) or normalise_answer(b)
    else:
        a, b = normalise_answer(a), normalise_answer(b)
    return Levenshtein.normalized_distance(a, b)
