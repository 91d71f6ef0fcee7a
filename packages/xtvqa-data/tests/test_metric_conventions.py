"""Metric conventions against the values the harnesses' own code printed.

tests/data/harness_metric_cases.json holds generated cases (boundary numbers such as exactly 5 %,
thousands separators, Python-float spellings, unstripped and upper-cased strings, NL = 0.5,
short answer lists, blank votes, more than 32 periods, multilingual text) and the score that
lmms-eval's or VLMEvalKit's metric code gave each, run outside this repository at the commits
recorded in the file. No harness code is in this repository; xtvqa_data.metrics.conventions is
written from their documented behaviour.

Run: uv run pytest packages/xtvqa-data/tests/test_metric_conventions.py -q
"""

import json
from collections import Counter
from pathlib import Path

import pytest
from xtvqa_data.metrics import CONVENTIONS, metric_for, score_item

FIXTURE = json.loads((Path(__file__).parent / "data" / "harness_metric_cases.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]
PINNED = {("lmms-eval", "75571cfe0fa36ca5ec2e6aa2bb268f9d38295af3"),
          ("vlmevalkit", "e8e78f05f3080fe28154f2130321f17951c3be94")}


def test_fixture_provenance_and_size():
    assert {(name, h["commit"]) for name, h in FIXTURE["harnesses"].items()} == PINNED
    counts = Counter((case["convention"], case["metric"]) for case in CASES)
    for convention in ("lmms-eval", "vlmevalkit"):
        for metric in ("relaxed_accuracy", "anls", "vqa_accuracy", "exact_match"):
            assert counts[convention, metric] >= 200, (convention, metric)


@pytest.mark.parametrize(("convention", "metric"), sorted({(c["convention"], c["metric"]) for c in CASES}))
def test_convention_matches_the_harness(convention, metric):
    score = metric_for(metric, convention)
    wrong = []
    for case in (c for c in CASES if (c["convention"], c["metric"]) == (convention, metric)):
        kwargs = {"blank_votes": case["blank_votes"]} if "blank_votes" in case else {}
        got = score(case["prediction"], case["answers"], **kwargs)
        if got != pytest.approx(case["expected"], abs=1e-9):
            wrong.append((case["prediction"], case["answers"], case["expected"], got))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    ("metric", "prediction", "answers", "paper", "lmms", "vlm"),
    [
        ("relaxed_accuracy", "1.9", ["2"], 1.0, 0.0, 0.0),  # exactly 5 %: float rounding
        ("relaxed_accuracy", "1,000", ["1000"], 1.0, 0.0, 0.0),  # thousands separator
        ("relaxed_accuracy", " 12", ["12"], 1.0, 1.0, 1.0),  # float() strips
        ("relaxed_accuracy", "Paris ", ["paris"], 1.0, 0.0, 1.0),  # VLMEvalKit strips the prediction
        ("anls", "ax", ["ab"], 0.0, 0.5, 0.5),  # NL = 0.5 kept
        ("anls", " ax ", ["ab"], 0.0, 0.75, 0.75),  # lengths of unstripped strings
        ("vqa_accuracy", "cat", ["cat"], 1.0, 0.0, 0.0),  # one answer: leave-one-out leaves none
        ("vqa_accuracy", "5", ["5."] * 10, 1.0, 1.0, 0.0),  # VLMEvalKit keeps a period after a digit
        ("exact_match", "It is Paris.", ["Paris"], 0.0, 1.0, 0.0),  # MTVQA containment
        ("exact_match", "anything", ["."], 0.0, 1.0, 0.0),  # an empty gold is in everything
    ],
)
def test_documented_differences(metric, prediction, answers, paper, lmms, vlm):
    for convention, expected in zip(CONVENTIONS, (paper, lmms, vlm), strict=True):
        assert metric_for(metric, convention)(prediction, answers) == pytest.approx(expected), convention


def test_metrics_without_a_harness_rule_keep_the_paper_definition():
    for convention in CONVENTIONS:
        assert metric_for("token_f1", convention) is metric_for("token_f1")
        assert metric_for("yes_no_accuracy", convention) is metric_for("yes_no_accuracy")


def test_unknown_convention_or_metric_is_refused():
    with pytest.raises(ValueError, match="paper, lmms-eval, vlmevalkit"):
        metric_for("anls", "lmms_eval")
    with pytest.raises(ValueError, match="unknown metric 'bleu'"):
        metric_for("bleu", "paper")


def test_score_item_takes_the_convention(make_record):
    from xtvqa_data import iter_items

    record = make_record(source="chartqa", answers={"en": ("2",)})
    item = next(iter(iter_items([record], ["en"])))
    assert score_item(item, "1.9") == 1.0
    assert score_item(item, "1.9", convention="lmms-eval") == 0.0
    with pytest.raises(ValueError, match="choose one of"):
        score_item(item, "1.9", convention="nope")
