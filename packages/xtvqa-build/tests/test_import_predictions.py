"""Importing another harness's answers: lmms-eval samples files and VLMEvalKit predictions
files, written here by hand in the layout each harness writes (`tests/interop` has lmms-eval
write its own), scored into a bench run folder; every kind of mismatch counted or refused.
"""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest
from export_fixtures import records
from xtvqa_build.export import export_lmms_eval, export_vlmevalkit, items_by_language
from xtvqa_build.import_predictions import (
    ImportMismatchError,
    import_predictions,
    model_name,
    read_harness_files,
)
from xtvqa_data import EvalItem
from xtvqa_data.metrics import score_item

# The export's rows per language, by hand: records in order, those with a question in the language.
ORDER = {"en": ["chart-0", "paper-1", "doc-2"], "fr": ["chart-0"], "zh": ["chart-0", "paper-1", "doc-2"]}
ANSWERS = {"en": ["59", "yes", "Berlin"], "fr": ["59.0"], "zh": ["60", "否", "柏林"]}


def _sample(lang: str, doc_id: int, prediction: str, **changes) -> dict:
    """One line as lmms-eval 0.7's `save_results_samples` writes it (the doc itself left out)."""
    record = {r.id: r for r in records()}[ORDER[lang][doc_id]]
    sample = {"doc_id": doc_id, "target": record.answers[record.image_lang][0], "filtered_resps": prediction,
              "token_counts": [None], "doc_hash": "0" * 64, "xtvqa_score": 0.0,
              "input": f"{record.question[lang]}\nAnswer the question using a single word or phrase."}
    return {**sample, **changes}


def _samples_file(folder, lang, samples, date="2025-01-01T00-00-00.000000"):
    path = folder / f"{date}_samples_xtvqa_demo_{lang}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in samples), encoding="utf-8")
    return path


def _log(folder, langs=("en", "zh")):
    return [_samples_file(folder, lang, [_sample(lang, i, p) for i, p in enumerate(ANSWERS[lang])]) for lang in langs]


def _import(harness, files, *args, **kwargs):
    return import_predictions(read_harness_files(harness, files), *args, **kwargs)


def _rows(out):
    return [json.loads(line) for line in (out / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]


def test_doc_ids_are_the_exported_rows(tmp_path):
    """The positions import reads doc_id against are the rows export writes (the parquet's id)."""
    export_lmms_eval(records(), tmp_path / "x", "demo")
    for lang, ids in ORDER.items():
        table = pd.read_parquet(tmp_path / "x" / "data" / lang / "test-00000-of-00001.parquet", columns=["index", "id"])
        assert list(table["id"]) == ids and list(table["index"]) == list(range(len(ids)))
        assert [item.id for item in items_by_language(records())[lang]] == ids


def test_lmms_eval_samples_become_a_bench_run(tmp_path):
    logs = _log(tmp_path / "logs" / "Qwen__Qwen2-VL-2B-Instruct")
    out = tmp_path / "run"
    done = _import("lmms-eval", logs, records(), out, langs=("en", "zh"), data_id="demo")
    assert {"predictions.jsonl", "results.json", "table.md", "drops.png", "scores.png", "report.html"} <= {
        p.name for p in out.iterdir()}
    rows = _rows(out)
    # the benchmark's item order (record-major, --langs order), each scored by score_item
    originals = {r.id: r for r in records()}
    assert [r["key"] for r in rows] == ["chart-0:en", "chart-0:zh", "paper-1:en", "paper-1:zh", "doc-2:en", "doc-2:zh"]
    for row in rows:
        lang = row["question_lang"]
        prediction = ANSWERS[lang][ORDER[lang].index(row["id"])]
        assert row["prediction"] == prediction
        assert row["score"] == score_item(EvalItem(originals[row["id"]], lang), prediction)
    assert [r["score"] for r in rows] == [1.0, 1.0, 1.0, 0.0, 1.0, 1.0]  # 60 is within 5 % of 59
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["overall"] == pytest.approx({"en": 1.0, "zh": 2 / 3})
    assert results["model"]["spec"] == "lmms-eval:Qwen__Qwen2-VL-2B-Instruct" and results["data"] == "demo"
    assert results["import"]["n_predictions"] == 6 and results["import"]["missing"] == {"n": 0, "first": []}
    assert results["n_items"] == 6 and results["n_errors"] == 0
    assert done.lines() == ["lmms-eval: 6 predictions in 2 files; 6 items scored, 0 missing, 0 duplicates, "
                            "0 outside --langs"]


def test_mismatches_are_counted_and_named(tmp_path):
    folder = tmp_path / "logs" / "m"
    en = _samples_file(folder, "en", [_sample("en", 0, "59"), _sample("en", 1, "yes")])  # doc-2:en missing
    zh = _log(folder, ["zh"])[0]
    fr = _log(folder, ["fr"])[0]
    done = _import("lmms-eval", [en, zh, zh, fr], records(), tmp_path / "run", langs=("en", "zh"))
    summary = done.summary
    assert summary["missing"] == {"n": 1, "first": ["doc-2:en"]}
    assert summary["duplicates"] == {"n": 3, "first": ["chart-0:zh", "paper-1:zh", "doc-2:zh"]}
    assert summary["outside_langs"] == {"n": 1, "first": ["chart-0:fr"], "langs": ["fr"]}
    assert json.loads((tmp_path / "run" / "results.json").read_text())["import"] == summary
    assert [r["key"] for r in _rows(tmp_path / "run")] == ["chart-0:en", "chart-0:zh", "paper-1:en", "paper-1:zh",
                                                          "doc-2:zh"]
    lines = done.lines()
    assert lines[0] == ("lmms-eval: 9 predictions in 4 files; 5 items scored, 1 missing, 3 duplicates, "
                        "1 outside --langs")
    assert "doc-2:en" in lines[1] and "left out" in lines[1]
    assert "chart-0:zh, paper-1:zh, doc-2:zh" in lines[2] and "scored once" in lines[2]
    assert "chart-0:fr" in lines[3] and "--langs en,zh,fr" in lines[3]


def test_different_predictions_for_one_item_are_refused(tmp_path):
    first = _log(tmp_path / "a" / "m", ["zh"])[0]
    second = _samples_file(tmp_path / "b" / "m", "zh", [_sample("zh", 1, "是")])
    with pytest.raises(ImportMismatchError, match=r"1 items have different predictions.*'否'.*'是'"):
        _import("lmms-eval", [first, second], records(), tmp_path / "run", langs=("zh",))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("sample", "message"), [
    ({**_sample("zh", 0, "60"), "doc_id": 3}, "xtvqa_demo_zh doc 3: the data has 3 items in zh"),
    (_sample("zh", 0, "60", target="61"), "has target '61', the data's chart-0:zh answer '59'"),
    (_sample("zh", 0, "60", input="Which city?"), "does not ask the data's chart-0:zh question"),
])
def test_answers_of_another_dataset_are_refused(tmp_path, sample, message):
    log = _samples_file(tmp_path / "m", "zh", [sample])
    with pytest.raises(ImportMismatchError, match="match no item of the data") as error:
        _import("lmms-eval", [log], records(), tmp_path / "run", langs=("zh",))
    assert message in str(error.value)
    assert not (tmp_path / "run").exists()


def test_files_that_are_not_samples_logs_are_refused(tmp_path):
    def attempt(path, langs=("zh",)):
        with pytest.raises((ValueError, OSError)) as error:
            _import("lmms-eval", [path], records(), tmp_path / "run", langs=langs)
        assert not (tmp_path / "run").exists()
        return str(error.value)

    other = tmp_path / "results.json"
    other.write_text("{}")
    assert "not an lmms-eval samples file" in attempt(other)
    chart = _samples_file(tmp_path, "zh", [_sample("zh", 0, "1")]).rename(tmp_path / "x_samples_chartqa.jsonl")
    assert "task 'chartqa' is not one" in attempt(chart)
    broken = _samples_file(tmp_path, "zh", [])
    broken.write_text("{not json\n")
    assert "not a JSON line" in attempt(broken)
    repeats = _samples_file(tmp_path, "zh", [_sample("zh", 0, ["60", "59"])])
    assert "not one answer" in attempt(repeats)
    assert "no such file" in attempt(tmp_path / "absent.jsonl")
    assert "no record has a question in ja" in attempt(_log(tmp_path / "m", ["zh"])[0], langs=("ja",))


def test_none_in_langs_and_mixed_models_are_refused(tmp_path):
    fr = _log(tmp_path / "a", ["fr"])[0]
    with pytest.raises(ImportMismatchError, match=r"none of the 1 predictions is of an item in en, zh \(they are in fr\)"):
        _import("lmms-eval", [fr], records(), tmp_path / "run", langs=("en", "zh"))
    zh = _log(tmp_path / "b", ["zh"])[0]
    with pytest.raises(ImportMismatchError, match=r"the files name 2 models \(a, b\)"):
        _import("lmms-eval", [fr, zh], records(), tmp_path / "run", langs=("fr", "zh"))
    assert not (tmp_path / "run").exists()
    done = _import("lmms-eval", [fr, zh], records(), tmp_path / "run", langs=("fr", "zh"), model="m")
    assert done.results["model"]["spec"] == "lmms-eval:m"


def test_an_earlier_run_folder_is_not_overwritten(tmp_path):
    logs = _log(tmp_path / "m")
    _import("lmms-eval", logs, records(), tmp_path / "run", langs=("en", "zh"))
    before = (tmp_path / "run" / "predictions.jsonl").read_bytes()
    with pytest.raises(FileExistsError, match="holds an earlier run"):
        _import("lmms-eval", logs, records(), tmp_path / "run", langs=("en", "zh"))
    assert (tmp_path / "run" / "predictions.jsonl").read_bytes() == before


def test_metric_convention_keeps_the_paper_score_beside(tmp_path):
    logs = _log(tmp_path / "m")
    done = _import("lmms-eval", logs, records(), tmp_path / "run", langs=("en", "zh"),
                              convention="lmms-eval")
    assert done.results["metric_convention"] == "lmms-eval" and "comparison" in done.results
    assert all("paper_score" in row for row in _rows(tmp_path / "run"))


# ----------------------------------------------------------------------------------- VLMEvalKit

def _vlmevalkit_predictions(tmp_path, predictions):
    """Predictions files as VLMEvalKit's `infer_data_job` writes them: the dataset TSV read by
    pandas, its image column dropped, `prediction` added, dumped as xlsx (en), tsv with every
    field quoted (zh) and a JSON list of rows (fr)."""
    export_vlmevalkit(records(), tmp_path / "LMUData", "demo")
    work = tmp_path / "outputs" / "MyVLM"
    work.mkdir(parents=True)
    paths = []
    for lang, suffix in (("en", "xlsx"), ("zh", "tsv"), ("fr", "json")):
        data = pd.read_csv(tmp_path / "LMUData" / f"XTVQA_DEMO_{lang.upper()}.tsv", sep="\t")
        data["prediction"] = [str(p) for p in predictions[lang]]
        data.pop("image")
        path = work / f"MyVLM_XTVQA_DEMO_{lang.upper()}.{suffix}"
        if suffix == "xlsx":
            data.to_excel(path, index=False)
        elif suffix == "tsv":
            data.to_csv(path, sep="\t", index=False, encoding="utf-8", quoting=csv.QUOTE_ALL)
        else:
            path.write_text(json.dumps(data.to_dict("records"), ensure_ascii=False, indent=4), encoding="utf-8")
        paths.append(path)
    return paths


def test_vlmevalkit_predictions_become_a_bench_run(tmp_path):
    predictions = {"en": ["59", "None", "Berlin"], "zh": ["60", "Failed to obtain answer via API.", "柏林"],
                   "fr": ["59.0"]}
    paths = _vlmevalkit_predictions(tmp_path, predictions)
    done = _import("vlmevalkit", paths, records(), tmp_path / "run", langs=("en", "zh", "fr"))
    rows = {r["key"]: r for r in _rows(tmp_path / "run")}
    originals = {r.id: r for r in records()}
    assert len(rows) == 7
    for lang, ids in ORDER.items():
        for record_id, prediction in zip(ids, predictions[lang], strict=True):
            row = rows[f"{record_id}:{lang}"]
            assert row["prediction"] == prediction  # "None" and "59.0" stay text
            expected = 0.0 if row["error"] else score_item(EvalItem(originals[record_id], lang), prediction)
            assert row["score"] == expected
    assert rows["paper-1:zh"]["error"] == "Failed to obtain answer via API." and rows["paper-1:zh"]["score"] == 0.0
    assert rows["chart-0:fr"]["score"] == 1.0 and rows["paper-1:en"]["score"] == 0.0
    assert done.results["n_errors"] == 1 and done.results["model"]["spec"] == "vlmevalkit:MyVLM"


def test_vlmevalkit_mismatches(tmp_path):
    paths = _vlmevalkit_predictions(tmp_path, {"en": ["59", "yes", "Berlin"], "zh": ["60", "否", "柏林"], "fr": ["59"]})
    done = _import("vlmevalkit", paths[:2], records(), tmp_path / "run", langs=("en", "zh", "fr"))
    assert done.summary["missing"] == {"n": 1, "first": ["chart-0:fr"]}
    zh = pd.read_csv(paths[1], sep="\t", dtype=str, keep_default_na=False)
    zh.loc[0, "id"] = "chart-9"
    zh.to_csv(paths[1], sep="\t", index=False)
    with pytest.raises(ImportMismatchError, match="chart-9:zh: no such item in the data"):
        _import("vlmevalkit", paths[1:2], records(), tmp_path / "run2", langs=("zh",))
    zh.pop("question_lang")
    zh.to_csv(paths[1], sep="\t", index=False)
    with pytest.raises(ValueError, match="no question_lang column"):
        _import("vlmevalkit", paths[1:2], records(), tmp_path / "run2", langs=("zh",))
    with pytest.raises(ValueError, match="VLMEvalKit writes predictions as"):
        _import("vlmevalkit", [tmp_path / "LMUData" / "README.md"], records(), tmp_path / "run2",
                           langs=("zh",))
    assert not (tmp_path / "run2").exists()


def test_model_names(tmp_path):
    assert model_name("vlmevalkit", tmp_path / "Qwen2-VL-7B_XTVQA_DEMO_ZH.xlsx") == "Qwen2-VL-7B"
    assert model_name("vlmevalkit", tmp_path / "XTVQA_DEMO_ZH.xlsx") == "XTVQA_DEMO_ZH"
    assert model_name("lmms-eval", tmp_path / "llava" / "x_samples_xtvqa_demo_zh.jsonl") == "llava"
