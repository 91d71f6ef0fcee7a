"""`experiments/gap_cells.py`, which RESULTS.md's cross-run tables come from: cells, intervals,
the paired changes, and its refusals.

Run: uv run nox -s reader -- -k gap_cells
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

SCRIPT = REPO / "experiments" / "gap_cells.py"


def _run_folder(path, score):
    """A finished bench run folder: 20 records per image language (en, zh, fr), asked in en, zh, fr;
    `score(record, image language, question language)` gives each item's score."""
    path.mkdir()
    rows = [{"id": f"r{k}-{g}", "source": "synth", "image_lang": g, "question_lang": q, "score": score(k, g, q)}
            for g in ("en", "zh", "fr") for k in range(20) for q in ("en", "zh", "fr")]
    (path / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (path / "results.json").write_text("{}")
    return path


def _gap_cells(*runs):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, runs)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_gap_cells_prints_the_cells_and_the_paired_change(tmp_path):
    # before: cross-lingual items right on records k < 10 only (drop 50 points in every cell);
    # after: on k < 15 (drop 25), the source-language items all right in both
    before = _run_folder(tmp_path / "before", lambda k, g, q: 1.0 if q == g or k < 10 else 0.0)
    after = _run_folder(tmp_path / "after", lambda k, g, q: 1.0 if q == g or k < 15 else 0.0)
    done = _gap_cells(before, after)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == ("| run | source-language | drop zh on en images | drop fr on en images | "
                        "drop en on zh images | drop fr on zh images |")
    assert lines[2].startswith("| before | 1.000 | 50.0 [") and lines[3].startswith("| after | 1.000 | 25.0 [")
    summary = next(line for line in lines if line.startswith("| after | 25.00 |"))
    assert "| 50 % [" in summary and "| +0.0 [+0.0, +0.0] |" in summary


def test_gap_cells_refuses_folders_that_are_not_finished_bench_runs(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _gap_cells(tmp_path / "empty")
    assert done.returncode != 0 and "not a finished bench run folder" in done.stderr
    only_en = _run_folder(tmp_path / "en", lambda k, g, q: 1.0)
    rows = [json.loads(line) for line in (only_en / "predictions.jsonl").read_text().splitlines()]
    (only_en / "predictions.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows if r["question_lang"] == "en"))
    done = _gap_cells(only_en)
    assert done.returncode != 0 and "--langs en,zh,fr" in done.stderr
