"""Metric choice per record and scoring across image/question languages (DESIGN.md 4).

Run: uv run pytest packages/xtvqa-data/tests/test_metrics_scoring.py -q
"""

import pytest
from PIL import Image
from xtvqa_data import EvalItem, Record
from xtvqa_data.metrics import METRICS, default_metric, score_item


def record(source="chartqa", image_lang="en", answers=None, question=None, **changes):
    question = question or {"en": "Q?", "zh": "问？", "fr": "Q ?"}
    return Record(
        id=f"{source}-1", source=source, image=Image.new("RGB", (4, 4)), image_lang=image_lang,
        question=question, answers=answers or {image_lang: ["12"]}, **changes,
    )


@pytest.mark.parametrize(
    ("source", "question_type", "answers", "metric"),
    [
        ("chartqa", "human", ["12"], "relaxed_accuracy"),
        ("docvqa", None, ["ACME Inc."], "anls"),
        ("textvqa", None, ["stop"] * 10, "vqa_accuracy"),
        ("ocrvqa", None, ["The Hobbit"], "exact_match"),
        ("xpaperqa-en", "extractive", ["BERT"], "token_f1"),
        ("xpaperqa-zh", "abstractive", ["注意力"], "token_f1"),
        ("xpaperqa-en", "yes-no", ["yes"], "yes_no_accuracy"),
        ("synth-chart", None, ["42", "4,200", "12%"], "relaxed_accuracy"),
        ("synth-receipt", None, ["42", "red"], "exact_match"),
        ("mtvqa", None, ["x"], "exact_match"),
    ],
)
def test_default_metric(source, question_type, answers, metric):
    assert default_metric(record(source, answers={"en": answers}, question_type=question_type)) == metric
    assert metric in METRICS


def test_metric_override_and_unknown_metric():
    assert default_metric(record("chartqa", metric="anls")) == "anls"
    with pytest.raises(ValueError, match=r"chartqa-1.*bleu"):
        default_metric(record("chartqa", metric="bleu"))


def test_answers_in_any_language_the_record_has_count():
    # The paper: "we do not care about the language of the answer as long as it is correct".
    r = record("chartqa", answers={"en": ["twelve"], "zh": ["十二"]})
    assert score_item(EvalItem(r, "zh"), "十二") == 1.0
    assert score_item(EvalItem(r, "zh"), "Twelve") == 1.0
    assert score_item(EvalItem(r, "fr"), "douze") == 0.0  # no fr answers and no translator
    assert score_item(EvalItem(r, "fr"), "十二") == 1.0  # a third language's answer is still right
    assert score_item(EvalItem(r, "en"), "十二") == 1.0  # a monolingual item answered in another language
    assert score_item(EvalItem(r, "en"), "十三") == 0.0
    # A Chinese yes-no question on a Chinese image answered in English (an MVCL-MI-trained model
    # does: its st view pairs source questions with target-language answers).
    yn = record("synth-sign", image_lang="zh", question={"zh": "开门吗？", "en": "Open?"},
                answers={"zh": ["是"], "en": ["yes"], "fr": ["oui"]}, metric="exact_match")
    assert [score_item(EvalItem(yn, "zh"), p) for p in ("是", "yes", "oui", "no", "否")] == [1, 1, 1, 0, 0]


def test_each_language_is_scored_with_its_own_tokens():
    r = record("xpaperqa-zh", image_lang="zh", answers={"zh": ["北京大学"], "en": ["Peking University"],
               "fr": ["Université de Pékin"]}, question_type="extractive")
    assert score_item(EvalItem(r, "zh"), "Université de Pékin") == 1.0  # fr tokens against the fr answer
    assert score_item(EvalItem(r, "zh"), "Université") == pytest.approx(0.5)  # P 1, R 1/3 -> 0.5


def test_translator_is_used_for_cross_lingual_misses_only():
    calls = []

    def translator(text, source, target):
        calls.append((text, source, target))
        return {"rouge": "red"}.get(text, text)

    r = record("ocrvqa", answers={"en": ["Red"]})
    assert score_item(EvalItem(r, "fr"), "rouge") == 0.0
    assert score_item(EvalItem(r, "fr"), "rouge", translator=translator) == 1.0
    assert calls == [("rouge", "fr", "en")]
    score_item(EvalItem(r, "fr"), "red", translator=translator)  # already correct: no API call
    score_item(EvalItem(r, "en"), "rouge", translator=translator)  # monolingual: nothing to translate
    score_item(EvalItem(r, "fr"), "  ", translator=translator)  # empty prediction
    assert len(calls) == 1


def test_translator_must_return_text():
    r = record("ocrvqa", answers={"en": ["Red"]})
    with pytest.raises(TypeError, match="translator returned NoneType"):
        score_item(EvalItem(r, "fr"), "rouge", translator=lambda *args: None)


def test_token_f1_uses_the_language_of_the_answers():
    r = record("xpaperqa-zh", image_lang="zh", answers={"zh": ["北京大学"], "en": ["Peking University"]},
               question_type="extractive")
    # Against zh answers with zh (character) tokens: P = 1, R = 1/2 -> 2/3; en tokens would give 0.
    assert score_item(EvalItem(r, "en"), "北京") == pytest.approx(2 / 3)
    assert score_item(EvalItem(r, "en"), "Peking University") == 1.0
    assert score_item(EvalItem(r, "zh"), "Peking University") == 1.0  # right, in another language
    assert score_item(EvalItem(r, "zh"), "Peking") == pytest.approx(2 / 3)  # en tokens: P 1, R 1/2


def test_yes_no_items_across_languages():
    r = record("xpaperqa-zh", image_lang="zh", answers={"zh": ["是"]}, question_type="yes-no")
    assert score_item(EvalItem(r, "en"), "Yes, it does.") == 1.0
    assert score_item(EvalItem(r, "fr"), "Non") == 0.0


def test_metric_failure_names_the_record():
    r = record("xpaperqa-en", answers={"en": ["BERT"]}, question_type="yes-no")
    with pytest.raises(ValueError, match=r"'xpaperqa-en-1' \(xpaperqa-en-1:en\): yes_no_accuracy: none of the answers"):
        score_item(EvalItem(r, "en"), "yes")
