"""The benchmark runner with a scripted model: scores, failures, translation, OCR, chunking.

Run: uv run nox -s models -- -k evaluate
"""

from __future__ import annotations

import json

import pytest
from PIL import Image
from xtvqa_data import Record
from xtvqa_models import Generation, PromptConfig, VisionLanguageModel
from xtvqa_models.evaluate import BenchSettings, run_benchmark


class ScriptedModel(VisionLanguageModel):
    """Answers from a table keyed by item key; records every call's batch size."""

    def __init__(self, answers: dict[str, str | Exception], max_concurrency: int | None = None):
        self.spec, self.model_id, self.prompt = "fake:scripted", "scripted", PromptConfig()
        self.answers, self.calls, self.seen_ocr = answers, [], []
        if max_concurrency:
            self.max_concurrency = max_concurrency

    def generate(self, items, *, max_new_tokens=32, batch_size=8):
        self.calls.append(len(items))
        self.seen_ocr.extend(item.ocr_tokens for item in items)
        out = []
        for item in items:
            answer = self.answers.get(item.key, "")
            out.append(Generation("", error=f"APIError: {answer}") if isinstance(answer, Exception)
                       else Generation(answer))
        return out


def records(n=3, ocr=False):
    return [Record(id=f"r{i}", source="synth-sign", image=Image.new("RGB", (8, 8)), image_lang="en",
                   question={"en": "What is sold?", "zh": "卖什么？"}, answers={"en": ["Coffee"]},
                   ocr_tokens=["Coffee", "$3"] if ocr else None) for i in range(n)]


def test_scores_drops_and_failures_are_recorded(tmp_path):
    model = ScriptedModel({"r0:en": "coffee", "r1:en": "Coffee", "r2:en": "tea", "r0:zh": "咖啡",
                           "r1:zh": RuntimeError("500 after 5 retries"), "r2:zh": "Coffee"})
    results = run_benchmark(model, records(), tmp_path / "run", BenchSettings(langs=("en", "zh")))
    rows = [json.loads(x) for x in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert [r["score"] for r in rows] == [1.0, 0.0, 1.0, 0.0, 0.0, 1.0]
    assert rows[3]["error"].startswith("APIError") and rows[3]["prediction"] == ""
    assert results["overall"] == pytest.approx({"en": 2 / 3, "zh": 1 / 3})
    assert results["drops"]["synth-sign"]["zh"] == pytest.approx(100 / 3)
    assert results["n_errors"] == 1 and results["translator"] is None


def test_translator_gives_credit_to_a_correct_answer_in_the_question_language(tmp_path):
    model = ScriptedModel({"r0:en": "Coffee", "r0:zh": "咖啡"})
    plain = run_benchmark(model, records(1), tmp_path / "a", BenchSettings(langs=("en", "zh")))
    assert plain["overall"]["zh"] == 0.0

    def translate(text, source, target):
        assert (source, target) == ("zh", "en")
        return {"咖啡": "coffee"}.get(text, text)

    translate.spec = "fake:dictionary"
    translated = run_benchmark(model, records(1), tmp_path / "b", BenchSettings(langs=("en", "zh")), translator=translate)
    assert translated["overall"]["zh"] == 1.0 and translated["translator"] == "fake:dictionary"


def test_api_backends_get_max_concurrency_items_per_call(tmp_path):
    model = ScriptedModel({}, max_concurrency=5)
    run_benchmark(model, records(3), tmp_path / "run", BenchSettings(langs=("en", "zh"), batch_size=2))
    assert model.calls == [5, 1]


def test_ocr_tokens_dataset_first_then_engine(tmp_path):
    model = ScriptedModel({})
    engine_calls = []

    def engine(image):
        engine_calls.append(image.size)
        return ["engine"]

    run_benchmark(model, [*records(2, ocr=False), records(1, ocr=True)[0].replace(id="own")], tmp_path / "run",
                  BenchSettings(langs=("en", "zh"), ocr_tokens=True), ocr=engine)
    assert model.prompt.use_ocr_tokens
    assert len(engine_calls) == 2  # once per record without tokens, shared by its two languages
    assert model.seen_ocr == [("engine",)] * 4 + [("Coffee", "$3")] * 2
    model2 = ScriptedModel({})
    with pytest.raises(ValueError, match="no OCR engine"):
        run_benchmark(model2, records(1), tmp_path / "run2", BenchSettings(ocr_tokens=True, langs=("en",)))


def test_resume_with_other_settings_is_refused(tmp_path):
    model = ScriptedModel({})
    run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en",)))
    with pytest.raises(FileExistsError, match="--resume"):
        run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en",)))
    with pytest.raises(ValueError, match="cannot resume with different settings"):
        run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en", "zh")), resume=True)
    again = run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en",)), resume=True)
    assert again["n_items"] == 2


def test_resume_binds_what_the_backend_says_changes_results(tmp_path):
    class Described(ScriptedModel):
        def __init__(self, **facts):
            super().__init__({})
            self.facts = facts

        def describe(self):
            return dict(self.facts)

    first = Described(dtype="bfloat16", device="cuda:0", max_concurrency=4)
    run_benchmark(first, records(2), tmp_path / "run", BenchSettings(langs=("en",)))
    # Where it runs and how many requests are in flight do not change answers: resumable.
    moved = Described(dtype="bfloat16", device="cuda:1", max_concurrency=16)
    assert run_benchmark(moved, records(2), tmp_path / "run", BenchSettings(langs=("en",)), resume=True)["n_items"] == 2
    with pytest.raises(ValueError, match=r"cannot resume with different settings.*float32"):
        run_benchmark(Described(dtype="float32", device="cuda:0", max_concurrency=4), records(2), tmp_path / "run",
                      BenchSettings(langs=("en",)), resume=True)
    other_revision = Described(dtype="bfloat16", device="cuda:0", max_concurrency=4)
    other_revision.revision = "abc123"
    with pytest.raises(ValueError, match="revision"):
        run_benchmark(other_revision, records(2), tmp_path / "run", BenchSettings(langs=("en",)), resume=True)


def test_resume_with_another_process_count_is_refused(tmp_path, monkeypatch):
    from xtvqa_models import evaluate
    from xtvqa_models.distributed import ProcessInfo

    model = ScriptedModel({})
    run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en",)))
    monkeypatch.setattr(evaluate, "process_info", lambda: ProcessInfo(rank=0, world_size=2, barrier=lambda: None))
    with pytest.raises(ValueError, match="processes: 1 -> 2"):
        run_benchmark(model, records(2), tmp_path / "run", BenchSettings(langs=("en",)), resume=True)


def test_metric_convention_scores_as_the_harness_and_keeps_the_paper_score(tmp_path):
    chart = [Record(id=f"c{i}", source="chartqa", image=Image.new("RGB", (8, 8)), image_lang="en",
                    question={"en": "Value?"}, answers={"en": [gold]}) for i, gold in enumerate(["2", "1000", "7"])]
    model = ScriptedModel({"c0:en": "1.9", "c1:en": "1,000", "c2:en": "7"})
    results = run_benchmark(model, chart, tmp_path / "run", BenchSettings(langs=("en",), metric_convention="lmms-eval"))
    rows = [json.loads(x) for x in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert [(r["score"], r["paper_score"]) for r in rows] == [(0.0, 1.0), (0.0, 1.0), (1.0, 1.0)]
    assert results["metric_convention"] == results["settings"]["metric_convention"] == "lmms-eval"
    assert results["overall"]["en"] == pytest.approx(1 / 3)
    assert results["comparison"]["by_metric"] == {
        "relaxed_accuracy": {"n": 3, "n_differ": 2, "paper": 1.0, "lmms-eval": pytest.approx(1 / 3)}}
    assert "Metric convention: lmms-eval" in (tmp_path / "run" / "table.md").read_text()

    paper = run_benchmark(model, chart, tmp_path / "paper", BenchSettings(langs=("en",)))
    assert paper["overall"]["en"] == 1.0 and "comparison" not in paper and paper["metric_convention"] == "paper"
    assert "paper_score" not in (tmp_path / "paper" / "predictions.jsonl").read_text()
    with pytest.raises(ValueError, match="choose one of paper, lmms-eval, vlmevalkit"):
        BenchSettings(metric_convention="lmms_eval")
