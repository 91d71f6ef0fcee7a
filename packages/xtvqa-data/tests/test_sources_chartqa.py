"""ChartQA converter: original release files and hub-shaped rows (no network).

Run: uv run pytest packages/xtvqa-data/tests/test_sources_chartqa.py -q
"""

from __future__ import annotations

import io

import datasets
import pytest
from PIL import Image
from xtvqa_data import load, save
from xtvqa_data.sources import SourceFormatError, chartqa, read_quarantine


@pytest.fixture
def release(tmp_path, files):
    """A tiny 'ChartQA Dataset' with test and val splits; test has 3 bad questions of 5."""
    root = tmp_path / "ChartQA Dataset"
    test = root / "test"
    files.image(test / "png" / "good.png", (10, 200, 10))
    files.corrupt_image(test / "png" / "broken.png")
    files.json(test / "test_human.json", [
        {"imgname": "good.png", "query": "What is the highest value?", "label": "14"},
        {"imgname": "missing.png", "query": "What is shown?", "label": "Sales"},
        {"imgname": "broken.png", "query": "Which year?", "label": "2019"},
    ])
    files.json(test / "test_augmented.json", [
        {"imgname": "good.png", "query": "Is the red bar taller?", "label": "Yes"},
        {"imgname": "good.png", "query": "How many bars?", "label": ""},
    ])
    files.image(root / "val" / "png" / "v.png")
    files.json(root / "val" / "val_human.json", [{"imgname": "v.png", "query": "Value?", "label": 3.5}])
    return root


def test_local_release_converts_and_quarantines(release, tmp_path):
    qfile = tmp_path / "q.jsonl"
    conv = chartqa.from_local(release, split="test", quarantine_path=qfile)
    records = list(conv)
    assert [r.id for r in records] == ["chartqa-test-human-00000", "chartqa-test-augmented-00000"]
    human, augmented = records
    assert human.source == "chartqa" and human.image_lang == "en" and human.split == "test"
    assert human.question == {"en": "What is the highest value?"} and human.answers == {"en": ("14",)}
    assert human.question_type == "human" and augmented.question_type == "augmented"
    assert human.meta == {"original_id": "human:0", "imgname": "good.png", "original_split": "test"}
    assert human.image.size == (16, 12) and human.image.getpixel((0, 0)) == (10, 200, 10)
    # Every question is accounted for: 2 written + 3 quarantined = 5 in the files.
    assert conv.n_records == 2 and conv.n_quarantined == 3 and conv.complete
    entries = {e.id: e for e in read_quarantine(qfile)}
    assert entries == {e.id: e for e in conv.quarantined}
    assert entries["chartqa-test-human-00001"].field == "image"
    assert "does not exist" in entries["chartqa-test-human-00001"].reason
    assert "missing.png" in entries["chartqa-test-human-00001"].reason
    assert "cannot be decoded" in entries["chartqa-test-human-00002"].reason
    assert entries["chartqa-test-augmented-00001"].field == "answers['en']"


def test_conversion_saves_and_round_trips(release, tmp_path):
    conv = chartqa.from_local(release / "test", split="test")  # a split folder works too
    out = save(conv, tmp_path / "out")
    loaded = load(out)
    assert loaded.ids == ["chartqa-test-human-00000", "chartqa-test-augmented-00000"]
    assert loaded[0].answers == {"en": ("14",)} and loaded[1].question_type == "augmented"
    # The chart's PNG bytes are stored as they were in the release.
    raw = loaded.hf.cast_column("image", datasets.Image(decode=False))[0]["image"]["bytes"]
    assert raw == (release / "test" / "png" / "good.png").read_bytes()


def test_validation_split_reads_val_files_and_stringifies_numbers(release):
    [record] = list(chartqa.from_local(release, split="validation"))
    assert record.split == "validation" and record.meta["original_split"] == "val"
    assert record.answers == {"en": ("3.5",)}


def test_limit_counts_source_questions(release):
    conv = chartqa.from_local(release, split="test", limit=2)
    assert len(list(conv)) == 1 and conv.n_quarantined == 1


def test_missing_release_files_name_the_expected_paths(tmp_path):
    with pytest.raises(SourceFormatError, match=r"test_human\.json"):
        chartqa.from_local(tmp_path, split="test")


def test_malformed_json_names_the_file(tmp_path):
    (tmp_path / "test").mkdir()
    (tmp_path / "test" / "test_human.json").write_text("[{not json")
    with pytest.raises(SourceFormatError, match=r"test_human\.json is not valid JSON"):
        list(chartqa.from_local(tmp_path, split="test"))


def png_bytes(color):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_hub_shaped_rows_map_like_the_release():
    rows = [
        {"image": {"bytes": png_bytes((1, 2, 3)), "path": None}, "query": "Max?", "label": ["7", "seven"], "human_or_machine": "human"},
        {"image": {"bytes": png_bytes((4, 5, 6)), "path": None}, "query": "Min?", "label": ["1"], "human_or_machine": "machine"},
    ]
    candidates = list(chartqa.candidates_from_rows(rows, "test"))
    assert [c.id for c in candidates] == ["chartqa-test-human-00000", "chartqa-test-augmented-00000"]
    assert candidates[0].answers == ["7", "seven"] and candidates[1].question_type == "augmented"


def test_from_hub_maps_split_and_class_labels(fake_hub):
    features = datasets.Features({
        "image": datasets.Image(), "query": datasets.Value("string"),
        "label": datasets.List(datasets.Value("string")),
        "human_or_machine": datasets.ClassLabel(names=["human", "machine"]),
    })
    ds = datasets.Dataset.from_dict({
        "image": [{"bytes": png_bytes((9, 9, 9)), "path": None}] * 3,
        "query": ["A?", "B?", "C?"], "label": [["1"], ["2"], []], "human_or_machine": [0, 1, 1],
    }, features=features)
    fake = fake_hub(ds)
    conv = chartqa.from_hub(split="validation", limit=10)
    assert fake.calls == []  # nothing is fetched before iteration
    records = list(conv)
    assert fake.calls[0]["path"] == "HuggingFaceM4/ChartQA" and fake.calls[0]["split"] == "val"
    assert fake.calls[0]["streaming"] is True  # a limit streams instead of downloading the split
    assert [r.question_type for r in records] == ["human", "augmented"]
    assert records[0].split == "validation" and conv.n_quarantined == 1  # the empty label list
    list(chartqa.from_hub("someone/chartqa-copy", split="validation", streaming=False))
    assert fake.calls[-1]["path"] == "someone/chartqa-copy" and fake.calls[-1]["split"] == "validation"
