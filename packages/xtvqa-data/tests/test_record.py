"""Record validation (DESIGN.md section 3). Run: uv run nox -s data -- -k record"""

import pytest
from PIL import Image
from xtvqa_data import EvalItem, Record, RecordError, check_langs_present, iter_items


def make(**changes):
    fields = dict(
        id="chartqa-0012", source="chartqa", image=Image.new("RGB", (8, 8)), image_lang="en",
        question={"en": "What is the value?", "zh": "数值是多少？"}, answers={"en": ["12"]},
    )
    fields.update(changes)
    return Record(**fields)


def test_valid_record_normalises_maps():
    r = make(answers={"en": ["12", "twelve"]}, ocr_tokens=["12", "Sales"], meta={"seed": 3})
    assert r.answers == {"en": ("12", "twelve")}
    assert r.ocr_tokens == ("12", "Sales")
    assert r.meta == {"seed": "3"}
    assert r.languages == ("en", "zh")


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"image_lang": "english"}, "image_lang", "unknown language code 'english'"),
        ({"question": {"zh": "问"}}, "question", "no entry for image_lang 'en'"),
        ({"question": {"en": "q", "xx": "q"}}, "question['xx']", "unknown language code"),
        ({"question": {"en": "  "}}, "question['en']", "is empty"),
        ({"answers": {"zh": ["十二"]}}, "answers", "no entry for image_lang 'en'"),
        ({"answers": {"en": []}}, "answers['en']", "empty list"),
        ({"answers": {"en": [""]}}, "answers['en']", "empty or non-string"),
        ({"answers": {"en": "12"}}, "answers['en']", "must be a list"),
        ({"id": ""}, "id", "non-empty"),
        ({"source": "ChartQA"}, "source", "lowercase"),
        ({"image": b"png"}, "image", "PIL image"),
    ],
)
def test_invalid_record_names_id_and_field(changes, field, fragment):
    with pytest.raises(RecordError) as err:
        make(**changes)
    assert err.value.field == field
    assert fragment in str(err.value)
    assert str(err.value).startswith("Record 'chartqa-0012'") or changes.get("id") == ""


def test_items_follow_requested_languages():
    a, b = make(id="a"), make(id="b", question={"en": "q"})
    keys = [item.key for item in iter_items([a, b], ["zh", "en"])]
    assert keys == ["a:zh", "a:en", "b:en"]
    assert [i.is_cross_lingual for i in iter_items([a], ["en", "zh"])] == [False, True]
    assert [i.question_lang for i in iter_items([a])] == ["en", "zh"]


def test_item_image_override_and_missing_language():
    r = make()
    noised = Image.new("RGB", (8, 8), "white")
    item = EvalItem(r, "zh").with_image(noised)
    assert item.image is noised and r.image is not noised
    with pytest.raises(RecordError, match="question_lang 'fr'"):
        EvalItem(r, "fr")
    with pytest.raises(ValueError, match="no record has a question in fr"):
        check_langs_present([r], ["en", "fr"])
