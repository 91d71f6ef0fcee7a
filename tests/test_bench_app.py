"""`apps/bench` end to end on a tiny model: run folder, fixed keys, resume, bad input.

Run: uv run nox -s integration -- -k bench
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, finish, kill_rank_midway, launch_app, run_app

FIXED_ROW_KEYS = {"id", "source", "question_lang", "image_lang", "prediction", "score"}


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_bench_writes_the_run_folder(tiny_model, small_data, tmp_path):
    out = tmp_path / "run"
    done = run_app("bench", "--model", tiny_model, "--data", str(small_data), "--langs", "en,zh,fr",
                   "--limit", "6", "--batch-size", "4", "--max-new-tokens", "4", "--out", str(out))
    assert {"predictions.jsonl", "results.json", "table.md", "scores.png", "config.json"} <= {p.name for p in out.iterdir()}
    rows = _rows(out / "predictions.jsonl")
    assert len(rows) == 6 * 3  # every generated record has questions in all 8 languages
    assert all(row.keys() >= FIXED_ROW_KEYS for row in rows)
    assert all(0.0 <= row["score"] <= 1.0 for row in rows)
    results = json.loads((out / "results.json").read_text())
    assert set(results["overall"]) == {"en", "zh", "fr"}
    for source, by_lang in results["scores"].items():
        assert source.startswith("synth-")
        assert all(v is None or 0.0 <= v <= 1.0 for v in by_lang.values())
    mean_en = sum(r["score"] for r in rows if r["question_lang"] == "en") / 6
    assert results["overall"]["en"] == pytest.approx(mean_en)
    assert results["model"]["spec"] == tiny_model
    assert results["settings"]["seed"] == 0 and "packages" in results["run"]
    assert results["prompt"]["short_answer"]["zh"]
    assert "| " in (out / "table.md").read_text()
    assert "overall" in done.stdout


def test_bench_refuses_to_overwrite_and_resumes_exactly_once(tiny_model, small_data, tmp_path):
    out = tmp_path / "run"
    args = ["--model", tiny_model, "--data", str(small_data), "--langs", "en,zh", "--limit", "5",
            "--max-new-tokens", "3", "--out", str(out)]
    run_app("bench", *args)
    full = _rows(out / "predictions.jsonl")
    again = run_app("bench", *args, check=False)
    assert again.returncode != 0 and "--resume" in again.stderr
    # Simulate a crash: keep 3 complete lines and half of the 4th.
    lines = (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    (out / "predictions.jsonl").write_text("".join(lines[:3]) + lines[3][:10], encoding="utf-8")
    run_app("bench", *args, "--resume")
    resumed = _rows(out / "predictions.jsonl")
    assert sorted(r["key"] for r in resumed) == sorted(r["key"] for r in full)
    assert [r["prediction"] for r in resumed] == [r["prediction"] for r in full]  # greedy is deterministic


def test_bench_resume_after_kill_9(tiny_model, small_data, tmp_path):
    out = tmp_path / "run"
    args = [sys.executable, str(REPO / "apps" / "bench"), "--model", tiny_model, "--data", str(small_data),
            "--langs", "en,zh,fr,de", "--batch-size", "1", "--max-new-tokens", "8", "--out", str(out)]
    env = {**os.environ, "XTVQA_HOME": str(REPO)}
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    predictions = out / "predictions.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not predictions.exists() or len(predictions.read_bytes().splitlines()) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = len(_rows(predictions))
    assert 3 <= killed_at < 12 * 4, "the run should have been killed midway"
    run_app("bench", *args[2:], "--resume")
    rows = _rows(predictions)
    keys = [r["key"] for r in rows]
    assert len(keys) == len(set(keys)) == 12 * 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "nosuch:model"], "unknown"),
        (["--model", "hf:./no/such/folder"], "no/such/folder"),
        (["--langs", "en,xx"], "xx"),
        (["--langs", "ko", "--data", "{data}", "--limit", "1", "--model", "{model}"], None),
        (["--data", "{missing}"], "missing"),
        (["--resume"], "--resume needs --out"),
        (["--metric-convention", "lmms_eval"], "'paper', 'lmms-eval', 'vlmevalkit'"),
    ],
)
def test_bench_bad_input_is_a_clear_error(args, message, tiny_model, small_data, tmp_path):
    args = [a.format(data=small_data, model=tiny_model, missing=tmp_path / "missing") for a in args]
    done = run_app("bench", *args, "--out", str(tmp_path / "o"), check=False) if "--resume" not in args else \
        run_app("bench", *args, check=False)
    if message is None:  # ko questions exist in synthetic data: this one must succeed
        assert done.returncode == 0, done.stderr
        return
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert message in done.stderr


def test_bench_empty_language_is_an_error(tiny_model, tmp_path):
    from PIL import Image
    from xtvqa_data import Record, save

    data = tmp_path / "enonly"
    save([Record(id="a", source="chartqa", image=Image.new("RGB", (56, 56), "white"), image_lang="en",
                 question={"en": "What?"}, answers={"en": ["1"]})], data)
    done = run_app("bench", "--model", tiny_model, "--data", str(data), "--langs", "en,zh",
                   "--out", str(tmp_path / "o"), check=False)
    assert done.returncode != 0 and "no record has a question in zh" in done.stderr


@pytest.mark.slow
def test_accelerate_two_processes_killed_and_resumed_equal_one(tiny_model, small_data, tmp_path):
    # Each rank writes its shard (predictions.rank<r>.jsonl); rank 1 is killed mid-run (the
    # launcher then stops rank 0), and the same launch with --resume finishes every item exactly
    # once, with the predictions and scores of one process.
    common = ["--model", tiny_model, "--data", str(small_data), "--langs", "en,zh,fr,de", "--batch-size", "1",
              "--max-new-tokens", "4"]
    run_app("bench", *common, "--out", str(tmp_path / "single"))
    out = tmp_path / "multi"
    written = kill_rank_midway(launch_app("bench", *common, "--out", str(out)), 1, out / "predictions.rank1.jsonl")
    assert 2 <= written < 12 * 4 / 2, "rank 1 should have been killed midway through its 24 items"
    assert not (out / "results.json").exists()
    done = finish(launch_app("bench", *common, "--out", str(out), "--resume"))
    assert done.returncode == 0, done.stderr[-3000:]
    single = _rows(tmp_path / "single" / "predictions.jsonl")
    multi = _rows(out / "predictions.jsonl")
    assert [(r["key"], r["prediction"], r["score"]) for r in multi] == [(r["key"], r["prediction"], r["score"]) for r in single]
    a = json.loads((tmp_path / "single" / "results.json").read_text())
    b = json.loads((out / "results.json").read_text())
    assert a["overall"] == b["overall"] and a["scores"] == b["scores"] and a["drops"] == b["drops"]
    assert b["timings"]["world_size"] == 2


def test_several_models_get_a_folder_each_and_a_paired_comparison(tiny_model, small_data, tmp_path):
    # the same model under two specs: every cross-lingual cell and the source score compare equal
    other = tiny_model.rstrip("/") + "/."
    out = tmp_path / "two"
    done = run_app("bench", "--model", tiny_model, "--model", other, "--data", str(small_data),
                   "--langs", "en,zh,fr", "--limit", "6", "--batch-size", "6", "--max-new-tokens", "4",
                   "--out", str(out))
    folders = [p for p in out.iterdir() if p.is_dir()]
    assert len(folders) == 2 and all((p / "predictions.jsonl").is_file() for p in folders)
    comparison = (out / "comparison.md").read_text()
    assert comparison.startswith(f"- {other} against {tiny_model}: ")
    assert (out / "gap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the change, drawn
    assert "source-language change +0.0 [+0.0, +0.0] points (95 % paired bootstrap over 6 test records)" in comparison
    assert "paired bootstrap over 6 test records" in " ".join(done.stdout.split())  # printed too


@pytest.mark.parametrize("app", ["bench", "analysis"])
def test_resume_of_a_folder_that_holds_no_run_is_refused_before_any_model_loads(app, tmp_path):
    import time

    started = time.perf_counter()
    done = run_app(app, "--resume", "--out", str(tmp_path / "typo"), check=False)
    seconds = time.perf_counter() - started
    assert done.returncode == 1 and "nothing to resume in" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "typo").exists() and not done.stdout
    assert seconds < 5, seconds  # about a second alone (no torch, no model); the margin is for a busy machine
