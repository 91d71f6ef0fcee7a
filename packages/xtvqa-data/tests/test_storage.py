"""save/load round trips and storage errors (DESIGN.md section 3; issue 2 "Bad input").

Run: uv run pytest packages/xtvqa-data/tests/test_storage.py -q
"""

from __future__ import annotations

import io

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from xtvqa_data import RecordDataset, RecordError, StorageError, iter_items, load, open_image, save
from xtvqa_data.storage import SCHEMA, record_to_row


def assert_same(a, b):
    for name in ("id", "source", "image_lang", "question_type", "metric", "ocr_tokens", "split"):
        assert getattr(a, name) == getattr(b, name), name
    assert list(a.question.items()) == list(b.question.items())  # order kept too
    assert list(a.answers.items()) == list(b.answers.items())
    assert list(a.meta.items()) == list(b.meta.items())
    assert a.image.mode == b.image.mode and a.image.size == b.image.size
    # Compare colours: PNG may renumber a palette ("P" mode) without changing any pixel.
    assert a.image.convert("RGBA").tobytes() == b.image.convert("RGBA").tobytes()


@pytest.fixture
def mixed(make_record):
    return [
        make_record("a", question={"en": "How many?", "zh": "多少个？", "fr": "Combien ?"},
                    answers={"en": ["3", "three"], "zh": ["三"]}, question_type="extractive",
                    metric="exact_match", ocr_tokens=["Sales", "3"], split="train",
                    meta={"seed": "7", "original_id": "x/1"}),
        make_record("b", ocr_tokens=[], split="train"),  # empty list stays empty, not null
        make_record("c", image=Image.new("L", (5, 9), 77), image_lang="zh",
                    question={"zh": "标题是什么？", "en": "What is the title?"},
                    answers={"zh": ["你好"]}, split="test"),
        make_record("d", image=Image.new("RGBA", (4, 4), (1, 2, 3, 4)), split="train"),
        make_record("e", image=Image.new("P", (6, 3), 5), split="test", question_type="human"),
    ]


def test_round_trip_preserves_every_field(tmp_path, mixed):
    out = save(mixed, tmp_path / "ds", card="Made by a test.")
    loaded = load(out)
    assert isinstance(loaded, RecordDataset) and len(loaded) == 5
    assert loaded.splits == ("train", "test")  # splits in order of first appearance
    by_id = {r.id: r for r in loaded}
    for record in mixed:
        assert_same(record, by_id[record.id])
    assert by_id["a"].ocr_tokens == ("Sales", "3")
    assert by_id["b"].ocr_tokens == () and by_id["c"].ocr_tokens is None
    # Within a split, order is the input order.
    assert [r.id for r in load(out, split="train")] == ["a", "b", "d"]


def test_indexing_filter_select_and_items(tmp_path, mixed):
    ds = load(save(mixed, tmp_path / "ds"))
    assert ds[-1].id == ds[len(ds) - 1].id
    assert [r.id for r in ds[1:3]] == ds.ids[1:3]
    with pytest.raises(IndexError, match="out of range for 5 records"):
        ds[5]
    assert [r.id for r in ds.filter(image_lang="zh")] == ["c"]
    assert sorted(ds.filter(split=("train", "test"), question_type=None).ids) == ["b", "c", "d"]
    assert ds.filter(lambda r: "fr" in r.question).ids == ["a"]
    assert ds.select([4, 0]).ids == [ds.ids[4], ds.ids[0]]
    with pytest.raises(ValueError, match="cannot filter on"):
        ds.filter(answers="3")
    keys = [item.key for item in iter_items(ds, langs=["en", "zh"])]
    assert "a:en" in keys and "a:zh" in keys and "c:zh" in keys and "b:zh" not in keys
    assert len(keys) == 7


def test_file_images_keep_their_original_bytes(tmp_path, make_record):
    jpeg = tmp_path / "photo.jpg"
    Image.effect_noise((32, 24), 60).convert("RGB").save(jpeg, quality=83)
    png = tmp_path / "scan.png"
    Image.new("RGB", (10, 10), (9, 9, 9)).save(png)
    records = [
        make_record("via-open-image", image=open_image(jpeg, record_id="x")),
        make_record("via-pil-open", image=Image.open(png)),
    ]
    out = save(records, tmp_path / "ds")
    table = pq.read_table(next((out / "data").glob("*.parquet")))
    stored = [row["bytes"] for row in table.column("image").to_pylist()]
    assert stored == [jpeg.read_bytes(), png.read_bytes()]  # JPEG not re-encoded (lossless)


def test_in_place_resized_file_image_is_reencoded(tmp_path, make_record):
    path = tmp_path / "big.png"
    Image.new("RGB", (40, 40), (200, 0, 0)).save(path)
    image = Image.open(path)
    image.thumbnail((10, 10))  # in place: the file's bytes no longer describe the image
    loaded = load(save([make_record("t", image=image)], tmp_path / "ds"))[0]
    assert loaded.image.size == (10, 10)


def test_plain_datasets_reads_the_folder_like_the_hub(tmp_path, mixed):
    out = save(mixed, tmp_path / "ds")
    card = (out / "README.md").read_text()
    assert "config_name: default" in card and "path: data/train-*" in card
    assert "| `train` | 3 |" in card and "| `zh` | 2 |" in card  # split and question-language counts
    assert "5 records, 8 evaluation items" in card and "3 of them cross-lingual" in card
    hf = datasets.load_dataset(str(out))
    assert set(hf) == {"train", "test"} and hf["train"].num_rows == 3
    assert isinstance(hf["train"].features["image"], datasets.Image)
    assert isinstance(hf["test"][0]["image"], Image.Image)


def test_shards_roll_over_at_max_shard_size(tmp_path, make_record):
    records = [make_record(f"r{i:03d}", image=Image.effect_noise((64, 64), 80)) for i in range(250)]
    out = save(records, tmp_path / "ds", max_shard_size=20_000)
    shards = sorted(p.name for p in (out / "data").iterdir())
    assert len(shards) == 3  # 100-row groups of ~40 kB each overflow 20 kB: one group per shard
    assert shards[0] == "test-00000-of-00003.parquet" and shards[-1] == "test-00002-of-00003.parquet"
    assert load(out).ids == [r.id for r in records]


def test_failed_save_leaves_nothing_and_keeps_the_old_dataset(tmp_path, make_record):
    out = save([make_record("old")], tmp_path / "ds")

    def crashing():
        yield make_record("new")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        save(crashing(), out)
    assert load(out).ids == ["old"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]  # no temporary folder left behind
    save([make_record("new")], out)  # a successful save replaces it
    assert load(out).ids == ["new"]


def test_save_refuses_foreign_folders_and_bad_records(tmp_path, make_record):
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a dataset folder written by save"):
        save([make_record()], tmp_path / "home")
    out = save([make_record()], tmp_path / "ds")
    with pytest.raises(StorageError, match="overwrite=False"):  # OutputExistsError: both kinds, as the apps catch
        save([make_record()], out, overwrite=False)
    with pytest.raises(RecordError, match="Record 'x': id is not unique"):
        save([make_record("x"), make_record("x", split="train")], tmp_path / "dup")
    with pytest.raises(RecordError, match="Record 'y': split 'dev-1' is not a valid split name"):
        save([make_record("y", split="dev-1")], tmp_path / "bad")
    with pytest.raises(StorageError, match="no records"):
        save([], tmp_path / "empty")


def test_save_replaces_only_its_own_output(tmp_path, make_record):
    # A user's project folder shaped like save's output: their README, their own parquet export.
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "README.md").write_text("# My project\n\nNotes I want to keep.\n")
    pq.write_table(pa.table({"x": [1, 2]}), project / "data" / "raw_export.parquet")
    with pytest.raises(FileExistsError, match=r"project exists and is not a dataset folder written by save "
                       r"\(found a README\.md without save's dataset-card header, data/raw_export\.parquet\)"):
        save([make_record()], project)
    assert (project / "README.md").read_text().startswith("# My project")
    assert (project / "data" / "raw_export.parquet").is_file()
    # save's own output with a foreign file dropped into data/: refused, naming the file
    out = save([make_record("a")], tmp_path / "ds")
    pq.write_table(pa.table({"x": [1]}), out / "data" / "raw_export.parquet")
    with pytest.raises(FileExistsError, match=r"found data/raw_export\.parquet\)"):
        save([make_record("b")], out)
    (out / "data" / "raw_export.parquet").unlink()
    # a shard-named file with a hand-written README, or no README at all: not save's either
    (out / "README.md").write_text("# hand-written\n")
    with pytest.raises(FileExistsError, match=r"README\.md without save's dataset-card header"):
        save([make_record("b")], out)
    (out / "README.md").unlink()
    with pytest.raises(FileExistsError, match=r"found no README\.md"):
        save([make_record("b")], out)
    # save's own output (several splits) and an empty folder are replaced
    two = save([make_record(f"r{i}", split=s) for i, s in enumerate(["train", "test"] * 3)], tmp_path / "two")
    assert sorted(p.name for p in (two / "data").iterdir()) == [
        "test-00000-of-00001.parquet", "train-00000-of-00001.parquet"]
    assert load(save([make_record("new")], two)).ids == ["new"]
    (tmp_path / "empty").mkdir()
    assert load(save([make_record("e")], tmp_path / "empty")).ids == ["e"]


def test_unknown_split_lists_available(tmp_path, mixed):
    out = save(mixed, tmp_path / "ds")
    with pytest.raises(StorageError, match="no split 'validation'; available: train, test"):
        load(out, split="validation")


def write_raw_rows(folder, rows):
    (folder / "data").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), folder / "data" / "test-00000-of-00001.parquet")
    return folder


def test_corrupt_stored_image_names_record_and_field(tmp_path, make_record):
    good = record_to_row(make_record("ok"))
    bad = record_to_row(make_record("broken-7"))
    bad["image"] = {"bytes": bad["image"]["bytes"][:40], "path": None}  # truncated PNG
    ds = load(write_raw_rows(tmp_path / "ds", [good, bad]))
    assert ds[0].id == "ok"  # the good record still loads: decoding is per record
    with pytest.raises(RecordError, match="Record 'broken-7': image cannot be decoded") as err:
        ds[1]
    assert err.value.field == "image"


def test_bytes_that_are_no_image_are_named_without_a_memory_address():
    with pytest.raises(RecordError, match=r"image cannot be decoded: no image format Pillow reads$") as err:
        open_image(b"not an image at all", record_id="r-1")
    assert "0x" not in str(err.value)


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (lambda r: r.update(question=[{"lang": "en", "text": "q"}, {"lang": "xx", "text": "q"}]),
         "question['xx']", "unknown language code 'xx'"),
        (lambda r: r.update(image_lang="english"), "image_lang", "unknown language code"),
        (lambda r: r.update(answers=[{"lang": "zh", "texts": ["三"]}]), "answers", "no entry for image_lang 'en'"),
    ],
)
def test_invalid_stored_record_names_record_and_field(tmp_path, make_record, mutate, field, fragment):
    row = record_to_row(make_record("bad-3"))
    mutate(row)
    ds = load(write_raw_rows(tmp_path / "ds", [row]))
    with pytest.raises(RecordError, match=fragment) as err:
        list(ds)
    assert err.value.record_id == "bad-3" and err.value.field == field


def test_truncated_shard_names_the_file(tmp_path, mixed):
    out = save(mixed, tmp_path / "ds")
    shard = out / "data" / "test-00000-of-00001.parquet"
    shard.write_bytes(shard.read_bytes()[: shard.stat().st_size // 2])
    with pytest.raises(StorageError, match=r"test-00000-of-00001\.parquet is truncated or corrupt"):
        load(out)


def test_foreign_parquet_is_not_an_xtvqa_dataset(tmp_path):
    (tmp_path / "ds").mkdir()
    pq.write_table(pa.table({"question": ["q"], "label": ["1"]}), tmp_path / "ds" / "test.parquet")
    with pytest.raises(StorageError, match="missing columns"):
        load(tmp_path / "ds")


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(StorageError, match="holds no parquet shards"):
        load(tmp_path)  # exists but empty


def test_loaded_images_are_valid_pil(tmp_path, make_record):
    buf = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buf, format="JPEG")
    record = make_record("j", image=open_image(buf.getvalue(), record_id="j"))
    loaded = load(save([record], tmp_path / "ds"))[0]
    assert loaded.image.format == "JPEG" and loaded.image.size == (3, 3)
    # Re-saving a loaded record stores the same JPEG bytes again (no generation loss).
    again = save([loaded], tmp_path / "again")
    table = pq.read_table(next((again / "data").glob("*.parquet")))
    assert table.column("image").to_pylist()[0]["bytes"] == buf.getvalue()


def test_a_missing_local_folder_is_refused_at_once_with_the_near_name(tmp_path, monkeypatch):
    """`data/sampel` (a typo beside data/sample) is a local path, not a hub id: one line, no hub
    lookup; a plain `org/name` still goes to the hub, and a far-off name gets no suggestion."""
    import time

    import xtvqa_data.storage as storage

    (tmp_path / "data" / "sample").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    asked = []
    monkeypatch.setattr(storage.datasets, "load_dataset", lambda *a, **k: asked.append(a) or (_ for _ in ()).throw(OSError("hub")))
    started = time.perf_counter()
    with pytest.raises(StorageError, match=r"no dataset folder data/sampel \(data/ is a folder here, so this names a local path\); did you mean data/sample\?"):
        load("data/sampel")
    with pytest.raises(StorageError, match=r"no dataset folder ./nowhere$"):
        load("./nowhere")
    with pytest.raises(StorageError, match=r"no dataset folder data/zzzzzz \(data/ is a folder here"):
        load("data/zzzzzz")
    assert time.perf_counter() - started < 1.0 and asked == []
    with pytest.raises(OSError, match="hub"):
        load("lmms-lab/DocVQA")
    assert asked == [("lmms-lab/DocVQA",)]
