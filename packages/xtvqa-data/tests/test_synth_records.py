"""Generated records are valid, multilingual, and their answers are exactly what was drawn.

Run: uv run pytest packages/xtvqa-data/tests/test_synth_records.py -q
"""

from __future__ import annotations

import json
import re

import pytest
from xtvqa_data import Record
from xtvqa_data.metrics import default_metric, parse_number, score_item
from xtvqa_data.record import EvalItem
from xtvqa_data.synth import (
    NO,
    QUESTION_KINDS,
    QUESTION_LANGS,
    SCENARIOS,
    YES,
    SynthConfig,
    generate,
    make_record,
)
from xtvqa_data.synth.vocab import ALL_TABLES

N = 48  # four full cycles of the 4 scenarios x 3 image languages


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate(N, seed=11))


def _drawn(record: Record, answer: str) -> bool:
    """`answer` is one of the drawn strings or inside one (numbers as whole numbers)."""
    pattern = re.escape(answer)
    if answer[:1].isdigit():
        pattern = rf"(?<![\d.]){pattern}(?![\d])"
    return any(re.search(pattern, text) for text in record.ocr_tokens)


def test_every_scenario_and_image_language_is_covered_and_valid(records):
    combos = {(r.source, r.image_lang) for r in records}
    assert combos == {(f"synth-{s}", lang) for s in SCENARIOS for lang in ("en", "zh", "fr")}
    assert SCENARIOS == ("chart", "doc", "sign", "cover")
    for r in records:
        assert isinstance(r, Record)
        assert r.image.mode == "RGB" and r.image.size == (448, 448)
        assert tuple(r.question) == QUESTION_LANGS
        assert set(r.answers) == set(QUESTION_LANGS)
        assert r.split == "test"
        assert r.question_type in ("extractive", "yes-no")
        assert r.meta["seed"] == "11" and r.meta["scenario"] == r.source.removeprefix("synth-")
        assert json.loads(r.meta["params"])["variant"] == r.meta["variant"]
    assert len({r.id for r in records}) == N


def test_the_eight_questions_are_different_texts(records):
    for r in records:
        assert len(set(r.question.values())) == 8, r.question


def test_extractive_answers_are_printed_in_the_image(records):
    extractive = [r for r in records if r.question_type == "extractive"]
    assert len(extractive) > N // 3
    for r in extractive:
        canonical = r.answers[r.image_lang][0]
        assert _drawn(r, canonical), f"{r.id}: {canonical!r} not in {r.ocr_tokens}"


def test_numbers_use_relaxed_accuracy_and_parse_the_same_in_every_language(records):
    numeric = [r for r in records if r.meta["answer_kind"] == "number"]
    assert numeric
    for r in numeric:
        assert r.metric == "relaxed_accuracy" == default_metric(r)
        values = {parse_number(r.answers[lang][0]) for lang in QUESTION_LANGS}
        assert len(values) == 1 and None not in values, r.answers
    for r in records:
        if r.meta["answer_kind"] != "number":
            assert r.metric == "exact_match"


def test_yes_no_answers_use_each_languages_word(records):
    yes_no = [r for r in records if r.question_type == "yes-no"]
    assert yes_no
    truths = set()
    for r in yes_no:
        truth = r.answers["en"] == ("yes",)
        truths.add(truth)
        for lang in QUESTION_LANGS:
            assert r.answers[lang] == ((YES if truth else NO)[lang],)
    assert truths == {True, False}


def test_term_answers_are_the_authored_form_in_each_language():
    # A French bar chart: the answer to "which category is highest" is the French label in the
    # image and the German word for it in German.
    config = SynthConfig(question_kinds=("chart_max",))
    record = make_record(0, seed=3, scenarios=("chart",), image_langs=("fr",), config=config)
    labels = json.loads(record.meta["params"])["labels"]
    values = json.loads(record.meta["params"])["values"]
    assert record.answers["fr"] == (labels[values.index(max(values))],)
    term = next(t for terms in ALL_TABLES.values() for t in terms if t["fr"] == record.answers["fr"][0])
    assert {lang: record.answers[lang][0] for lang in QUESTION_LANGS} == dict(term)


def test_scoring_accepts_the_gold_answer_in_every_question_language(records):
    for r in records:
        for lang in QUESTION_LANGS:
            assert score_item(EvalItem(r, lang), r.answers[lang][0]) == 1.0
        assert score_item(EvalItem(r, "de"), "keine Ahnung") == 0.0


def test_question_kinds_restrict_the_questions_and_the_scenarios():
    config = SynthConfig(question_kinds=("menu_price", "dir_distance"))
    records = list(generate(6, seed=2, config=config))
    assert {r.source for r in records} == {"synth-sign"}
    assert {r.meta["question_kind"] for r in records} <= {"menu_price", "dir_distance"}
    with pytest.raises(ValueError, match="cannot ask"):
        list(generate(2, scenarios=("chart",), config=config))
    with pytest.raises(ValueError, match="unknown kinds"):
        SynthConfig(question_kinds=("no_such_kind",))


def test_yes_no_ratio_sets_the_share_of_yes_no_questions():
    only = list(generate(12, seed=4, config=SynthConfig(yes_no_ratio=1.0)))
    never = list(generate(12, seed=4, config=SynthConfig(yes_no_ratio=0.0)))
    assert all(r.question_type == "yes-no" for r in only)
    assert all(r.question_type == "extractive" for r in never)


@pytest.mark.parametrize(("size", "scale", "clutter"), [(224, 2.0, 0.0), (320, 3.5, 0.5), (640, 0.6, 1.0)])
def test_size_text_scale_and_clutter_keep_every_answer_drawn(size, scale, clutter):
    config = SynthConfig(image_size=size, text_scale=scale, clutter=clutter, yes_no_ratio=0.0)
    for r in generate(12, seed=9, config=config):
        assert r.image.size == (size, size)
        assert _drawn(r, r.answers[r.image_lang][0]), r.id


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="unknown scenario"):
        generate(1, scenarios=("poster",))
    with pytest.raises(ValueError, match="image languages"):
        generate(1, image_langs=("de",))
    with pytest.raises(ValueError, match="seed"):
        generate(1, seed=-1)
    with pytest.raises(ValueError, match="text_scale"):
        SynthConfig(text_scale=9)


def test_every_declared_question_kind_is_generated():
    seen = set()
    for scenario, variants in QUESTION_KINDS.items():
        for kind in {k for kinds in variants.values() for k in kinds}:
            r = make_record(0, seed=1, scenarios=(scenario,), config=SynthConfig(question_kinds=(kind,), yes_no_ratio=0.5))
            assert r.meta["question_kind"] == kind
            seen.add(kind)
    assert len(seen) == sum(len({k for ks in v.values() for k in ks}) for v in QUESTION_KINDS.values())
