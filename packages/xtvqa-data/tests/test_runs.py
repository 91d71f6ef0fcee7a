"""Run folders: crash-safe JSONL, resume after kill -9, sharding and merging, metadata.

Run: uv run pytest packages/xtvqa-data/tests/test_runs.py -q
"""

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from xtvqa_data.runs import (
    JsonlWriter,
    RunFolder,
    atomic_write_json,
    done_keys,
    git_state,
    merge_rows,
    merge_shards,
    read_jsonl,
    row_key,
    run_metadata,
    shard,
)
from xtvqa_data.runs import jsonl as jsonl_module


def rows(n, lang="en", start=0):
    return [{"id": f"r{i}", "question_lang": lang, "prediction": "北京", "score": 1.0} for i in range(start, start + n)]


def test_writer_appends_one_line_per_row_and_keeps_unicode(tmp_path):
    path = tmp_path / "p.jsonl"
    with JsonlWriter(path) as writer:
        writer.write(rows(1)[0])
        writer.write_many(rows(2, start=1))
    with JsonlWriter(path) as writer:  # reopening appends
        writer.write(rows(1, start=3)[0])
    assert [r["id"] for r in read_jsonl(path)] == ["r0", "r1", "r2", "r3"]
    raw = path.read_bytes()
    assert raw.count(b"\n") == 4 and "北京".encode() in raw


def test_writer_rejects_nan_and_non_mappings(tmp_path):
    with JsonlWriter(tmp_path / "p.jsonl") as writer:
        with pytest.raises(ValueError):
            writer.write({"id": "a", "score": math.nan})
        with pytest.raises(TypeError, match="mapping"):
            writer.write(["not", "a", "row"])
    assert read_jsonl(tmp_path / "p.jsonl") == []


@pytest.mark.parametrize("tail", [b'{"id": "r9", "question_l', b'{"id": "r9", "question_lang": "en"}'])
def test_truncated_last_line_is_ignored_then_cut(tmp_path, tail):
    # A kill mid-write leaves a last line without newline (complete JSON or not): never committed.
    path = tmp_path / "p.jsonl"
    with JsonlWriter(path) as writer:
        writer.write_many(rows(3))
    with open(path, "ab") as handle:
        handle.write(tail)
    assert [r["id"] for r in read_jsonl(path)] == ["r0", "r1", "r2"]
    assert done_keys(path) == {"r0:en", "r1:en", "r2:en"}
    with JsonlWriter(path) as writer:  # opening cuts the partial line before appending
        writer.write(rows(1, start=9)[0])
    assert [r["id"] for r in read_jsonl(path)] == ["r0", "r1", "r2", "r9"]
    assert path.read_bytes().endswith(b'"score": 1.0}\n')


def test_file_of_only_a_partial_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"id": ')
    assert read_jsonl(path) == []
    with JsonlWriter(path) as writer:
        writer.write(rows(1)[0])
    assert len(read_jsonl(path)) == 1


def test_damaged_middle_line_raises_with_location(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "question_lang": "en"}\n{oops}\n{"id": "b", "question_lang": "en"}\n')
    with pytest.raises(ValueError, match=r"p\.jsonl:2: not valid JSON"):
        read_jsonl(path)
    path.write_bytes(b'{"id": "a", "question_lang": "en"}\n{"id": "\xff"}\n')
    with pytest.raises(ValueError, match=r"p\.jsonl:2: not UTF-8"):
        read_jsonl(path)
    path.write_text('[1, 2]\n')
    with pytest.raises(ValueError, match="expected a JSON object"):
        read_jsonl(path)


def test_done_keys_and_row_key(tmp_path):
    assert done_keys(tmp_path / "missing.jsonl") == set()
    path = tmp_path / "p.jsonl"
    with JsonlWriter(path) as writer:
        writer.write({"id": "a", "question_lang": "en", "error": None})
        writer.write({"id": "b", "question_lang": "zh", "error": "HTTP 500 after 5 retries"})
        writer.write({"key": "custom", "id": "c"})
    assert done_keys(path) == {"a:en", "b:zh", "custom"}
    assert done_keys(path, include_errors=False) == {"a:en", "custom"}
    with pytest.raises(ValueError, match="question_lang"):
        row_key({"id": "x"})


# The child loads runs/jsonl.py (stdlib-only) by file path: importing the `xtvqa_data` package
# imports `datasets`, about 2 s per process on this machine, for nothing this test needs.
CHILD = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("jsonl_under_test", sys.argv[3])
jsonl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(jsonl)
JsonlWriter, done_keys = jsonl.JsonlWriter, jsonl.done_keys
path, n = sys.argv[1], int(sys.argv[2])
done = done_keys(path)
with JsonlWriter(path) as writer:
    for i in range(n):
        if f"r{i}:en" not in done:
            writer.write({"id": f"r{i}", "question_lang": "en", "payload": "x" * 4096})
"""


def test_resume_after_kill_9_does_every_item_exactly_once(tmp_path):
    path, n = tmp_path / "predictions.jsonl", 150
    module = str(Path(jsonl_module.__file__))
    for _ in range(2):  # kill twice, mid-run
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(n), module])
        deadline = time.monotonic() + 30
        start_size = path.stat().st_size if path.exists() else 0
        while time.monotonic() < deadline and child.poll() is None:
            if path.exists() and path.stat().st_size > start_size + 15 * 4096:
                break
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert len(read_jsonl(path)) < n, "the child finished before it was killed; the test proved nothing"
    subprocess.run([sys.executable, "-c", CHILD, str(path), str(n), module], check=True, timeout=60)
    ids = [r["id"] for r in read_jsonl(path)]
    assert sorted(ids) == sorted(f"r{i}" for i in range(n))
    assert len(ids) == len(set(ids))
    assert path.read_bytes().endswith(b"\n")


def test_shard_is_a_strided_partition():
    items = list(range(11))
    shards = [shard(items, rank, 3) for rank in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8]]
    assert sorted(x for s in shards for x in s) == items
    assert shard(items, 0, 1) == items
    assert shard([], 1, 2) == []
    with pytest.raises(ValueError, match="rank"):
        shard(items, 3, 3)
    with pytest.raises(ValueError, match="world_size"):
        shard(items, 0, 0)


def test_merge_shards_restores_order_and_dedupes(tmp_path):
    all_rows = rows(10) + rows(10, lang="zh")
    order = [row_key(r) for r in all_rows]
    folder = RunFolder(tmp_path / "run")
    paths = []
    for rank in range(3):
        with folder.writer(folder.shard_path(rank).name) as writer:
            writer.write_many(shard(all_rows, rank, 3))
        paths.append(folder.shard_path(rank))
    assert [p.name for p in paths] == ["predictions.rank0.jsonl", "predictions.rank1.jsonl", "predictions.rank2.jsonl"]
    # Rank 1 retried an item: its newer row wins, in the item's original position.
    with JsonlWriter(paths[1]) as writer:
        writer.write({**all_rows[1], "prediction": "retried"})
    merged = merge_shards(paths, folder.predictions_path, order=order)
    assert [row_key(r) for r in merged] == order
    assert merged[1]["prediction"] == "retried"
    assert read_jsonl(folder.predictions_path) == merged
    # Without `order`, round-robin reading undoes the striding.
    assert [row_key(r) for r in merge_rows([read_jsonl(p) for p in paths])] == order


def test_merge_shards_errors(tmp_path):
    with JsonlWriter(tmp_path / "a.jsonl") as writer:
        writer.write_many(rows(2))
    with pytest.raises(FileNotFoundError, match=r"b\.jsonl"):
        merge_shards([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], tmp_path / "out.jsonl")
    with pytest.raises(ValueError, match="not items of this run"):
        merge_shards([tmp_path / "a.jsonl"], tmp_path / "out.jsonl", order=["r0:en"])
    assert not (tmp_path / "out.jsonl").exists()


def test_run_folder_start_and_config(tmp_path):
    path = tmp_path / "runs" / "one"
    folder = RunFolder.start(path, resume=False)
    assert path.is_dir() and folder.predictions_path == path / "predictions.jsonl"
    with folder.writer() as writer:
        writer.write(rows(1)[0])
    with pytest.raises(FileExistsError, match="--resume"):
        RunFolder.start(path, resume=False)
    with pytest.raises(FileNotFoundError, match=r"nothing to resume in .*config.json is missing"):
        RunFolder.start(path, resume=True)  # no run was bound to it: a mistyped --out, say
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        RunFolder.start(tmp_path / "typo", resume=True)
    assert not (tmp_path / "typo").exists()
    config = {"model": "hf:tiny", "langs": ["en", "zh"], "seed": 0}
    folder.bind_config(config, resume=False)
    assert RunFolder.start(path, resume=True).done_keys() == {"r0:en"}
    folder.bind_config(config, resume=False)
    folder.bind_config(config, resume=True)
    with pytest.raises(ValueError, match=r"model: 'hf:tiny' -> 'hf:other'"):
        folder.bind_config({**config, "model": "hf:other"}, resume=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        RunFolder(tmp_path / "file")


def test_run_folder_refuses_leftover_shards(tmp_path):
    folder = RunFolder(tmp_path)
    with folder.writer(folder.shard_path(1).name) as writer:
        writer.write(rows(1)[0])
    with pytest.raises(FileExistsError, match=r"predictions\.rank1\.jsonl"):
        RunFolder.start(tmp_path, resume=False)


def test_atomic_write_json_replaces_whole_files_only(tmp_path):
    path = tmp_path / "results.json"
    atomic_write_json(path, {"overall": {"en": 0.5}, "name": "北京"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"overall": {"en": 0.5}, "name": "北京"}
    with pytest.raises(ValueError):
        atomic_write_json(path, {"overall": {"en": math.nan}})
    assert json.loads(path.read_text(encoding="utf-8"))["overall"] == {"en": 0.5}  # old file intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]  # no temporary left behind


def test_run_metadata(tmp_path):
    meta = run_metadata(cwd=tmp_path)
    assert {"timestamp", "python", "platform", "packages", "git"} <= meta.keys()
    assert "xtvqa-data" in meta["packages"] and "rapidfuzz" in meta["packages"]
    assert meta["git"] == {"commit": None, "dirty": None}  # tmp_path is no repository
    json.dumps(meta)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git binary")
def test_git_state_of_a_repository(tmp_path):
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                              env=env, check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("commit", "-q", "-m", "one")
    assert git_state(tmp_path) == {"commit": git("rev-parse", "HEAD"), "dirty": False}
    (tmp_path / "a.txt").write_text("2")
    assert git_state(tmp_path)["dirty"] is True
    assert Path(tmp_path).exists()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_get_the_mode_open_gives(tmp_path, umask):
    """results.json, table.md and config.json get the mode a plain open() gives them under the
    process's umask (like predictions.jsonl and the figures), not mkstemp's 0600."""
    import os

    from xtvqa_data.runs.meta import atomic_write_json, atomic_write_text

    old = os.umask(umask)
    try:
        text = atomic_write_text(tmp_path / "table.md", "x")
        data = atomic_write_json(tmp_path / "results.json", {"a": 1})
        with open(tmp_path / "plain.txt", "w") as handle:
            handle.write("x")
    finally:
        os.umask(old)
    expected = (tmp_path / "plain.txt").stat().st_mode & 0o777
    assert expected == 0o666 & ~umask
    assert text.stat().st_mode & 0o777 == expected and data.stat().st_mode & 0o777 == expected
