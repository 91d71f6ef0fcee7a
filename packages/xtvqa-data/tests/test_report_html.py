"""report.html (bench, analysis and comparison folders; untrusted text escaped) and drops.png.

The page in a real browser: tests/test_report_browser.py.
Run: uv run pytest packages/xtvqa-data/tests/test_report_html.py -q
"""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image
from xtvqa_data.report import (
    aggregate,
    markdown_html,
    plot_drops,
    plot_scores,
    render_table_markdown,
    write_report,
)
from xtvqa_data.runs import atomic_write_json

HOSTILE = '</script><img src=x onerror="alert(1)">&amp;'
LANGS = ("en", "zh", "fr")


@pytest.fixture
def records(make_record):
    return [make_record(f"r{k}", image_lang=g, question={q: f"Q{k} in {q}?" for q in LANGS},
                        answers={g: [f"gold{k}"]}, source="synth-chart" if k % 2 else "synth-doc")
            for k, g in enumerate(["en", "zh", "fr", "en"])]


def prediction_rows(records, wrong_cross=True):
    rows = []
    for record in records:
        for q in LANGS:
            right = q == record.image_lang or not wrong_cross
            rows.append({"key": f"{record.id}:{q}", "id": record.id, "source": record.source, "question_lang": q,
                         "image_lang": record.image_lang, "question_type": None, "metric": "exact_match",
                         "question": record.question[q] + (HOSTILE if q == "zh" else ""),
                         "answers": list(record.answers[record.image_lang]),
                         "prediction": HOSTILE if q == "fr" else "p", "score": 1.0 if right else 0.0, "error": None})
    return rows


def bench_folder(path, records, **kw):
    rows = prediction_rows(records, **kw)
    path.mkdir(parents=True)
    (path / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    results = aggregate(rows, list(LANGS), resamples=50)
    results.update(model={"spec": "hf:m" + HOSTILE}, data="d", n_items=len(rows), n_errors=0)
    atomic_write_json(path / "results.json", results)
    (path / "table.md").write_text(render_table_markdown(results), encoding="utf-8")
    plot_drops(results, path / "drops.png")
    plot_scores(results, path / "scores.png")
    return path


def page_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1))


def test_bench_report_is_self_contained_and_escapes_the_run_text(records, tmp_path):
    page = write_report(bench_folder(tmp_path / "run", records), records).read_text(encoding="utf-8")
    # the hostile text is data: no tag of it in the page, no element closed by it
    assert "<img src=x" not in page and page.count("</script>") == 2  # the data's and the page's own
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing fetched
    assert page.index("drops.png") < page.index("<table") < page.index("scores.png")  # the headline first
    data = page_data(page)
    assert data["runs"] == ["hf:m" + HOSTILE] and "&lt;/script&gt;" in page  # the title, escaped
    assert len(data["items"]) == 4 and len(data["images"]) == 4
    assert all(u.startswith("data:image/jpeg;base64,") for u in data["images"])
    first = data["items"][0]
    assert first["langs"]["fr"]["runs"][0]["prediction"] == HOSTILE  # the text itself, shown as text
    assert first["gold"] == ["gold0"] and first["metric"] == "exact_match" and not data["has_mi"]


def test_thumbnails_are_small_and_only_of_the_run_records(records, make_record, tmp_path):
    big = [r.replace(image=Image.effect_noise((1600, 1200), 60).convert("RGB")) for r in records]
    folder = bench_folder(tmp_path / "run", big[:2])
    data = page_data(write_report(folder, [*big, make_record("other")]).read_text(encoding="utf-8"))
    assert len(data["images"]) == 2
    assert all(len(u) < 60_000 for u in data["images"])  # 240 px JPEGs, not 1600 px PNGs


def test_without_records_the_browser_has_no_images(records, tmp_path):
    data = page_data(write_report(bench_folder(tmp_path / "run", records)).read_text(encoding="utf-8"))
    assert data["images"] == [] and all(item["img"] is None for item in data["items"])


def test_analysis_report_takes_questions_and_gold_from_the_records(records, tmp_path):
    folder = tmp_path / "analysis"
    folder.mkdir()
    rows = [{"key": f"{r.id}:{q}", "id": r.id, "source": r.source, "question_lang": q, "image_lang": r.image_lang,
             "prediction": "p", "answer": "p", "correct": 1.0, "mi": 0.25, "pmi": 0.1} for r in records for q in LANGS]
    (folder / "mi.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    atomic_write_json(folder / "config.json", {"model": "hf:m", "settings": {"noise": "gaussian:80"}})
    (folder / "table.md").write_text("| lang | H(Y\\|V,Q) |\n|---|---|\n| en | 0.25 |\n", encoding="utf-8")
    page = write_report(folder, records).read_text(encoding="utf-8")
    assert "<th>H(Y|V,Q)</th>" in page and "model hf:m, noise gaussian:80" in page
    data = page_data(page)
    line = data["items"][1]["langs"]["fr"]
    assert line["question"] == "Q1 in fr?" and line["runs"][0] == {"prediction": "p", "score": 1.0, "mi": 0.25}
    assert data["has_mi"] and data["items"][1]["gold"] == ["gold1"]


def test_comparison_report_puts_the_runs_side_by_side(records, tmp_path):
    bench_folder(tmp_path / "a", records)
    bench_folder(tmp_path / "b", records, wrong_cross=False)
    atomic_write_json(tmp_path / "comparison.json", {"runs": [{"spec": "hf:a", "folder": "a"},
                                                              {"spec": "hf:b", "folder": "b"}], "changes": []})
    (tmp_path / "comparison.md").write_text("- hf:b against hf:a: narrowed\n", encoding="utf-8")
    page = write_report(tmp_path, records).read_text(encoding="utf-8")
    data = page_data(page)
    assert data["runs"] == ["hf:a", "hf:b"] and "<li>hf:b against hf:a: narrowed</li>" in page
    scores = [run["score"] for run in data["items"][0]["langs"]["zh"]["runs"]]
    assert scores == [0.0, 1.0]


def test_not_a_run_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a run folder"):
        write_report(tmp_path)


def test_markdown_tables_align_and_escape():
    out = markdown_html("| a | b<i> |\n|:---|---:|\n| x | 1.5 |\n\nNote <b>.")
    assert "<th>b&lt;i&gt;</th>" in out and "<td>x</td><td class=r>1.5</td>" in out
    assert "<p>Note &lt;b&gt;.</p>" in out


def test_plot_drops_without_intervals_or_cross_items(tmp_path):
    rows = [{"id": f"r{k}", "source": "s", "question_lang": "en", "image_lang": "en", "score": 1.0} for k in range(3)]
    path = plot_drops(aggregate(rows, ["en"], resamples=0), tmp_path / "drops.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
