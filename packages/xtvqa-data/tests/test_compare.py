"""Two runs on the same records: narrowing and source change with paired bootstrap intervals.

Run: uv run pytest packages/xtvqa-data/tests/test_compare.py -q
"""

import random

import numpy as np
import pytest
from xtvqa_data.report import compare_runs, resample_counts
from xtvqa_data.report.aggregate import _group_rng

DROPS = (("en", "zh"), ("zh", "en"))
SOURCES = ("en", "zh")


def run(scores):
    """Prediction rows from {(record index, image language): {question language: score}}."""
    return [{"id": f"r{k}", "source": "synth", "image_lang": g, "question_lang": q, "score": s}
            for (k, g), by_q in scores.items() for q, s in by_q.items()]


def random_scores(seed, n=40, cross_penalty=0.3):
    draw = random.Random(seed)
    out = {}
    for k in range(n):
        g = ("en", "zh")[k % 2]
        other = "zh" if g == "en" else "en"
        out[(k, g)] = {g: float(draw.random() < 0.6), other: float(draw.random() < 0.6 - cross_penalty)}
    return out


def direct(rows, drops=DROPS, sources=SOURCES):
    """Mean drop (points) and source score of rows, computed the plain way."""
    def cell(g, q):
        values = [r["score"] for r in rows if r["image_lang"] == g and r["question_lang"] == q]
        return sum(values) / len(values)
    return (100 * np.mean([cell(g, g) - cell(g, q) for g, q in drops]), np.mean([cell(g, g) for g in sources]))


def test_point_estimates_are_the_plain_cell_differences():
    before, after = run(random_scores(1)), run(random_scores(2, cross_penalty=0.1))
    result = compare_runs(before, after, DROPS, SOURCES, resamples=50)
    (d0, s0), (d1, s1) = direct(before), direct(after)
    assert result["mean_drop"] == {"before": pytest.approx(d0), "after": pytest.approx(d1)}
    assert result["narrowed"] == pytest.approx(1 - d1 / d0)
    assert result["source_change"] == pytest.approx(100 * (s1 - s0))
    assert result["n_records"] == 40


def test_intervals_are_the_paired_bootstrap_of_those_numbers():
    """Against a direct computation: the same draws, each resample's records duplicated in both runs."""
    before, after = run(random_scores(3)), run(random_scores(4, cross_penalty=0.15))
    result = compare_runs(before, after, DROPS, SOURCES, resamples=200, seed=5)
    ids = sorted({r["id"] for r in before})
    narrowed, change = [], []
    for weights in resample_counts(_group_rng(5, "compare"), len(ids), 200):
        for counts in weights:
            picks = {i: int(c) for i, c in zip(ids, counts, strict=True)}
            b = [r for r in before for _ in range(picks[r["id"]])]
            a = [r for r in after for _ in range(picks[r["id"]])]
            (d0, s0), (d1, s1) = direct(b), direct(a)
            if d0 > 0:
                narrowed.append(1 - d1 / d0)
            change.append(100 * (s1 - s0))
    assert result["narrowed_ci"] == pytest.approx(list(np.percentile(narrowed, [2.5, 97.5])))
    assert result["source_change_ci"] == pytest.approx(list(np.percentile(change, [2.5, 97.5])))


def test_a_run_against_itself_changes_nothing_in_any_resample():
    rows = run(random_scores(6))
    result = compare_runs(rows, rows, DROPS, SOURCES, resamples=100)
    assert result["narrowed"] == 0.0 and result["narrowed_ci"] == [0.0, 0.0]
    assert result["source_change"] == 0.0 and result["source_change_ci"] == [0.0, 0.0]


def test_closing_every_gap_is_100_percent_in_every_resample():
    scores = random_scores(7)
    closed = {key: {q: by_q[key[1]] for q in by_q} for key, by_q in scores.items()}  # cross = source, per record
    result = compare_runs(run(scores), run(closed), DROPS, SOURCES, resamples=100)
    assert result["narrowed"] == 1.0 and result["narrowed_ci"] == [1.0, 1.0]
    assert result["source_change_ci"] == [0.0, 0.0]


def test_only_shared_records_count_and_bad_input_is_refused():
    before, after = run(random_scores(8)), run(random_scores(9))
    extra = run({(99, "en"): {"en": 1.0, "zh": 0.0}})
    assert compare_runs(before + extra, after, DROPS, SOURCES, resamples=10)["n_records"] == 40
    with pytest.raises(ValueError, match="no record in common"):
        compare_runs(before, [dict(r, id="other-" + r["id"]) for r in after], DROPS, SOURCES)
    with pytest.raises(ValueError, match="cells"):
        compare_runs(before, [r for r in after if r["image_lang"] != "zh"], DROPS, SOURCES)
    with pytest.raises(ValueError, match="pairs"):
        compare_runs(before, after, [("en", "en")], SOURCES)
    with pytest.raises(ValueError, match="resamples"):
        compare_runs(before, after, DROPS, SOURCES, resamples=0)
