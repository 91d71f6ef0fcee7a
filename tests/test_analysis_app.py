"""`apps/analysis` end to end on a tiny model: mi.jsonl, summary, figures, resume, bad input,
two processes under `accelerate launch`.

Run: uv run nox -s integration -- -k analysis
"""

from __future__ import annotations

import json
import math

import pytest

from conftest import finish, kill_rank_midway, launch_app, run_app


def test_analysis_writes_rows_summary_and_figures(tiny_model, small_data, tmp_path):
    out = tmp_path / "mi"
    run_app("analysis", "--model", tiny_model, "--data", str(small_data), "--langs", "en,zh,fr",
            "--limit", "4", "--draws", "2", "--max-new-tokens", "4", "--out", str(out))
    rows = [json.loads(line) for line in (out / "mi.jsonl").read_text().splitlines()]
    assert len(rows) == 12
    for row in rows:
        assert 0.0 <= row["correct"] <= 1.0
        if row["n_tokens"]:
            # MI is exactly the difference of the two entropies it names (DESIGN.md 5)
            assert row["mi"] == pytest.approx(row["h_noised"] - row["h_clean"])
            assert row["pmi"] == pytest.approx(row["logp_clean"] - row["logp_noised"])
            assert row["h_clean"] >= 0 and math.isfinite(row["pmi"])
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["by_lang"]) == {"en", "zh", "fr"}
    assert set(summary["by_relation"]) <= {"source", "cross"}
    for group in summary["by_lang"].values():
        if group["mi"] is not None:
            assert group["mi"]["low"] <= group["mi"]["mean"] <= group["mi"]["high"]
    assert "correlation" in summary
    for name in ("entropy_densities.png", "accuracy_mi.png", "table.md"):
        assert (out / name).stat().st_size > 0
    assert (out / "entropy_densities.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analysis_is_deterministic_and_resumable(tiny_model, small_data, tmp_path):
    args = ["--model", tiny_model, "--data", str(small_data), "--langs", "en,zh", "--limit", "3",
            "--draws", "2", "--max-new-tokens", "3"]
    run_app("analysis", *args, "--out", str(tmp_path / "a"))
    lines = (tmp_path / "a" / "mi.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "a" / "mi.jsonl").write_text("".join(lines[:2]))
    run_app("analysis", *args, "--out", str(tmp_path / "a"), "--resume")
    run_app("analysis", *args, "--out", str(tmp_path / "b"))
    a = [json.loads(x) for x in (tmp_path / "a" / "mi.jsonl").read_text().splitlines()]
    b = [json.loads(x) for x in (tmp_path / "b" / "mi.jsonl").read_text().splitlines()]
    key = lambda r: r["key"]  # noqa: E731
    assert len(a) == len(b) == 6
    for ra, rb in zip(sorted(a, key=key), sorted(b, key=key), strict=True):
        assert ra["key"] == rb["key"] and ra["answer"] == rb["answer"]
        if ra["mi"] is not None:  # the noise is seeded by (seed, item, draw), not by batch position
            assert ra["mi"] == pytest.approx(rb["mi"], abs=1e-4)


@pytest.mark.parametrize(("args", "message"), [
    (["--noise", "gausian:80"], "Invalid value for '--noise'"),
    (["--noise", "gaussian:999"], "--noise': gaussian noise: sigma must be in 0-255"),
    (["--draws", "0"], "draws"),
    (["--model", "openai:gpt-4o", "--base-url", "http://127.0.0.1:9"], "cannot score"),
])
def test_analysis_bad_input(args, message, small_data, tmp_path):
    done = run_app("analysis", "--data", str(small_data), "--limit", "1", *args, "--out", str(tmp_path / "o"), check=False)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert message in done.stderr


@pytest.mark.slow
def test_two_processes_killed_and_resumed_equal_one_process(tiny_model, small_data, tmp_path):
    # Each rank scores its shard into mi.rank<r>.jsonl; one rank is killed mid-run (the launcher
    # then stops the other), and the same launch with --resume finishes every item exactly once.
    args = ["--model", tiny_model, "--data", str(small_data), "--langs", "en,zh,fr", "--batch-size", "1",
            "--draws", "2", "--max-new-tokens", "4"]
    run_app("analysis", *args, "--out", str(tmp_path / "one"))
    out = tmp_path / "two"
    written = kill_rank_midway(launch_app("analysis", *args, "--out", str(out)), 1, out / "mi.rank1.jsonl")
    assert 2 <= written < 12 * 3 / 2, "rank 1 should have been killed midway through its 18 items"
    assert not (out / "summary.json").exists()
    done = finish(launch_app("analysis", *args, "--out", str(out), "--resume"))
    assert done.returncode == 0, done.stderr[-3000:]
    one = [json.loads(x) for x in (tmp_path / "one" / "mi.jsonl").read_text().splitlines()]
    two = [json.loads(x) for x in (out / "mi.jsonl").read_text().splitlines()]
    assert [r["key"] for r in two] == [r["key"] for r in one]  # every item once, in item order
    for a, b in zip(one, two, strict=True):
        assert (a["answer"], a["correct"], a["n_tokens"]) == (b["answer"], b["correct"], b["n_tokens"])
        for name in ("h_clean", "h_noised", "mi", "pmi"):  # batches of other items: float noise only
            assert (b[name] is None) if a[name] is None else a[name] == pytest.approx(b[name], abs=1e-4), (a["key"], name)
    summary_one = json.loads((tmp_path / "one" / "summary.json").read_text())
    summary_two = json.loads((out / "summary.json").read_text())
    assert summary_two["by_lang"].keys() == summary_one["by_lang"].keys()
    for lang, group in summary_one["by_lang"].items():
        assert group["n"] == summary_two["by_lang"][lang]["n"]
        assert group["accuracy"] == pytest.approx(summary_two["by_lang"][lang]["accuracy"])
    config = json.loads((out / "config.json").read_text())
    assert config["processes"] == 2  # a resume with another process count is refused
