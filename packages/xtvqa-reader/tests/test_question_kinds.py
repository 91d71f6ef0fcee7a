"""`experiments/question_kinds.py`: a bench run's scores by the records' question kind, and how
many points of the source-language mean each kind costs.

Run: uv run nox -s reader -- -k question_kinds
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

SCRIPT = REPO / "experiments" / "question_kinds.py"


def _records(folder):
    """Five records: kinds a (two), b (two) and one without a kind; en and zh images."""
    from PIL import Image
    from xtvqa_data import Record, save

    def record(rid, lang, kind, qtype):
        return Record(id=rid, source="synth", image=Image.new("RGB", (28, 28), "white"), image_lang=lang,
                      question={"en": "Q?", "zh": "问？"}, answers={"en": ["1"], "zh": ["1"]}, question_type=qtype,
                      meta={"question_kind": kind} if kind else {})

    save([record("r0", "en", "a", "extractive"), record("r1", "zh", "a", "extractive"),
          record("r2", "en", "b", "yes-no"), record("r3", "zh", "b", "yes-no"), record("r4", "en", None, "extractive")],
         folder)
    return folder


def _run(folder, data, scores):
    """A bench run folder over `data` with `scores[(record id, question language)]`."""
    folder.mkdir()
    langs = {"r0": "en", "r1": "zh", "r2": "en", "r3": "zh", "r4": "en"}
    rows = [{"id": rid, "image_lang": lang, "question_lang": q, "score": scores[(rid, q)]}
            for rid, lang in langs.items() for q in ("en", "zh")]
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "config.json").write_text(json.dumps({"data": str(data)}))
    return folder


def _kinds(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_rows_cost_and_order_are_the_direct_counts(tmp_path):
    data = _records(tmp_path / "data")
    # source-language items (r0 en, r1 zh, r2 en, r3 zh, r4 en): a 1 and 0, b 0 and 0, "-" 1
    # -> source mean 2/5 = 40; cost a 1/5 = 20 points, b 2/5 = 40, "-" 0
    scores = {("r0", "en"): 1.0, ("r1", "zh"): 0.0, ("r2", "en"): 0.0, ("r3", "zh"): 0.0, ("r4", "en"): 1.0,
              ("r0", "zh"): 1.0, ("r1", "en"): 1.0, ("r2", "zh"): 0.0, ("r3", "en"): 1.0, ("r4", "zh"): 0.0}
    done = _kinds(_run(tmp_path / "run", data, scores))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2:5] == ["| b | yes-no | 2 | 0.000 | 0.500 | 40.0 |",
                          "| a | extractive | 2 | 0.500 | 1.000 | 20.0 |",
                          "| - | extractive | 1 | 1.000 | 0.000 | 0.0 |"]
    assert lines[-1] == "Source-language mean 40.0; points lost sum to 60.0."


def test_refuses_a_run_whose_records_are_not_in_the_data(tmp_path):
    data = _records(tmp_path / "data")
    run = _run(tmp_path / "run", data, dict.fromkeys([(f"r{k}", q) for k in range(5) for q in ("en", "zh")], 1.0))
    with (run / "predictions.jsonl").open("a") as out:
        out.write(json.dumps({"id": "zz", "image_lang": "en", "question_lang": "en", "score": 1.0}) + "\n")
    done = _kinds(run)
    assert done.returncode != 0 and "record 'zz' of the run is in none of the data folders" in done.stderr
    (tmp_path / "empty").mkdir()
    done = _kinds(tmp_path / "empty")
    assert done.returncode != 0 and "not a bench run folder" in done.stderr
    done = _kinds(run, "--data", tmp_path / "empty")
    assert done.returncode != 0 and "holds no parquet shards" in done.stderr and "Traceback" not in done.stderr
