"""The analysis runner and its summary (DESIGN.md 5): MI/PMI per item, shared noise per record,
OCR through the same perception, per-language summary. Run: uv run nox -s models -- -k analysis"""

import math

import numpy as np
import pytest
from xtvqa_models import TokenScores
from xtvqa_models.analysis import AnalysisSettings, analysis_row, run_analysis, summarize_rows
from xtvqa_models.analysis.runner import draw_seed

from conftest import make_record


def _scores(logprobs, entropies):
    return TokenScores(np.arange(len(logprobs)), np.asarray(logprobs, np.float32), np.asarray(entropies, np.float32))


def test_row_is_the_definitions(items):
    clean = _scores([-0.1, -0.2], [0.5, 1.0])
    noised = [_scores([-1.0, -1.0], [2.0, 2.0]), _scores([-2.0, -1.0], [3.0, 1.0])]
    row = analysis_row(items[0], "12", "12", 1.0, clean, noised)
    assert row["h_clean"] == pytest.approx(1.5)
    assert row["h_noised"] == pytest.approx(4.0)  # mean over draws of the summed entropy
    assert row["mi"] == pytest.approx(2.5)
    # log p(y|V_eps,Q) marginalised over the draws: log mean exp of the summed log-probs
    logp_noised = math.log((math.exp(-2.0) + math.exp(-3.0)) / 2)
    assert row["pmi"] == pytest.approx(-0.3 - logp_noised, abs=1e-6)
    assert row["mi_mean"] == pytest.approx(1.25)
    empty = analysis_row(items[0], "", "", 0.0, _scores([], []), [_scores([], [])])
    assert empty["mi"] is None and empty["skipped"]


def test_noise_seed_depends_on_record_and_draw_only():
    assert draw_seed(0, "rec-1", 0) == draw_seed(0, "rec-1", 0)
    assert len({draw_seed(0, "rec-1", d) for d in range(4)} | {draw_seed(1, "rec-1", 0)}) == 5


def test_engine_ocr_runs_once_per_record_and_condition(hf_models, tmp_path, monkeypatch):
    model = hf_models["qwen2-vl"]
    monkeypatch.setattr(model, "prompt", model.prompt)  # the run turns OCR tokens on: undone after the test
    calls = []

    def fake_ocr(image):
        calls.append(image.size)
        return ["Year", str(len(calls))]

    records = [make_record(i) for i in range(2)]
    settings = AnalysisSettings(langs=("en", "zh", "fr"), draws=2, batch_size=3, max_new_tokens=3, ocr_tokens=True)
    rows = run_analysis(model, records, tmp_path / "run", settings, ocr=fake_ocr)
    assert len(rows) == 6
    assert len(calls) == 2 * (1 + 2)  # (clean + 2 noised) per record, shared by its 3 languages
    assert model.prompt.use_ocr_tokens


def test_summary_groups_and_correlation():
    rows = []
    for lang, acc, mi in (("en", 1.0, 3.0), ("zh", 0.5, 2.0), ("fr", 0.0, 1.0)):
        for k in range(4):
            rows.append({"key": f"r{k}:{lang}", "question_lang": lang, "image_lang": "en", "correct": acc,
                         "mi": mi + 0.01 * k, "pmi": mi, "h_clean": 1.0, "h_noised": 1.0 + mi,
                         "h_clean_mean": 0.5, "mi_mean": mi / 2})
    summary = summarize_rows(rows)
    assert summary["by_lang"]["en"]["accuracy"] == 1.0
    assert summary["by_lang"]["zh"]["mi"]["mean"] == pytest.approx(2.015)
    assert summary["by_relation"]["source"]["n"] == 4 and summary["by_relation"]["cross"]["n"] == 8
    assert summary["correlation"]["pearson_r"] == pytest.approx(1.0, abs=1e-3)
    assert summary["correlation"]["n"] == 3
    with pytest.raises(ValueError):
        summarize_rows([])


def test_gaussian_noise_takes_palette_and_cmyk_images(hf_models, tmp_path):
    # The clean path converts any mode to RGB; the noise must act on that RGB image too.
    import dataclasses

    model = hf_models["qwen2-vl"]
    records = [dataclasses.replace(make_record(i), image=make_record(i).image.convert(mode))
               for i, mode in enumerate(("P", "CMYK"))]
    settings = AnalysisSettings(langs=("en",), draws=1, batch_size=2, max_new_tokens=3)
    rows = run_analysis(model, records, tmp_path / "run", settings)
    assert len(rows) == 2 and all(row["h_noised"] is not None for row in rows)


def test_an_answer_holding_an_image_placeholder_is_recorded_as_skipped_not_a_crash(hf_models, tmp_path, monkeypatch):
    # A greedy answer with the model's image placeholder id (a random model generates one now and
    # then): generation fed it as a plain token, a teacher-forced forward with the image would
    # count it as an image slot ("Image features and image tokens do not match").
    from xtvqa_models import Generation

    model = hf_models["qwen2-vl"]
    image_token = model.model.config.image_token_id
    assert image_token in model.placeholder_token_ids
    plain = model.tokenizer("12", add_special_tokens=False)["input_ids"]
    monkeypatch.setattr(model, "generate", lambda items, **_: [
        Generation(text="12", n_tokens=len(plain), token_ids=tuple(plain)) if i % 2 == 0 else
        Generation(text="12", n_tokens=len(plain) + 1, token_ids=(*plain, image_token)) for i in range(len(items))])
    settings = AnalysisSettings(langs=("en", "zh"), draws=1, batch_size=2, max_new_tokens=3)
    rows = run_analysis(model, [make_record(0)], tmp_path / "run", settings)
    assert [r.get("skipped") for r in rows] == [
        None, "the answer holds an image placeholder token"]
    assert rows[0]["mi"] is not None and rows[1]["mi"] is None and rows[1]["prediction"] == "12"
