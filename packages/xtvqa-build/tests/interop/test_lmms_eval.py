"""The exported task group loaded by lmms-eval itself: its TaskManager finds the group and its
tasks under --include_path, builds them (the parquet files through `datasets`), and its Task
objects yield the docs, prompts and visuals, and score known predictions with the exported
`process_results`, which must equal `xtvqa_data.metrics.score_item`. Then the samples files
lmms-eval's own evaluator and logger write for scripted answers are imported back
(`xtvqa_build.import_predictions`) into the run folder the benchmark writes for those answers.

Runs in `uv run nox -s interop`, which installs lmms-eval from PyPI; elsewhere it is skipped.
"""

from __future__ import annotations

import pytest

lmms_eval_tasks = pytest.importorskip(
    "lmms_eval.tasks", reason="lmms-eval is not installed here; `uv run nox -s interop` installs it")

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from PIL import Image  # noqa: E402
from xtvqa_build.export import export_lmms_eval  # noqa: E402
from xtvqa_build.import_predictions import import_predictions, read_harness_files  # noqa: E402
from xtvqa_data import EvalItem, iter_items  # noqa: E402
from xtvqa_data.metrics import score_item  # noqa: E402
from xtvqa_data.report import aggregate, render_table_markdown, scored_row  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from export_fixtures import PREDICTIONS, records  # noqa: E402

# A scripted model's answer to each doc of each task, in doc order.
SCRIPT = {"xtvqa_demo_en": ["59", "no", "Berlin"], "xtvqa_demo_fr": ["59"], "xtvqa_demo_zh": ["60", "是", "Paris"]}


class _Scripted:
    """An lmms-eval model (built on its `lmms` base when called) that answers from SCRIPT."""

    def __new__(cls):
        from lmms_eval.api.model import lmms

        class Scripted(lmms):
            def generate_until(self, requests):
                # args: context, generation kwargs, doc_to_visual, doc id, task, split
                return [SCRIPT[request.args[4]][request.args[3]] for request in requests]

            def loglikelihood(self, requests):
                raise NotImplementedError

            def generate_until_multi_round(self, requests):
                raise NotImplementedError

        return Scripted()


def _leaves(task_dict):
    for key, value in task_dict.items():
        if isinstance(value, dict):
            yield from _leaves(value)
        else:
            yield key, value


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("include") / "xtvqa_demo"
    export_lmms_eval(records(), out, "demo")
    return out


@pytest.fixture(scope="module")
def tasks(exported, tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("HF_DATASETS_CACHE", str(tmp_path_factory.mktemp("hf-datasets")))
    manager = lmms_eval_tasks.TaskManager(include_path=str(exported.parent), include_defaults=False)
    assert {"xtvqa_demo", "xtvqa_demo_en", "xtvqa_demo_fr", "xtvqa_demo_zh"} <= set(manager.all_tasks)
    task_dict = lmms_eval_tasks.get_task_dict(["xtvqa_demo"], manager)
    groups = [str(getattr(group, "group_name", group)) for group in task_dict]
    assert groups == ["xtvqa_demo"]
    return dict(_leaves(task_dict))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_group_has_one_task_per_language(tasks):
    assert sorted(tasks) == ["xtvqa_demo_en", "xtvqa_demo_fr", "xtvqa_demo_zh"]
    assert {name: len(task.test_docs()) for name, task in tasks.items()} == {
        "xtvqa_demo_en": 3, "xtvqa_demo_fr": 1, "xtvqa_demo_zh": 3}


def test_docs_prompts_and_visuals(tasks):
    originals = {record.id: record for record in records()}
    for name, task in tasks.items():
        lang = name.rsplit("_", 1)[1]
        for doc in task.test_docs():
            record = originals[doc["id"]]
            assert doc["question_lang"] == lang and doc["question"] == record.question[lang]
            text = task.doc_to_text(doc)
            assert text == doc["prompt"] and text.startswith(record.question[lang])
            visuals = task.doc_to_visual(doc)
            assert len(visuals) == 1 and isinstance(visuals[0], Image.Image)
            assert visuals[0].size == record.image.size
            assert visuals[0].getpixel((0, 0)) == record.image.getpixel((0, 0))
            assert task.doc_to_target(doc) == record.answers[record.image_lang][0]


def test_process_results_equals_score_item(tasks):
    originals = records()
    seen = set()
    for index, lang, prediction in PREDICTIONS:
        task = tasks[f"xtvqa_demo_{lang}"]
        doc = next(d for d in task.test_docs() if d["id"] == originals[index].id)
        expected = score_item(EvalItem(originals[index], lang), prediction)
        assert task.process_results(doc, [prediction]) == {"xtvqa_score": expected}
        seen.add(expected)
    assert seen == {0.0, 1.0}
    task = tasks["xtvqa_demo_zh"]
    aggregate = task.aggregation()["xtvqa_score"]
    assert aggregate([1.0, 0.0, 1.0, 0.0]) == 0.5
    assert task.higher_is_better() == {"xtvqa_score": True}


def test_evaluate_end_to_end_with_a_scripted_model(tasks, exported):
    """lmms-eval's own evaluation loop (requests built from the docs, results processed, tasks
    aggregated, the group averaged by size) with a model that answers from a script."""
    from lmms_eval import evaluator

    answers = SCRIPT
    results = evaluator.evaluate(_Scripted(), lmms_eval_tasks.get_task_dict(
        ["xtvqa_demo"], lmms_eval_tasks.TaskManager(include_path=str(exported.parent), include_defaults=False)),
        bootstrap_iters=0, log_samples=False)["results"]
    originals = {record.id: record for record in records()}
    all_scores = []
    for name, task in tasks.items():
        lang = name.rsplit("_", 1)[1]
        scores = [score_item(EvalItem(originals[doc["id"]], lang), answers[name][i])
                  for i, doc in enumerate(task.test_docs())]
        assert results[name]["xtvqa_score,none"] == pytest.approx(sum(scores) / len(scores)), name
        all_scores += scores
    assert 0 < sum(all_scores) < len(all_scores)
    assert results["xtvqa_demo"]["xtvqa_score,none"] == pytest.approx(sum(all_scores) / len(all_scores))


def test_samples_logged_by_lmms_eval_import_as_the_benchmark_scores_them(tasks, exported, tmp_path):
    """lmms-eval's evaluator with --log_samples' path: `evaluate(log_samples=True)`, then its
    EvaluationTracker writes <output_path>/<model>/<date>_samples_<task>.jsonl as its CLI does.
    Imported, each answer lands on its item, scored as lmms-eval scored it with the exported
    `process_results`, and the run folder's rows and table are those the benchmark writes for
    the same answers (`scored_row` item by item in its order, aggregated)."""
    from lmms_eval import evaluator
    from lmms_eval.loggers.evaluation_tracker import EvaluationTracker

    manager = lmms_eval_tasks.TaskManager(include_path=str(exported.parent), include_defaults=False)
    results = evaluator.evaluate(_Scripted(), lmms_eval_tasks.get_task_dict(["xtvqa_demo"], manager),
                                 bootstrap_iters=0, log_samples=True)
    samples = results.pop("samples")
    tracker = EvaluationTracker(output_path=str(tmp_path / "logs"))
    tracker.general_config_tracker.log_experiment_args(
        model_source="scripted", model_args="pretrained=org/scripted-vlm", system_instruction=None,
        chat_template=None, fewshot_as_multiturn=False)
    tracker.save_results_aggregated(results=results, samples=samples, datetime_str="2025-01-01T00:00:00")
    for task_name in results["configs"]:
        tracker.save_results_samples(task_name=task_name, samples=samples[task_name])
    files = sorted((tmp_path / "logs").glob("*/*_samples_*.jsonl"))
    assert [f.name.split("_samples_")[1] for f in files] == [f"{task}.jsonl" for task in sorted(SCRIPT)]

    done = import_predictions(read_harness_files("lmms-eval", files), records(), tmp_path / "run",
                              langs=("en", "zh", "fr"))
    assert done.summary["n_predictions"] == 7 and done.summary["missing"]["n"] == 0
    assert done.results["model"]["spec"] == f"lmms-eval:{files[0].parent.name}"
    rows = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]

    # what lmms-eval logged per doc: its answer and its own score (the exported process_results)
    logged = {}
    for path in files:
        task = path.name.split("_samples_")[1].removesuffix(".jsonl")
        docs = tasks[task].test_docs()
        for line in path.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            logged[f"{docs[sample['doc_id']]['id']}:{task.rsplit('_', 1)[1]}"] = sample
    assert {row["key"]: row["prediction"] for row in rows} == {k: s["filtered_resps"] for k, s in logged.items()}
    assert {row["key"]: row["score"] for row in rows} == {k: s["xtvqa_score"] for k, s in logged.items()}

    # the benchmark's rows and table for the same answers
    answer = {}
    for task, script in SCRIPT.items():
        for doc, text in zip(tasks[task].test_docs(), script, strict=True):
            answer[f"{doc['id']}:{task.rsplit('_', 1)[1]}"] = text
    expected = [scored_row(item, answer[item.key]) for item in iter_items(records(), ("en", "zh", "fr"))]
    assert rows == expected
    assert 0 < sum(row["score"] for row in rows) < len(rows)
    table = (tmp_path / "run" / "table.md").read_text(encoding="utf-8")
    assert table == render_table_markdown(aggregate(expected))
