"""`apps/bench import` end to end: the bundled model's answers from `apps/bench`, written as
lmms-eval's samples files and VLMEvalKit's predictions files for the tasks `apps/build export`
wrote, imported back: the same predictions.jsonl, table.md and printed table as the benchmark's.

Run: uv run nox -s integration -- -k bench_import
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import REPO, run_app

SAMPLE = REPO / "data" / "sample"
LANGS = ("en", "zh", "fr")


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _table_lines(stdout):
    """The printed tables without their title line (it names the model) and the import's lines."""
    lines = stdout.splitlines()
    return [line for line in lines[1:] if not line.startswith(("lmms-eval:", "vlmevalkit:", "missing:"))]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """The benchmark on the first 20 records of data/sample (the bundled model), and both exports."""
    root = tmp_path_factory.mktemp("bench-import")
    done = run_app("bench", "--limit", "20", "--out", str(root / "bench"))
    for harness in ("lmms-eval", "vlmevalkit"):
        run_app("build", "export", str(SAMPLE), "--to", harness, "--out", str(root / harness), "--langs", ",".join(LANGS))
    return root, done.stdout, {row["key"]: row["prediction"] for row in _rows(root / "bench" / "predictions.jsonl")}


def _lmms_eval_logs(root, predictions, folder="tiny-ocr"):
    """Samples files as lmms-eval --log_samples writes them: one line per doc answered, the doc left out."""
    paths = []
    for lang in LANGS:
        docs = pd.read_parquet(root / "lmms-eval" / "data" / lang / "test-00000-of-00001.parquet",
                               columns=["index", "id", "answer", "prompt"])
        lines = [{"doc_id": int(doc["index"]), "target": doc["answer"], "filtered_resps": predictions[f"{doc['id']}:{lang}"],
                  "token_counts": [None], "doc_hash": "0" * 64, "xtvqa_score": 0.0, "input": doc["prompt"]}
                 for _, doc in docs.iterrows() if f"{doc['id']}:{lang}" in predictions]
        path = root / "logs" / folder / f"2025-01-01T00-00-00.000000_samples_xtvqa_sample_{lang}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
        paths.append(str(path))
    return paths


def _vlmevalkit_files(root, predictions):
    """Predictions files as VLMEvalKit's inference writes them (the TSV without its image, plus
    `prediction`, as xlsx), for the items answered."""
    paths = []
    for lang in LANGS:
        data = pd.read_csv(root / "vlmevalkit" / f"XTVQA_SAMPLE_{lang.upper()}.tsv", sep="\t")
        data = data[[f"{i}:{lang}" in predictions for i in data["id"]]].copy()
        data["prediction"] = [predictions[f"{i}:{lang}"] for i in data["id"]]
        data.pop("image")
        path = root / "vlmevalkit-out" / f"tiny_XTVQA_SAMPLE_{lang.upper()}.xlsx"
        path.parent.mkdir(exist_ok=True)
        data.to_excel(path, index=False)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("harness", ["lmms-eval", "vlmevalkit"])
def test_imported_answers_give_the_benchmarks_run(bench, harness):
    root, bench_stdout, predictions = bench
    files = _lmms_eval_logs(root, predictions) if harness == "lmms-eval" else _vlmevalkit_files(root, predictions)
    out = root / f"import-{harness}"
    done = run_app("bench", "import", "--from", harness, *files, "--out", str(out))
    assert _rows(out / "predictions.jsonl") == _rows(root / "bench" / "predictions.jsonl")
    assert (out / "table.md").read_text(encoding="utf-8") == (root / "bench" / "table.md").read_text(encoding="utf-8")
    assert _table_lines(done.stdout) == _table_lines(bench_stdout)
    assert {"drops.png", "scores.png", "report.html"} <= {p.name for p in out.iterdir()}
    # the other 180 records were not answered: counted and named, not scored
    assert f"{harness}: 60 predictions in 3 files; 60 items scored, 540 missing" in done.stdout
    assert "missing: 540 items of the data in en, zh, fr have no prediction (synth-test-0-000020:en," in done.stdout
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["import"]["missing"]["n"] == 540 and results["model"]["spec"].startswith(f"{harness}:")


def test_two_runs_answering_differently_are_refused(bench):
    root, _, predictions = bench
    first = _lmms_eval_logs(root, predictions, folder="m")
    changed = {key: value + " (again)" for key, value in predictions.items()}
    second = _lmms_eval_logs(root, changed, folder="m2")
    out = root / "refused"
    done = run_app("bench", "import", "--from", "lmms-eval", first[0], second[0], "--model-name", "m",
                   "--out", str(out), check=False)
    assert done.returncode == 1 and "items have different predictions in the files" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()
    done = run_app("bench", "--limit", "2", "import", "--from", "lmms-eval", first[0], check=False)
    assert done.returncode == 2 and "--limit before 'import' is a benchmark option" in done.stderr
