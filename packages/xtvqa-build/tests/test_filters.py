"""Eq. 2 (Jaccard diversity filter) and eq. 3 (edit-distance consistency) against direct
computations.

Run: uv run pytest packages/xtvqa-build/tests/test_filters.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_build.filters import (
    answer_distance,
    dedupe_by_jaccard,
    jaccard,
    normalise_answer,
    question_tokens,
)
from xtvqa_build.prompts import canonical_yes_no


def levenshtein(a: str, b: str) -> int:
    """Textbook dynamic programme: min insertions, deletions, replacements (eq. 3)."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def test_jaccard_matches_the_set_formula():
    a, b = {"what", "is", "the", "loss"}, {"what", "is", "the", "metric", "used"}
    assert jaccard(a, b) == pytest.approx(3 / 6)
    assert jaccard(a, a) == 1.0
    assert jaccard({"x"}, {"y"}) == 0.0
    assert jaccard(set(), set()) == 1.0


def test_question_tokens_are_characters_for_chinese_and_words_otherwise():
    assert question_tokens("模型的准确率是多少？", "zh") == frozenset("模型的准确率是多少")
    assert question_tokens("What is the F1, and the F1?", "en") == {"what", "is", "the", "f1", "and"}


def test_dedupe_keeps_first_and_respects_scope_and_threshold():
    items = [("p1", "what is the loss"), ("p1", "what is the loss function"), ("p2", "what is the loss"),
             ("p1", "which optimiser trains it")]
    kept, dropped = dedupe_by_jaccard(items, lambda x: question_tokens(x[1], "en"), lambda x: x[0], threshold=0.1)
    assert kept == [items[0], items[2], items[3]]
    assert dropped == [items[1]]
    # J(first, second) = 4/5 = 0.8: kept when the threshold is above it.
    kept, _ = dedupe_by_jaccard(items, lambda x: question_tokens(x[1], "en"), lambda x: x[0], threshold=0.8)
    assert items[1] in kept


@pytest.mark.parametrize(("a", "b"), [("kitten", "sitting"), ("深度学习", "机器学习"), ("", "abc"), ("same", "same")])
def test_edit_distance_is_levenshtein_over_the_longer_length(a, b):
    expected = levenshtein(a, b) / max(len(a), len(b), 1)
    assert answer_distance(a, b) == pytest.approx(expected)


def test_answers_are_normalised_before_comparison():
    assert normalise_answer("  The  BLEU-4 score. ") == "the bleu 4 score"
    assert answer_distance("BLEU-4", "bleu 4") == 0.0
    assert answer_distance("是", "yes", question_type="yes-no") == 0.0
    assert answer_distance("否", "Yes.", question_type="yes-no") == 1.0
    assert canonical_yes_no("不是") == "no" and canonical_yes_no("perhaps") is None


@pytest.mark.parametrize(("a", "b"), [("+5%", "-5%"), ("a > b", "a < b"), ("5%", "5"), ("3.5", "35"),
                                      ("−5 %", "5 %")])
def test_signs_comparisons_and_units_are_not_cosmetic(a, b):
    assert answer_distance(a, b) > 0.0


@pytest.mark.parametrize(("a", "b"), [("Hello, world.", "Hello world"), ("“state-of-the-art”", "state of the art"),
                                      ("（５％）", "5%"), ("3.5 kg.", "3.5 kg")])
def test_cosmetic_punctuation_still_does_not_count(a, b):
    assert answer_distance(a, b) == 0.0
