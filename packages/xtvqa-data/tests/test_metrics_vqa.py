"""VQA accuracy: EvalAI answer processing and the 10-choose-9 leave-one-out score.

Run: uv run pytest packages/xtvqa-data/tests/test_metrics_vqa.py -q
"""

from itertools import combinations

import pytest
from xtvqa_data.metrics import evalai_normalize, vqa_accuracy


@pytest.mark.parametrize(
    ("raw", "processed"),
    [
        ("Five", "5"), ("none", "0"), ("Ten", "10"), ("eleven", "eleven"),
        ("a dog", "dog"), ("The Dog", "dog"), ("an apple", "apple"),
        ("dont", "don't"), ("isnt", "isn't"), ("don't", "don't"),
        ("The Coca-Cola!", "coca cola"), ("jean - pierre", "jean pierre"), ("x-ray", "x ray"),
        ("u.s.a.", "usa"), ("3.5", "3.5"), ("yes.", "yes"), ("1,000", "1000"), ("what?", "what"),
        ("it's", "it 's"), ("line\nbreak\ttab", "line break tab"), ("  ", ""),
        ("北京", "北京"), ("Éclair", "éclair"),
    ],
)
def test_evalai_normalize(raw, processed):
    assert evalai_normalize(raw) == processed


def _official_leave_one_out(prediction: str, answers: list[str]) -> float:
    """Direct transcription of the definition: average over the 10 subsets of 9 answers."""
    gold = [evalai_normalize(a) for a in answers]
    pred = evalai_normalize(prediction)
    accs = []
    for subset in combinations(range(len(gold)), len(gold) - 1):
        accs.append(min(1.0, sum(gold[i] == pred for i in subset) / 3))
    return sum(accs) / len(accs)


@pytest.mark.parametrize(("matches", "expected"), [(0, 0.0), (1, 0.3), (2, 0.6), (3, 0.9), (4, 1.0), (10, 1.0)])
def test_ten_answers_soft_score(matches, expected):
    answers = ["cat"] * matches + [f"other{i}" for i in range(10 - matches)]
    assert vqa_accuracy("cat", answers) == pytest.approx(expected)
    assert vqa_accuracy("cat", answers) == pytest.approx(_official_leave_one_out("cat", answers))


def test_duplicates_are_separate_votes():
    # Removing answers by value (all "red" at once) would give 0.7 here; by position it is 0.9.
    answers = ["red"] * 3 + ["blue"] * 7
    assert vqa_accuracy("red", answers) == pytest.approx(0.9)
    assert vqa_accuracy("blue", answers) == 1.0
    assert vqa_accuracy("green", answers) == 0.0


def test_normalisation_applies_to_both_sides():
    assert vqa_accuracy("five", ["5"] * 10) == 1.0
    assert vqa_accuracy("5", ["Five"] * 10) == 1.0
    assert vqa_accuracy("The dog.", ["dog"] * 2 + ["cat"] * 8) == pytest.approx(0.6)
    assert vqa_accuracy("dont", ["don't"] * 10) == 1.0
    assert vqa_accuracy("Coca-Cola", ["coca cola"] * 10) == 1.0


def test_more_than_ten_answers_use_the_same_formula():
    answers = ["cat"] * 2 + [f"o{i}" for i in range(10)]  # 12 answers, 2 matches
    assert vqa_accuracy("cat", answers) == pytest.approx((2 * (1 / 3) + 10 * (2 / 3)) / 12)
    assert vqa_accuracy("cat", answers) == pytest.approx(_official_leave_one_out("cat", answers))


def test_fewer_than_ten_answers_are_variants():
    assert vqa_accuracy("Five", ["5"]) == 1.0  # leave-one-out would give 0 here
    assert vqa_accuracy("5", ["five", "cinq"]) == 1.0
    assert vqa_accuracy("six", ["5", "five"]) == 0.0
    assert vqa_accuracy("", ["5"] * 9) == 0.0


def test_empty_prediction_scores_zero():
    assert vqa_accuracy("", ["cat"] * 10) == 0.0


def test_blank_votes_keep_ten_answers_votes():
    # A TextVQA question whose tenth annotator left the answer blank: still 10 votes, 1 of them "cat".
    nine = ["cat"] + ["dog"] * 8
    assert vqa_accuracy("cat", nine) == 1.0  # without the blank vote: 9 answers read as variants
    assert vqa_accuracy("cat", nine, blank_votes=1) == pytest.approx(0.3)
    assert vqa_accuracy("cat", nine, blank_votes=1) == pytest.approx(_official_leave_one_out("cat", [*nine, ""]))
    assert vqa_accuracy("dog", nine, blank_votes=1) == pytest.approx(_official_leave_one_out("dog", [*nine, ""]))
    assert vqa_accuracy("cat", ["cat"] * 2 + ["x"] * 4, blank_votes=4) == pytest.approx(0.6)
    assert vqa_accuracy("", nine, blank_votes=1) == 0.0  # a blank vote matches no prediction
    assert vqa_accuracy("cat", ["cat"], blank_votes=2) == 1.0  # still fewer than 10 votes: variants
    with pytest.raises(ValueError, match="blank_votes"):
        vqa_accuracy("cat", nine, blank_votes=-1)
