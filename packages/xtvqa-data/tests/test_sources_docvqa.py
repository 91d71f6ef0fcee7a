"""DocVQA converter: `<split>_v1.0*.json` + `documents/`, and hub-shaped rows (no network).

Run: uv run pytest packages/xtvqa-data/tests/test_sources_docvqa.py -q
"""

from __future__ import annotations

import io
import json

import datasets
import pytest
from PIL import Image
from xtvqa_data.sources import SourceFormatError, docvqa


def entry(qid, image, answers=("ITC",), question="What is the company name?", **extra):
    row = {
        "questionId": qid, "question": question, "image": image, "docId": 14465,
        "ucsf_document_id": "pybv0228", "ucsf_document_page_no": "81", "data_split": "val",
    }
    if answers is not None:
        row["answers"] = list(answers)
    row.update(extra)
    return row


@pytest.fixture
def release(tmp_path, files):
    val = tmp_path / "val"
    files.image(val / "documents" / "pybv0228_81.png", (250, 250, 250))
    files.corrupt_image(val / "documents" / "bad_1.png")
    files.json(val / "val_v1.0_withQT.json", {
        "dataset_name": "docvqa", "dataset_split": "val", "dataset_version": "1.0",
        "data": [
            entry(49153, "documents/pybv0228_81.png", answers=["ITC Limited", "ITC"], question_types=["form"]),
            entry(49154, "documents/pybv0228_81.png", answers=["0.28"], question_types=["table/list", "layout"]),
            entry(49155, "documents/missing_1.png"),
            entry(49156, "documents/bad_1.png"),
            entry(49157, "documents/pybv0228_81.png", question="  "),
        ],
    })
    files.json(tmp_path / "test" / "test_v1.0.json", {"data": [entry(60000, "documents/pybv0228_81.png", answers=None)]})
    files.image(tmp_path / "test" / "documents" / "pybv0228_81.png")
    return tmp_path


def test_local_release_converts_and_quarantines(release, tmp_path):
    conv = docvqa.from_local(release, split="val", quarantine_path=tmp_path / "q.jsonl")
    records = list(conv)
    assert [r.id for r in records] == ["docvqa-49153", "docvqa-49154"]
    first = records[0]
    assert first.source == "docvqa" and first.split == "validation" and first.question_type is None
    assert first.answers == {"en": ("ITC Limited", "ITC")}
    assert first.meta["original_id"] == "49153" and first.meta["question_types"] == "form"
    assert records[1].meta["question_types"] == "table/list,layout"
    assert first.meta["ucsf_document_id"] == "pybv0228" and first.meta["original_split"] == "val"
    assert first.image is records[1].image  # one decode for questions on the same page
    fields = {e.id: e.field for e in conv.quarantined}
    assert fields == {"docvqa-49155": "image", "docvqa-49156": "image", "docvqa-49157": "question['en']"}
    assert (tmp_path / "q.jsonl").read_text().count("\n") == 3


def test_annotations_beside_the_split_folder(tmp_path):
    # <root>/val_v1.0.json with the pages under <root>/val/documents/ (module docstring)
    (tmp_path / "val" / "documents").mkdir(parents=True)
    Image.new("RGB", (2, 2), (255, 255, 255)).save(tmp_path / "val" / "documents" / "page_1.png")
    (tmp_path / "val_v1.0.json").write_text(json.dumps({"data": [
        entry(1, "documents/page_1.png"), entry(2, "documents/absent_1.png"),
    ]}), encoding="utf-8")
    conv = docvqa.from_local(tmp_path, split="validation")
    [record] = list(conv)
    assert record.id == "docvqa-1" and record.image.size == (2, 2)
    assert [(e.id, e.field) for e in conv.quarantined] == [("docvqa-2", "image")]


def test_test_split_without_answers_is_quarantined_not_dropped(release):
    conv = docvqa.from_local(release / "test", split="test")
    assert list(conv) == [] and conv.n_quarantined == 1
    assert conv.quarantined[0].field == "answers['en']"


def test_a_second_pass_reports_afresh(release, tmp_path):
    conv = docvqa.from_local(release, split="validation", quarantine_path=tmp_path / "q.jsonl")
    list(conv)
    list(conv)
    assert conv.n_records == 2 and conv.n_quarantined == 3
    assert (tmp_path / "q.jsonl").read_text().count("\n") == 3


def test_missing_or_malformed_annotations(tmp_path, files):
    with pytest.raises(SourceFormatError, match=r"train_v1\.0\*\.json"):
        docvqa.from_local(tmp_path, split="train")
    files.json(tmp_path / "train_v1.0.json", [1, 2])
    with pytest.raises(SourceFormatError, match=r"expected \{'data'"):
        list(docvqa.from_local(tmp_path, split="train"))


def test_from_hub_uses_config_and_hub_rows(fake_hub):
    buffer = io.BytesIO()
    Image.new("L", (20, 30), 200).save(buffer, format="PNG")
    ds = datasets.Dataset.from_dict({
        "questionId": ["337"], "question": ["what is the date?"], "question_types": [["handwritten"]],
        "image": [{"bytes": buffer.getvalue(), "path": None}], "docId": [279],
        "ucsf_document_id": ["yhv0228"], "ucsf_document_page_no": ["1"],
        "answers": [["11/18/1996"]], "data_split": ["val"],
    }, features=datasets.Features({
        "questionId": datasets.Value("string"), "question": datasets.Value("string"),
        "question_types": datasets.List(datasets.Value("string")), "image": datasets.Image(),
        "docId": datasets.Value("int64"), "ucsf_document_id": datasets.Value("string"),
        "ucsf_document_page_no": datasets.Value("string"),
        "answers": datasets.List(datasets.Value("string")), "data_split": datasets.Value("string"),
    }))
    fake = fake_hub(ds)
    [record] = list(docvqa.from_hub(split="validation"))
    assert fake.calls[0]["path"] == "lmms-lab/DocVQA" and fake.calls[0]["name"] == "DocVQA"
    assert fake.calls[0]["streaming"] is False
    assert record.id == "docvqa-337" and record.answers == {"en": ("11/18/1996",)}
    assert record.image.mode == "L" and record.meta["question_types"] == "handwritten"
