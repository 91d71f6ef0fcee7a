"""OCR-VQA converter: dataset.json keyed by image id, split codes 1/2/3, images/ (no network).

Run: uv run pytest packages/xtvqa-data/tests/test_sources_ocrvqa.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_data.sources import Conversion, SourceFormatError, ocrvqa


def book(split, url="http://ecx.images-amazon.com/images/I/61Y5cOdHJbL.jpg", questions=None, answers=None):
    return {
        "imageURL": url,
        "questions": questions or ["Who wrote this book?", "What is the title of this book?", "Is this a games related book?"],
        "answers": answers or ["Sandra Boynton", "Mom's Family Wall Calendar 2016", "No"],
        "title": "Mom's Family Wall Calendar 2016", "authorName": "Sandra Boynton",
        "genre": "Calendars", "genreID": 4, "split": split,
    }


@pytest.fixture
def release(tmp_path, files):
    files.image(tmp_path / "images" / "761183272.jpg", fmt="JPEG")
    files.image(tmp_path / "images" / "1000.png")  # URL says .gif, file saved as .png
    files.corrupt_image(tmp_path / "images" / "2000.jpg")
    files.image(tmp_path / "images" / "3000.jpg", fmt="JPEG")
    files.image(tmp_path / "images" / "4000.jpg", fmt="JPEG")
    files.json(tmp_path / "dataset.json", {
        "761183272": book(3),
        "1000": book(3, url="http://x/I/a.gif", questions=["Who wrote it?"], answers=["Ann"]),
        "2000": book(3),
        "5000": book(3),  # image never downloaded
        "3000": book(1),  # train: not in the test split
        "4000": book(3, questions=["Q1?", "Q2?"], answers=["A1"]),  # one answer short
    })
    return tmp_path


def test_one_record_per_question_and_split_codes(release, tmp_path):
    conv = ocrvqa.from_local(release, split="test", quarantine_path=tmp_path / "q.jsonl")
    records = list(conv)
    ids = [r.id for r in records]
    assert ids == ["ocrvqa-761183272-0", "ocrvqa-761183272-1", "ocrvqa-761183272-2", "ocrvqa-1000-0", "ocrvqa-4000-0"]
    first = records[0]
    assert first.question == {"en": "Who wrote this book?"} and first.answers == {"en": ("Sandra Boynton",)}
    assert first.meta["title"] == "Mom's Family Wall Calendar 2016" and first.meta["original_split"] == "3"
    assert first.meta["original_id"] == "761183272#0" and first.image.format == "JPEG"
    assert records[3].image.format == "PNG"  # found under another suffix than the URL's
    quarantined = {e.id: e.field for e in conv.quarantined}
    assert quarantined == {
        "ocrvqa-2000-0": "image", "ocrvqa-2000-1": "image", "ocrvqa-2000-2": "image",
        "ocrvqa-5000-0": "image", "ocrvqa-5000-1": "image", "ocrvqa-5000-2": "image",
        "ocrvqa-4000-1": "answers['en']",
    }
    assert conv.n_records + conv.n_quarantined == 12  # every test-split question accounted for


def test_train_split_and_bad_split_name(release):
    assert [r.id for r in ocrvqa.from_local(release, split="train")] == [f"ocrvqa-3000-{k}" for k in range(3)]
    with pytest.raises(SourceFormatError, match="got 'dev2'"):
        ocrvqa.from_local(release, split="dev2")


def test_missing_dataset_json(tmp_path):
    with pytest.raises(SourceFormatError, match=r"dataset\.json"):
        ocrvqa.from_local(tmp_path)


def test_hub_rows_share_one_image_decode(files, tmp_path):
    raw = files.image(tmp_path / "c.png").read_bytes()
    row = {"image": {"bytes": raw, "path": None}, "image_id": "42", "questions": ["A?", "B?"],
           "answers": ["a", "b"], "ocr_tokens": ["TITLE"], "set_name": "test"}
    # from_hub feeds hub rows through the same candidates_from_rows into a Conversion.
    records = list(Conversion("ocrvqa", "test", lambda: ocrvqa.candidates_from_rows([row], "test"), origin="rows"))
    assert [r.id for r in records] == ["ocrvqa-42-0", "ocrvqa-42-1"]
    assert records[0].image is records[1].image and records[0].ocr_tokens == ("TITLE",)
