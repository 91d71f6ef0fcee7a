"""report.html in a real browser: the pages `apps/bench` (the bundled model on data/sample),
a two-model comparison and `apps/analysis` write are opened in headless Chromium, which must
show every record with a loaded image, filter rows as the data says, and log no error.

Each test saves a screenshot (report-<kind>.png in its tmp folder; the path is printed, `-s`).
Skipped when no Chromium is installed, except under CI=true (.ci/run installs it), where that fails.

Run: uv run nox -s integration -- -k browser -s
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

import pytest
from chromium import Browser, find_chromium

from conftest import REPO, run_app

ROWS = "#items > tbody > tr"
VISIBLE = f"[...document.querySelectorAll('{ROWS}')].filter(r => !r.hidden).length"


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail("CI=true but no chromium binary on the PATH: .ci/run installs the Debian package")
        pytest.skip("no chromium binary on the PATH (apt-get install chromium, or set CHROMIUM=<path>)")
    return binary


def records_of(folder, name="predictions.jsonl"):
    """{record id: {"source", "metric", "image_lang", "scores": {question language: score}}}."""
    records = defaultdict(lambda: {"scores": {}})
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        record = records[row["id"]]
        record.update(source=row["source"], metric=row.get("metric"), image_lang=row["image_lang"])
        record["scores"][row["question_lang"]] = row.get("score", row.get("correct"))
    return dict(records)


def flips(record) -> bool:
    """Right in the image's language, wrong in another (the page's flip filter)."""
    scores, own = record["scores"], record["image_lang"]
    return scores.get(own, 0) >= 0.5 and any(s < 0.5 for q, s in scores.items() if q != own)


def choose(page: Browser, select: str, value: str) -> int:
    """Set a filter as a user does (the select's value, then its change event); the rows shown."""
    page.js(f"(() => {{ const s = document.getElementById('{select}'); s.value = {json.dumps(value)};"
            " s.dispatchEvent(new Event('change')); })()")
    return page.js(VISIBLE)


def check_page(binary, folder, records, kind, tmp_path) -> Browser:
    """Open folder/report.html; check rows, images, filters and the console; save a screenshot."""
    page = Browser(binary)
    try:
        page.open((folder / "report.html").as_uri())
        assert page.js(f"document.querySelectorAll('{ROWS}').length") == len(records)
        assert page.js("document.getElementById('count').textContent") == f"{len(records)} of {len(records)} records"
        images = page.js("[...document.images].map(i => [i.complete, i.naturalWidth])")
        assert len(images) >= len(records) + 1  # a thumbnail per record, and the figures
        assert all(done and width > 0 for done, width in images), images
        assert choose(page, "f-flip", "0") == sum(map(flips, records.values()))
        choose(page, "f-flip", "")
        source = sorted({r["source"] for r in records.values()})[0]
        assert choose(page, "f-source", source) == sum(r["source"] == source for r in records.values())
        choose(page, "f-source", "")
        metrics = page.js("[...document.getElementById('f-metric').options].map(o => o.value)")
        assert metrics[0] == "" and len(metrics) > 1
        assert 0 < choose(page, "f-metric", metrics[1]) <= len(records)
        choose(page, "f-metric", "")
        # one question language: its line and the source line stay in every row
        assert choose(page, "f-lang", "zh") == len(records)
        lines = page.js(f"[...document.querySelectorAll('{ROWS}')].map(r => "
                        "[...r.querySelectorAll('tr[data-lang]')].filter(l => !l.hidden).length)")
        assert all(1 <= n <= 2 for n in lines), lines
        choose(page, "f-lang", "")
        page.js("window.scrollTo(0, 0)")
        shot = page.screenshot(tmp_path / f"report-{kind}.png")
        print(f"screenshot: {shot}")
        assert page.errors == []
        return page
    finally:
        page.close()


def test_bench_report_in_a_browser(chromium, tmp_path):
    out = tmp_path / "bench"
    run_app("bench", "--limit", "8", "--out", str(out))  # the bundled model on data/sample
    assert {"drops.png", "scores.png", "report.html"} <= {p.name for p in out.iterdir()}
    check_page(chromium, out, records_of(out), "bench", tmp_path)


def test_comparison_report_in_a_browser(chromium, tiny_model, tmp_path):
    out = tmp_path / "comparison"
    run_app("bench", "--model", tiny_model, "--model", f"hf:{REPO / 'data' / 'models' / 'xtvqa-tiny-ocr'}",
            "--limit", "4", "--max-new-tokens", "4", "--out", str(out))
    runs = json.loads((out / "comparison.json").read_text(encoding="utf-8"))["runs"]
    assert len(runs) == 2 and (out / "report.html").is_file()
    check_page(chromium, out, records_of(out / runs[0]["folder"]), "comparison", tmp_path)


def test_analysis_report_in_a_browser(chromium, tiny_model, small_data, tmp_path):
    out = tmp_path / "analysis"
    run_app("analysis", "--model", tiny_model, "--data", str(small_data), "--langs", "en,zh,fr", "--limit", "3",
            "--draws", "1", "--max-new-tokens", "3", "--out", str(out))
    check_page(chromium, out, records_of(out, "mi.jsonl"), "analysis", tmp_path)
