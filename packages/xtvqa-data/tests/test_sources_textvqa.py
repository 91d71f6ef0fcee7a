"""TextVQA converter: 10 answers, Rosetta OCR tokens, train_images/, hub rows (no network).

Run: uv run pytest packages/xtvqa-data/tests/test_sources_textvqa.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_data import EvalItem, load, save
from xtvqa_data.metrics import score_item
from xtvqa_data.sources import SourceFormatError, textvqa

TEN = ["nokia", "nokia", "nokia", "toshiba", "nokia", "nokia", "nokia", "nokia", "nokia", "nokia"]


def question(qid, image_id, answers=TEN, text="what brand is this?"):
    row = {
        "question": text, "image_id": image_id, "image_classes": ["Mobile phone"],
        "flickr_original_url": "https://x/y.jpg", "flickr_300k_url": "https://x/y.jpg",
        "image_width": 16, "image_height": 12, "question_tokens": text.split(),
        "question_id": qid, "set_name": "val",
    }
    if answers is not None:
        row["answers"] = list(answers)
    return row


@pytest.fixture
def release(tmp_path, files):
    files.image(tmp_path / "train_images" / "003a8ae2ef43b901.jpg")
    files.image(tmp_path / "train_images" / "no_ocr_entry.jpg")
    files.corrupt_image(tmp_path / "train_images" / "corrupt.jpg")
    files.json(tmp_path / "TextVQA_0.5.1_val.json", {
        "dataset_type": "val", "dataset_name": "textvqa", "dataset_version": "0.5.1",
        "data": [
            question(34602, "003a8ae2ef43b901"),
            question(34603, "no_ocr_entry", answers=["yes"] * 9 + [""]),
            question(34604, "not_downloaded"),
            question(34605, "corrupt"),
            question(34606, "003a8ae2ef43b901", answers=[]),
        ],
    })
    files.json(tmp_path / "TextVQA_Rosetta_OCR_v0.2_val.json", {
        "data": [
            {"image_id": "003a8ae2ef43b901", "ocr_tokens": ["NOKIA", "5:22"], "ocr_info": []},
            {"image_id": "corrupt", "ocr_info": [{"word": "ONLY", "bounding_box": {}}]},
        ],
    })
    return tmp_path


def test_keeps_all_ten_answers_and_ocr_tokens(release, tmp_path):
    conv = textvqa.from_local(release, split="validation", quarantine_path=tmp_path / "q.jsonl")
    records = list(conv)
    assert [r.id for r in records] == ["textvqa-34602", "textvqa-34603"]
    first, second = records
    assert first.answers == {"en": tuple(TEN)}  # duplicates kept: VQA accuracy counts them
    assert first.ocr_tokens == ("NOKIA", "5:22")
    assert second.ocr_tokens is None  # the OCR file has no entry for this image: unknown, not empty
    assert second.answers == {"en": ("yes",) * 9} and second.meta["dropped_empty_answers"] == "1"
    assert first.meta == {"original_id": "34602", "image_id": "003a8ae2ef43b901", "original_split": "val"}
    assert {e.id: e.field for e in conv.quarantined} == {
        "textvqa-34604": "image", "textvqa-34605": "image", "textvqa-34606": "answers['en']",
    }
    loaded = load(save(conv, tmp_path / "out"))
    assert loaded[0].ocr_tokens == ("NOKIA", "5:22") and loaded[1].ocr_tokens is None
    assert loaded[0].answers == first.answers


def test_ocr_can_be_switched_off_or_absent(release):
    records = list(textvqa.from_local(release, split="val", ocr=False))
    assert all(r.ocr_tokens is None for r in records)
    (release / "TextVQA_Rosetta_OCR_v0.2_val.json").unlink()
    assert next(iter(textvqa.from_local(release, split="val"))).ocr_tokens is None


def test_rosetta_words_used_when_tokens_absent(release, files):
    files.image(release / "train_images" / "corrupt.jpg")  # repair the image: now it converts
    records = {r.id: r for r in textvqa.from_local(release, split="val")}
    assert records["textvqa-34605"].ocr_tokens == ("ONLY",)


def test_test_split_reads_test_images_and_quarantines_missing_answers(tmp_path, files):
    files.image(tmp_path / "test_images" / "t1.jpg")
    files.json(tmp_path / "TextVQA_0.5.1_test.json", {"data": [question(1, "t1", answers=None)]})
    conv = textvqa.from_local(tmp_path, split="test")
    assert list(conv) == [] and conv.quarantined[0].field == "answers['en']"


def test_missing_annotation_file(tmp_path):
    with pytest.raises(SourceFormatError, match=r"TextVQA_0\.5\.1_train\.json"):
        textvqa.from_local(tmp_path, split="train")


def test_hub_rows_carry_ocr_tokens():
    rows = [{"question_id": 5, "question": "what?", "answers": TEN, "image": None, "ocr_tokens": ["A"], "set_name": "val"}]
    [candidate] = textvqa.candidates_from_rows(rows, "validation")
    assert candidate.id == "textvqa-5" and candidate.ocr_tokens == ["A"] and len(candidate.answers) == 10


def test_a_blank_vote_still_counts_as_one_of_the_ten(tmp_path, files):
    files.image(tmp_path / "train_images" / "img.jpg")
    files.json(tmp_path / "TextVQA_0.5.1_val.json", {
        "data": [question(1, "img", answers=["cat"] + ["dog"] * 8 + [""], text="what animal is it?")],
    })
    [record] = textvqa.from_local(tmp_path, split="val")
    assert record.answers == {"en": ("cat",) + ("dog",) * 8} and record.meta["dropped_empty_answers"] == "1"
    # 1 matching vote of 10: 0.3 (as the official evaluator), not "any of 9 variants matches" = 1.0
    assert score_item(EvalItem(record, "en"), "cat") == pytest.approx(0.3)
    assert score_item(EvalItem(record, "en"), "dog") == 1.0
    [loaded] = load(save([record], tmp_path / "out"))
    assert score_item(EvalItem(loaded, "en"), "cat") == pytest.approx(0.3)
