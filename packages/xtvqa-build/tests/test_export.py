"""The exporter: lmms-eval task groups and VLMEvalKit TSVs written from records, read back with
`datasets` / pandas (no harness installed; `tests/interop` loads them with lmms-eval itself)."""

from __future__ import annotations

import base64
import importlib.util
import io

import datasets
import pandas as pd
import pytest
import yaml
from export_fixtures import PREDICTIONS, records
from PIL import Image
from xtvqa_build.export import (
    VLMEVALKIT_COLUMNS,
    ExportExistsError,
    export,
    export_lmms_eval,
    export_vlmevalkit,
    score_doc,
    score_vlmevalkit_predictions,
    task_name,
)
from xtvqa_data import EvalItem
from xtvqa_data.metrics import score_item


class _FunctionTag(yaml.SafeLoader):
    """Reads lmms-eval's `!function module.name` tags as their text."""


_FunctionTag.add_constructor("!function", lambda loader, node: f"!function {loader.construct_scalar(node)}")


def _yaml(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_FunctionTag)


@pytest.fixture(scope="module")
def lmms(tmp_path_factory):
    out = tmp_path_factory.mktemp("lmms")
    return export_lmms_eval(records(), out, "Chart-QA test"), out


def _utils(out):
    spec = importlib.util.spec_from_file_location(f"xtvqa_export_utils_{id(out)}", out / "utils.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_task_name():
    assert task_name("Chart-QA test") == "chart_qa_test"
    with pytest.raises(ValueError):
        task_name("--")


def test_lmms_eval_files_one_task_per_language(lmms):
    result, out = lmms
    assert result.group == "xtvqa_chart_qa_test"
    assert result.tasks == ["xtvqa_chart_qa_test_en", "xtvqa_chart_qa_test_fr", "xtvqa_chart_qa_test_zh"]
    assert result.items == {"en": 3, "fr": 1, "zh": 3}
    for name in ["_xtvqa_chart_qa_test.yaml", "utils.py", "README.md", *(f"{t}.yaml" for t in result.tasks)]:
        assert (out / name).is_file(), name
    group = _yaml(out / "_xtvqa_chart_qa_test.yaml")
    assert group["group"] == result.group and group["task"] == result.tasks
    assert group["aggregate_metric_list"][0]["metric"] == "xtvqa_score"
    task = _yaml(out / "xtvqa_chart_qa_test_zh.yaml")
    assert task["task"] == "xtvqa_chart_qa_test_zh"
    assert task["dataset_path"] == "parquet"
    assert task["dataset_kwargs"]["data_files"] == {"test": "data/zh/test-00000-of-00001.parquet"}
    assert task["test_split"] == "test" and task["output_type"] == "generate_until"
    for key in ("doc_to_visual", "doc_to_text", "process_results"):
        assert task[key] == f"!function utils.{key}"
    assert task["metric_list"] == [{"metric": "xtvqa_score", "aggregation": "!function utils.aggregate",
                                    "higher_is_better": True}]
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "--include_path" in readme and "xtvqa-data" in readme and "xtvqa_chart_qa_test_zh" in readme


def test_lmms_eval_parquet_loads_with_datasets(lmms):
    _, out = lmms
    data = datasets.load_dataset("parquet", data_files={"test": str(out / "data/zh/test-00000-of-00001.parquet")},
                                 split="test", cache_dir=str(out.parent / "hf-cache"))
    assert len(data) == 3
    assert isinstance(data.features["image"], datasets.Image)
    row = data[2]
    assert row["id"] == "doc-2" and row["question_lang"] == "zh" and row["image_lang"] == "zh"
    assert row["question"] == "哪个城市？" and row["answer"] == "柏林" and row["answers"] == ["柏林"]
    assert row["image"].size == (32, 24) and row["image"].convert("RGB").getpixel((0, 0)) == (0, 0, 255)
    assert row["split"] == "validation"
    chart = data[0]
    assert chart["answers"] == ["59"] and chart["metric"] == "relaxed_accuracy"
    assert chart["prompt"].startswith("柔道的数值是多少？\n")


def test_lmms_eval_functions_score_as_score_item(lmms):
    result, out = lmms
    utils = _utils(out)
    by_lang = {lang: datasets.load_dataset("parquet", data_files=str(out / f"data/{lang}/test-00000-of-00001.parquet"),
                                           split="train", cache_dir=str(out.parent / "hf-cache"))
               for lang in result.items}
    originals = records()
    seen = set()
    for index, lang, prediction in PREDICTIONS:
        doc = next(d for d in by_lang[lang] if d["id"] == originals[index].id)
        expected = score_item(EvalItem(originals[index], lang), prediction)
        assert utils.process_results(doc, [prediction]) == {"xtvqa_score": expected}, (index, lang, prediction)
        assert score_doc(doc, prediction) == expected
        seen.add(expected)
    assert seen == {0.0, 1.0}  # the predictions reach both ends
    doc = by_lang["zh"][0]
    assert utils.doc_to_text(doc, {"pre_prompt": "P:", "post_prompt": ":Q"}) == f"P:{doc['prompt']}:Q"
    assert utils.doc_to_text(doc) == doc["prompt"]
    visual = utils.doc_to_visual(doc)
    assert len(visual) == 1 and visual[0].mode == "RGB"
    assert utils.aggregate([1.0, 0.0, 0.5, 0.5]) == 0.5 and utils.aggregate([]) == 0.0


def test_lmms_eval_convention_and_langs(tmp_path):
    result = export_lmms_eval(records(), tmp_path, "x", langs=["zh"], convention="lmms-eval",
                              prompt=lambda item: f"Q: {item.question}")
    assert result.tasks == ["xtvqa_x_zh"] and result.items == {"zh": 3}
    assert "CONVENTION = 'lmms-eval'" in (tmp_path / "utils.py").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="de"):
        export_lmms_eval(records(), tmp_path / "y", "x", langs=["zh", "de"])
    with pytest.raises(ValueError, match="convention"):
        export_lmms_eval(records(), tmp_path / "z", "x", convention="nope")


def test_vlmevalkit_tsv(tmp_path):
    result = export(records(), tmp_path, "chartqa", "vlmevalkit")
    assert result.tasks == ["XTVQA_CHARTQA_EN", "XTVQA_CHARTQA_FR", "XTVQA_CHARTQA_ZH"]
    assert "LMUData" in (tmp_path / "README.md").read_text(encoding="utf-8")
    # read as VLMEvalKit's loader reads a TSV: pd.read_csv(f, sep='\t')
    data = pd.read_csv(tmp_path / "XTVQA_CHARTQA_ZH.tsv", sep="\t")
    assert tuple(data.columns) == VLMEVALKIT_COLUMNS
    assert list(data["index"]) == [0, 1, 2] and data["index"].is_unique
    assert list(data["question"]) == ["柔道的数值是多少？", "模型训练了吗？", "哪个城市？"]
    assert [str(a) for a in data["answer"]] == ["59", "yes", "柏林"]  # the image language's answers
    assert list(data["category"]) == ["chartqa", "yes-no", "docvqa"]
    image = Image.open(io.BytesIO(base64.b64decode(data["image"][2])))
    assert image.size == (32, 24) and image.convert("RGB").getpixel((0, 0)) == (0, 0, 255)
    assert data["prompt"][0].startswith("柔道的数值是多少？\n")


def test_vlmevalkit_several_answers_are_a_list_literal(tmp_path):
    record = records()[0].replace(answers={"en": ["59", "59.0"]})
    export_vlmevalkit([record], tmp_path, "x", langs=["en"])
    answer = pd.read_csv(tmp_path / "XTVQA_X_EN.tsv", sep="\t")["answer"][0]
    assert eval(answer) == ["59", "59.0"]  # what VLMEvalKit's process_line does


def test_vlmevalkit_predictions_scored_with_score_item(tmp_path):
    export_vlmevalkit(records(), tmp_path, "x")
    originals = records()
    zh = [(0, "60"), (1, "是"), (2, "Paris")]
    predictions = tmp_path / "model_XTVQA_X_ZH.tsv"
    pd.DataFrame({"index": [0, 1, 2], "prediction": [p for _, p in zh]}).to_csv(predictions, sep="\t", index=False)
    expected = [score_item(EvalItem(originals[i], "zh"), p) for i, p in zh]
    scores = score_vlmevalkit_predictions(predictions, tmp_path / "XTVQA_X_ZH.tsv")
    assert scores["Overall"] == pytest.approx(sum(expected) / 3)
    assert scores["yes-no"] == expected[1]


def test_unknown_harness(tmp_path):
    with pytest.raises(ValueError, match="lmms-eval"):
        export(records(), tmp_path, "x", "helm")


def test_out_replaced_only_when_an_earlier_export(tmp_path):
    out = tmp_path / "group"
    first = export_lmms_eval(records(), out, "x")
    assert all(path.is_file() and out in path.parents for path in first.files)
    export_lmms_eval(records(), out, "x", langs=["zh"])  # an earlier export: replaced, no stale task
    assert sorted(p.name for p in out.glob("*.yaml")) == ["_xtvqa_x.yaml", "xtvqa_x_zh.yaml"]
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(ExportExistsError, match="mine"):
        export_vlmevalkit(records(), other, "x")
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    with pytest.raises(ValueError):  # a failed export leaves nothing beside the folder
        export_lmms_eval(records(), tmp_path / "bad", "x", langs=["de"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["group", "mine"]
