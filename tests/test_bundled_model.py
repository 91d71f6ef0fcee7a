"""The bundled default model shows the paper's findings 1 and 2 on data/sample (issue 6).

`uv run apps/bench` with no --model benchmarks data/models/xtvqa-tiny-ocr (it reads the
dataset's OCR tokens, see its README.md); RESULTS.md beside it holds the full-sample numbers.
Here: all of data/sample (200 records x en, zh, fr = 600 items, ~30 s on 2 cores), greedy, on
the CPU, so that the cells are RESULTS.md's own (a subset of 40 items a cell moved them by up to
8 points: one item is 2.5 points there, 1.5 here).

Run: uv run nox -s integration -- -k bundled
"""

from __future__ import annotations

import json

import pytest

from conftest import REPO, run_app

MODEL = REPO / "data" / "models" / "xtvqa-tiny-ocr"

pytestmark = pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="the bundled model is not present")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """`uv run apps/bench`'s run folder (its default langs en, zh, fr; batches of 32)."""
    out = tmp_path_factory.mktemp("bench") / "run"
    run_app("bench", "--langs", "en,zh,fr", "--batch-size", "32", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def cells(bench_run):
    """Mean score per (image language, question language): the bench app's image-text rows."""
    results = json.loads((bench_run / "results.json").read_text())
    assert results["model"]["spec"] == f"hf:{MODEL}"  # the default model is the bundled one
    return {(image, question): score for image, row in results["by_image_text"].items()
            for question, score in row.items()}


# The bundled model so far (data/models/xtvqa-tiny-ocr/RESULTS.md) misses these: 0.480 on
# source-language questions, a 2.9-point drop for fr questions on en images (it meets the other
# three drops: 11.8, 14.7, 13.2). Strict: a model that meets them turns the xfail into a
# failure, and the mark must go.
MISSES = "the bundled model misses this target so far (issue 6 open; RESULTS.md)"


@pytest.mark.xfail(strict=True, reason=MISSES)
def test_finding_1_source_language_questions_score_at_least_070(cells):
    source = [cells[lang, lang] for lang in ("en", "zh", "fr")]
    assert sum(source) / len(source) >= 0.70, cells


@pytest.mark.parametrize(("image", "question"), [
    ("en", "zh"), pytest.param("en", "fr", marks=pytest.mark.xfail(strict=True, reason=MISSES)), ("zh", "en"),
    ("zh", "fr"),
])
def test_finding_2_cross_lingual_questions_drop_at_least_10_points(cells, image, question):
    assert cells[image, image] - cells[image, question] >= 0.10, cells


def test_the_bundled_model_reads_ocr_lines_whole():
    # It was trained on the generator's strings, one a line; rapidocr's lines (records without OCR
    # tokens, the analysis's noised images) must reach it whole, not split into words.
    from xtvqa_models.prompts import PromptConfig

    prompt = PromptConfig.from_model_dir(MODEL)
    assert prompt.use_ocr_tokens and prompt.ocr_separator == "\n" and prompt.ocr_granularity == "line"
    assert prompt.ocr_strings(["IC 9538", "Hot chocolate"]) == ["IC 9538", "Hot chocolate"]


def test_the_readme_s_bench_rows_are_what_the_bench_prints(bench_run):
    # README quotes rows of `uv run apps/bench`'s table (its section "`uv run apps/bench` (15 s
    # ..."): each must be a row of the table.md that command writes, digit for digit.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("`uv run apps/bench` (")
    quoted = readme[start:readme.index("`uv run apps/analysis`", start)]  # the analysis's rows follow
    rows = [line for line in quoted.splitlines() if line.startswith("| ") and not line.startswith(("| source", "| image text"))]
    assert len(rows) >= 3, quoted[:500]
    table = (bench_run / "table.md").read_text(encoding="utf-8").splitlines()
    assert [row for row in rows if row not in table] == []
