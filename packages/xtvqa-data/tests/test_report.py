"""Aggregation into the Table-1 format, per-stratum drops, rendering and the bar chart.

Run: uv run pytest packages/xtvqa-data/tests/test_report.py -q
"""

import io
import random

import numpy as np
import pytest
from PIL import Image
from rich.console import Console
from xtvqa_data.report import (
    aggregate,
    drop_interval_rows,
    plot_scores,
    render_rich_drop_intervals,
    render_rich_table,
    render_table_markdown,
    resample_counts,
)
from xtvqa_data.report.aggregate import _group_rng
from xtvqa_data.runs import atomic_write_json


def make_rows(source, image_lang, q, scores, question_type=None):
    return [
        {"id": f"{source}-{image_lang}-{i}", "source": source, "question_lang": q, "image_lang": image_lang,
         "question_type": question_type, "prediction": "p", "score": s}
        for i, s in enumerate(scores)
    ]


@pytest.fixture
def rows():
    return [
        # chartqa: en images only
        *make_rows("chartqa", "en", "en", [1, 1, 0, 1], "human"),  # 0.75 (reference)
        *make_rows("chartqa", "en", "zh", [1, 0, 0, 0], "human"),  # 0.25
        # docvqa: en and zh images
        *make_rows("docvqa", "en", "en", [1, 1]),  # reference of the en stratum: 1.0
        *make_rows("docvqa", "en", "zh", [0, 1]),  # 0.5
        *make_rows("docvqa", "zh", "zh", [1, 0, 1, 1]),  # reference of the zh stratum: 0.75
        *make_rows("docvqa", "zh", "en", [0, 1, 0, 0]),  # 0.25
    ]


def test_scores_are_means_per_question_language(rows):
    res = aggregate(rows, ["en", "zh", "fr"])
    assert res["langs"] == ["en", "zh", "fr"]
    assert res["overall"]["en"] == pytest.approx(6 / 10)
    assert res["overall"]["zh"] == pytest.approx(5 / 10)
    assert res["overall"]["fr"] is None and res["n"]["overall"]["fr"] == 0
    assert res["scores"]["chartqa"] == {"en": 0.75, "zh": 0.25, "fr": None}
    assert res["scores"]["docvqa"]["en"] == pytest.approx(3 / 6)
    assert res["scores"]["docvqa"]["zh"] == pytest.approx(4 / 6)
    assert res["by_type"]["human"]["en"] == 0.75 and res["by_type"]["untyped"]["zh"] == pytest.approx(4 / 6)
    assert res["by_image_lang"]["docvqa"]["zh"]["en"] == 0.25
    assert res["n"]["scores"]["docvqa"] == {"en": 6, "zh": 6, "fr": 0}
    assert res["n_cross"]["scores"]["docvqa"] == {"en": 4, "zh": 2, "fr": 0}
    assert res["n_cross"]["scores"]["chartqa"]["en"] == 0
    assert res["n_items"] == 20 and res["n_failed"] == 0


def test_single_image_language_drop_is_the_plain_difference(rows):
    res = aggregate(rows, ["en", "zh", "fr"])
    assert res["drops"]["chartqa"]["zh"] == pytest.approx(50.0)  # 75.0 - 25.0 points
    assert res["relative_drops"]["chartqa"]["zh"] == pytest.approx(200 / 3)  # 50 / 75
    assert res["drops"]["chartqa"]["en"] == 0.0
    assert res["drops"]["chartqa"]["fr"] is None and res["relative_drops"]["chartqa"]["fr"] is None


def test_mixed_image_languages_use_per_stratum_references(rows):
    res = aggregate(rows, ["en", "zh"])
    # docvqa zh: en stratum 2 x (1.0 - 0.5), zh stratum 4 x 0 -> 1/6; ref* = (2 x 1 + 4 x 0.75)/6 = 5/6
    assert res["drops"]["docvqa"]["zh"] == pytest.approx(100 / 6)
    assert res["relative_drops"]["docvqa"]["zh"] == pytest.approx(20.0)
    # docvqa en: en stratum 2 x 0, zh stratum 4 x (0.75 - 0.25) -> 2/6; ref* = 5/6 -> 40 %
    assert res["drops"]["docvqa"]["en"] == pytest.approx(100 / 3)
    assert res["relative_drops"]["docvqa"]["en"] == pytest.approx(40.0)
    # Overall, strata (chartqa,en) (docvqa,en) (docvqa,zh): zh: (4 x .5 + 2 x .5 + 0)/10 = .3, ref* = .8
    assert res["overall_drops"]["zh"] == pytest.approx(30.0)
    assert res["overall_relative_drops"]["zh"] == pytest.approx(37.5)
    assert res["overall_drops"]["en"] == pytest.approx(20.0)
    assert res["overall_relative_drops"]["en"] == pytest.approx(25.0)
    # Equivalently ref*(q) - score(q): 0.8 - overall[q]
    assert res["overall_drops"]["zh"] == pytest.approx(100 * (0.8 - res["overall"]["zh"]))
    assert res["by_type_drops"]["human"]["zh"] == pytest.approx(50.0)


def test_unpaired_strata_with_different_drops_follow_the_stratified_formula():
    # One image language, two sources asked in different proportions per language (module docstring
    # example): the strata drop differently (A by 50 points, B by 0), so the plain difference of
    # the pooled scores (10 - 45 = -35 points) is not the drop.
    rows = [
        *make_rows("srca", "en", "en", [1]), *make_rows("srca", "en", "zh", [0.5] * 9),
        *make_rows("srcb", "en", "en", [0] * 9), *make_rows("srcb", "en", "zh", [0]),
    ]
    res = aggregate(rows, ["en", "zh"])
    assert res["overall"]["en"] == pytest.approx(0.1) and res["overall"]["zh"] == pytest.approx(0.45)
    assert res["drops"]["srca"]["zh"] == pytest.approx(50.0) and res["drops"]["srcb"]["zh"] == pytest.approx(0.0)
    # drop(q) = sum_s n_s,q (ref_s - score_s,q) / sum_s n_s,q = (9 x 0.5 + 1 x 0) / 10
    assert res["overall_drops"]["zh"] == pytest.approx(45.0)
    assert res["by_image_text_drops"]["en"]["zh"] == pytest.approx(45.0)  # sources pooled, same strata
    # relative: ref*(zh) = (9 x 1 + 1 x 0) / 10 = 0.9 -> 45 / 0.9 = 50 %; = ref*(q) - score(q) in points
    assert res["overall_relative_drops"]["zh"] == pytest.approx(50.0)
    assert res["overall_drops"]["zh"] == pytest.approx(100 * (0.9 - res["overall"]["zh"]))
    assert res["overall_drops"]["zh"] != pytest.approx(100 * (res["overall"]["en"] - res["overall"]["zh"]))


def test_undefined_drops_are_none():
    only_cross = make_rows("textvqa", "en", "zh", [1, 0])  # no monolingual reference at all
    res = aggregate(only_cross)
    assert res["langs"] == ["zh"] and res["drops"]["textvqa"]["zh"] is None
    zero_ref = make_rows("textvqa", "en", "en", [0, 0]) + make_rows("textvqa", "en", "zh", [1, 0])
    res = aggregate(zero_ref)
    assert res["drops"]["textvqa"]["zh"] == pytest.approx(-50.0)  # an improvement is a negative drop
    assert res["relative_drops"]["textvqa"]["zh"] is None  # no % of a zero reference


def test_failed_items_and_bad_rows():
    failed = [
        *make_rows("ocrvqa", "en", "en", [1]),
        {"id": "x", "source": "ocrvqa", "question_lang": "en", "image_lang": "en", "score": None, "error": "timeout"},
    ]
    res = aggregate(failed)
    assert res["overall"]["en"] == 0.5 and res["n_failed"] == 1
    with pytest.raises(ValueError, match=r"'x' \(en\): score must be a number in \[0, 1\], got None"):
        aggregate([{**failed[1], "error": None}])
    with pytest.raises(ValueError, match=r"got 1\.5"):
        aggregate(make_rows("ocrvqa", "en", "en", [1.5]))
    with pytest.raises(ValueError, match="lacks image_lang"):
        aggregate([{"id": "y", "source": "s", "question_lang": "en", "score": 1.0}])
    with pytest.raises(ValueError, match="no prediction rows"):
        aggregate([])


def test_failed_items_are_counted_in_both_row_shapes():
    ok = make_rows("ocrvqa", "en", "en", [1, 1])
    evaluator_shape = {**ok[0], "id": "f1", "prediction": "", "score": 0.0, "error": "CUDA out of memory"}
    no_score_shape = {**ok[0], "id": "f2", "score": None, "error": "timeout"}
    res = aggregate([*ok, evaluator_shape, no_score_shape])
    assert res["n_failed"] == 2 and res["n_items"] == 4
    assert res["overall"]["en"] == pytest.approx(0.5)  # both failures score 0
    assert aggregate([*ok, {**ok[0], "id": "f3", "score": 0.0, "error": None}])["n_failed"] == 0


def test_results_are_strict_json(rows, tmp_path):
    atomic_write_json(tmp_path / "results.json", aggregate(rows, ["en", "zh", "fr"]))  # no NaN anywhere


def test_markdown_table(rows):
    text = render_table_markdown(aggregate(rows, ["en", "zh", "fr"]))
    lines = text.splitlines()
    assert lines[0] == "| source | n | en | drop en (abs / rel%) | zh | drop zh (abs / rel%) | fr |"
    assert "| overall | 20 | 60.0 | 20.0 / 25.0% | 50.0 | 30.0 / 37.5% | - |" in lines
    assert "| chartqa | 8 | 75.0 | ref | 25.0 | 50.0 / 66.7% | - |" in lines
    assert "| docvqa | 12 | 50.0 | 33.3 / 40.0% | 66.7 | 16.7 / 20.0% | - |" in lines
    assert any(line.startswith("| question type |") for line in lines)
    assert "| untyped | 12 |" in text


def test_drop_column_left_out_when_nothing_is_cross_lingual():
    mono = make_rows("ocrvqa", "en", "en", [1, 0])
    assert render_table_markdown(aggregate(mono)).splitlines()[0] == "| source | n | en |"


def test_drop_cell_is_a_dash_where_the_row_has_no_items_in_that_language():
    rows = [
        *make_rows("chartqa", "en", "en", [1, 1]),  # no fr items at all
        *make_rows("docvqa", "en", "en", [1, 1]), *make_rows("docvqa", "en", "fr", [0, 1]),
        *make_rows("ocrvqa", "fr", "fr", [1]),  # fr items, all monolingual
    ]
    lines = render_table_markdown(aggregate(rows, ["en", "fr"])).splitlines()
    assert lines[0] == "| source | n | en | fr | drop fr (abs / rel%) |"
    assert "| chartqa | 2 | 100.0 | - | - |" in lines
    assert "| docvqa | 4 | 100.0 | 50.0 | 50.0 / 50.0% |" in lines
    assert "| ocrvqa | 1 | - | 100.0 | ref |" in lines


def test_rich_table(rows):
    table = render_rich_table(aggregate(rows, ["en", "zh"]))
    # headed "source" as table.md heads it
    assert [c.header for c in table.columns] == ["source", "n", "en", "drop en (abs / rel%)", "zh", "drop zh (abs / rel%)"]
    console = Console(file=io.StringIO(), width=140, record=True)
    console.print(table)
    out = console.export_text()
    assert "50.0 / 66.7%" in out and "question type" in out and "chartqa" in out


def test_numbers_never_read_minus_zero_and_drops_have_no_float_noise():
    from xtvqa_data.report.render import number, with_interval

    assert [number(x) for x in (-0.04, -0.0, 0.04, -0.06, 5.0)] == ["0.0", "0.0", "0.0", "-0.1", "5.0"]
    assert number(-0.0004, ".3f") == "0.000"
    assert with_interval(-0.01, (-0.04, 2.0)) == "0.0 [0.0, 2.0]"
    # 0.43 - 0.38 in floats is 0.04999999999999999: the drop is stored as 5.0 points.
    rows = [{"id": f"r{i}", "source": "s", "question_lang": q, "image_lang": "en", "score": score}
            for i, (q, score) in enumerate([("en", 0.43), ("zh", 0.38)])]
    assert aggregate(rows, ["en", "zh"], resamples=0)["overall_drops"]["zh"] == 5.0


def test_plot_scores_writes_a_png(rows, tmp_path):
    path = plot_scores(aggregate(rows, ["en", "zh", "fr"]), tmp_path / "figs" / "scores.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        assert image.width > image.height > 300


def test_image_text_rows_pool_the_sources_and_drop_by_the_plain_difference(rows):
    res = aggregate(rows, ["en", "zh", "fr"])

    def mean(image, q):
        scores = [r["score"] for r in rows if r["image_lang"] == image and r["question_lang"] == q]
        return sum(scores) / len(scores)

    # en images: chartqa and docvqa together; en 6 items (5 right), zh 6 items (2 right)
    assert list(res["by_image_text"]) == ["en", "zh"]
    assert res["by_image_text"]["en"]["en"] == pytest.approx(mean("en", "en")) == pytest.approx(5 / 6)
    assert res["by_image_text_drops"]["en"]["zh"] == pytest.approx(100 * (mean("en", "en") - mean("en", "zh")))
    assert res["by_image_text_relative_drops"]["en"]["zh"] == pytest.approx(
        100 * (mean("en", "en") - mean("en", "zh")) / mean("en", "en"))
    assert res["by_image_text_drops"]["zh"]["en"] == pytest.approx(100 * (mean("zh", "zh") - mean("zh", "en")))
    assert res["by_image_text_drops"]["en"]["fr"] is None
    assert res["n"]["by_image_text"]["en"] == {"en": 6, "zh": 6, "fr": 0}
    assert res["n_cross"]["by_image_text"]["zh"]["en"] == 4 and res["n_cross"]["by_image_text"]["zh"]["zh"] == 0
    lines = render_table_markdown(res).splitlines()
    assert any(line.startswith("| image text |") for line in lines)
    assert "| en | 12 | 83.3 | ref | 33.3 | 50.0 / 60.0% | - |" in lines
    assert "| zh | 8 | 25.0 | 50.0 / 66.7% | 75.0 | ref | - |" in lines


def test_results_written_before_the_image_text_rows_still_render(rows):
    res = aggregate(rows, ["en", "zh"])
    # a results.json of that time had neither these rows nor the drops' intervals (added later still)
    for key in ("by_image_text", "by_image_text_drops", "by_image_text_relative_drops", "by_image_text_drop_ci",
                "overall_drop_ci", "drop_ci"):
        del res[key]
    del res["n"]["by_image_text"], res["n_cross"]["by_image_text"]
    text = render_table_markdown(res)
    assert "| image text |" not in text and "CI)" not in text
    assert drop_interval_rows(res) is None and render_rich_drop_intervals(res) is None


def _paired(image_lang, pairs, source="synth"):
    """Rows of records asked in their image's language and in "x": pairs of (source score, x score)."""
    rows = []
    for k, (mono, cross) in enumerate(pairs):
        for q, score in ((image_lang, mono), ("x", cross)):
            rows.append({"id": f"{source}-{image_lang}-{k}", "source": source, "question_lang": q,
                         "image_lang": image_lang, "score": score})
    return rows


def test_drop_intervals_are_the_bootstrap_of_the_documented_drop(rows):
    """The vectorised intervals against a direct computation: the same draws (resample_counts with
    the same seeded generator), each resample's rows duplicated as drawn and aggregated with no
    intervals, then the percentiles. The fixture mixes sources and image languages (strata)."""
    for k, rec in enumerate(rows):  # records asked in two languages: ids shared by an en and a zh row
        rec["id"] = f"r{k % 10}-{rec['source']}-{rec['image_lang']}"
    res = aggregate(rows, ["en", "zh"], resamples=300, seed=7)
    ids = list(dict.fromkeys(r["id"] for r in rows))
    by_id = {i: [r for r in rows if r["id"] == i] for i in ids}
    draws = []
    for weights in resample_counts(_group_rng(7, "overall"), len(ids), 300, cells=1000):
        for counts in weights:
            sample = [r for i, c in zip(ids, counts, strict=True) for r in by_id[i] * int(c)]
            draws.append(aggregate(sample, ["en", "zh"], resamples=0)["overall_drops"])
    for q in ("en", "zh"):
        values = [d[q] for d in draws if d[q] is not None]
        assert res["overall_drop_ci"][q] == pytest.approx(list(np.percentile(values, [2.5, 97.5])))
    assert res["drop_ci"] == {"level": 0.95, "resamples": 300, "seed": 7, "unit": "record",
                              "method": "percentile bootstrap"}


def test_drop_intervals_resample_records_not_rows():
    # every record loses exactly 1 point in x: any resample of records gives a drop of exactly 100
    # points; resampling rows independently would mix records' languages and widen it
    rows = _paired("en", [(1.0, 0.0)] * 30)
    res = aggregate(rows, ["en", "x"])
    assert res["by_image_text_drops"]["en"]["x"] == 100.0
    assert res["by_image_text_drop_ci"]["en"] == {"en": None, "x": [100.0, 100.0]}
    # half the records lose a point, half gain nothing: drop 50, interval around it, inside [0, 100]
    mixed = _paired("en", [(1.0, 0.0)] * 20 + [(1.0, 1.0)] * 20)
    low, high = aggregate(mixed, ["en", "x"])["by_image_text_drop_ci"]["en"]["x"]
    assert 0.0 < low < 50.0 < high < 100.0
    # four times the records: about half as wide (sqrt(n))
    more = _paired("en", ([(1.0, 0.0)] * 20 + [(1.0, 1.0)] * 20) * 4)
    low4, high4 = aggregate(more, ["en", "x"])["by_image_text_drop_ci"]["en"]["x"]
    assert 0.35 < (high4 - low4) / (high - low) < 0.65


def test_drop_intervals_are_seeded_per_group_and_optional():
    draw = random.Random(3)  # ANLS-like scores: percentiles that two seeds do not share by chance
    rows = _paired("en", [(draw.random(), draw.random()) for _ in range(20)]) + \
        _paired("zh", [(draw.random(), draw.random()) for _ in range(12)])
    first, again = aggregate(rows, ["en", "zh", "x"]), aggregate(rows, ["en", "zh", "x"])
    assert first["by_image_text_drop_ci"] == again["by_image_text_drop_ci"]
    assert aggregate(rows, ["en", "zh", "x"], seed=1)["overall_drop_ci"] != first["overall_drop_ci"]
    # zh images' interval does not depend on the en rows being there (its own generator)
    alone = aggregate([r for r in rows if r["image_lang"] == "zh"], ["en", "zh", "x"])
    assert alone["by_image_text_drop_ci"]["zh"]["x"] == first["by_image_text_drop_ci"]["zh"]["x"]
    none = aggregate(rows, ["en", "zh", "x"], resamples=0)
    assert none["drop_ci"] is None and none["overall_drop_ci"] == {"en": None, "zh": None, "x": None}
    assert "CI)" not in render_table_markdown(none)
    with pytest.raises(ValueError, match="resamples"):
        aggregate(rows, resamples=-1)
    with pytest.raises(ValueError, match="level"):
        aggregate(rows, level=1.0)


def test_drop_intervals_render(rows):
    res = aggregate(rows, ["en", "zh", "fr"])
    head, cells = drop_interval_rows(res)
    assert head == ["drop en (95 % CI)", "drop zh (95 % CI)"]  # fr has no items: no drop column
    assert [row[0] for row in cells] == ["overall", "en images", "zh images"]
    low, high = res["by_image_text_drop_ci"]["en"]["zh"]
    assert cells[1] == ["en images", "ref", f"{res['by_image_text_drops']['en']['zh']:.1f} [{low:.1f}, {high:.1f}]"]
    text = render_table_markdown(res)
    assert "| rows | drop en (95 % CI) | drop zh (95 % CI) |" in text
    assert "percentile bootstrap over records" in text and "2000 resamples, seed 0" in text
    console = Console(file=io.StringIO(), width=160)
    console.print(render_rich_drop_intervals(res))
    assert "en images" in console.file.getvalue()


def test_convention_comparison_lists_only_groups_that_differ():
    from xtvqa_data.report import comparison_markdown, convention_comparison

    rows = [{"id": "a", "metric": "anls", "source": "docvqa", "score": 0.5, "paper_score": 0.0},
            {"id": "b", "metric": "anls", "source": "docvqa", "score": 1.0, "paper_score": 1.0},
            {"id": "c", "metric": "token_f1", "source": "xpaperqa", "score": 0.4, "paper_score": 0.4}]
    comparison = convention_comparison(rows, "vlmevalkit")
    assert comparison == {"convention": "vlmevalkit",
                          "by_metric": {"anls": {"n": 2, "n_differ": 1, "paper": 0.5, "vlmevalkit": 0.75}},
                          "by_source": {"docvqa": {"n": 2, "n_differ": 1, "paper": 0.5, "vlmevalkit": 0.75}}}
    text = comparison_markdown({"metric_convention": "vlmevalkit", "comparison": comparison})
    assert "| anls | 2 | 1 | 50.0 | 75.0 |" in text and "xpaperqa" not in text
    same = convention_comparison(rows[1:], "lmms-eval")
    assert same["by_metric"] == {} and "No score differs" in comparison_markdown(
        {"metric_convention": "lmms-eval", "comparison": same})
    with pytest.raises(ValueError, match="no paper_score"):
        convention_comparison([{"id": "x", "metric": "anls", "source": "s", "score": 1.0}], "lmms-eval")
    with pytest.raises(ValueError, match="choose one of"):
        convention_comparison(rows, "lmms")
