"""The XPaperQA-zh filters as pure functions: eq. 2 (Jaccard) and eq. 3 (edit distance).

- Diversity (eq. 2): J(A, B) = |A ∩ B| / |A ∪ B| over the sets of question tokens, words for
  space-separated languages and characters for Chinese (no segmenter needed, and the paper's
  threshold of 0.1 is tiny either way). A pair is dropped when J with any already kept pair
  exceeds the threshold; earlier pairs win (generation order).
- Consistency (eq. 3): the Levenshtein distance (minimum insertions, deletions, replacements)
  between the generated answer and the re-answer, divided by the longer length so that it lies
  in [0, 1]; computed on normalised text (case, cosmetic punctuation, spacing), yes-no answers
  on their canonical yes/no. Signs, comparisons and units stay: "+5%" / "-5%", "a > b" /
  "a < b" and "5%" / "5" are different answers.
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


# Punctuation and symbols that change what an answer says: signs, comparisons, percent.
_MEANINGFUL = frozenset("-+<>=%±≤≥≠")
# Dashes and the minus sign NFKC leaves alone, read as "-" (a minus sign is often U+2212 in papers).
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2212\ufe63", "-"))
_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_HYPHEN = re.compile(r"(?<=[^\W\d_])-")  # after a letter: a word's hyphen (BLEU-4, state-of-the-art)


def normalise_answer(text: str) -> str:
    """NFKC, lower case, cosmetic punctuation removed, whitespace collapsed.

    Kept: + < > = % ± ≤ ≥ ≠, a minus sign or dash (not a hyphen after a letter: "BLEU-4" is
    "bleu 4") and a decimal point between digits, which carry meaning ("+5%" is not "-5%",
    "a > b" not "a < b", "5%" not "5", "3.5" not "35"); every other punctuation mark or symbol
    (commas, full stops, brackets, quotes, hyphens, ...) becomes a space.
    """
    text = unicodedata.normalize("NFKC", text).lower().translate(_DASHES)
    text = _HYPHEN.sub(" ", text)
    text = _DECIMAL_POINT.sub("\0", text)  # protect decimal points from the punctuation pass
    text = "".join(" " if ch not in _MEANINGFUL and unicodedata.category(ch).startswith(("P", "S")) else ch
                   for ch in text)
    return " ".join(text.replace("\0", ".").split())


def answer_distance(a: str, b: str, *, question_type: str | None = None) -> float:
    """Eq. 3, normalised: Levenshtein(a, b) / max(|a|, |b|) on normalised answers, in [0, 1].

    Yes-no answers compare their canonical yes/no (so "是" and "yes" agree).
    """
    if question_type == "yes-no":
        a, b = canonical_yes_no(a) or normalise_answer(a), canonical_yes_no(b) or normalise_answer(b)
    else:
        a, b = normalise_answer(a), normalise_answer(b)
    return Levenshtein.normalized_distance(a, b)
