"""correlation (numpy-only p-values) against scipy.stats, and bootstrap confidence intervals.

Run: uv run nox -s infotheory -- -k statistics
"""

import numpy as np
import pytest
import scipy.special
import scipy.stats
from xtvqa_infotheory import betainc, bootstrap_ci, correlation, critical_r, mean_ci, summarize
from xtvqa_infotheory.correlation import average_ranks

RNG = np.random.default_rng(0)
CASES = {
    "n3": ([0.1, 0.5, 0.4], [1.0, 3.0, 2.5]),
    "eight-languages": ([71.2, 55.0, 60.3, 58.8, 49.9, 44.1, 40.2, 47.5],
                        [0.91, 0.62, 0.70, 0.75, 0.58, 0.41, 0.30, 0.52]),
    "negative": (np.arange(10.0), -np.arange(10.0) ** 1.5 + RNG.normal(0, 3, 10)),
    "ties": ([1, 2, 2, 3, 3, 3, 4, 5, 5], [2, 1, 4, 4, 3, 6, 5, 5, 9]),
    "ties-both-weak": ([1, 1, 2, 2, 3, 3, 1, 2], [5, 3, 5, 3, 4, 4, 3, 5]),
    "random-50": (RNG.normal(size=50), RNG.normal(size=50)),
    "strong-200": (np.linspace(0, 1, 200), np.linspace(0, 1, 200) + RNG.normal(0, 0.3, 200)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_scipy(case):
    x, y = CASES[case]
    ours = correlation(x, y)
    pearson = scipy.stats.pearsonr(x, y)
    spearman = scipy.stats.spearmanr(x, y)
    assert ours.n == len(x)
    assert ours.pearson_r == pytest.approx(pearson.statistic, abs=1e-6)
    assert ours.pearson_p == pytest.approx(pearson.pvalue, abs=1e-6, rel=1e-6)
    assert ours.spearman_rho == pytest.approx(spearman.statistic, abs=1e-6)
    assert ours.spearman_p == pytest.approx(spearman.pvalue, abs=1e-6, rel=1e-6)


def test_perfect_correlation_has_p_zero():
    c = correlation([1, 2, 3, 4], [2, 4, 6, 8])
    assert c.pearson_r == pytest.approx(1.0) and c.pearson_p == pytest.approx(0.0, abs=1e-12)
    assert c.spearman_rho == 1.0 and c.spearman_p == 0.0
    assert c.as_dict()["n"] == 4


def test_betainc_matches_scipy():
    for a, b in [(0.5, 0.5), (3.0, 0.5), (0.5, 40.0), (25.0, 0.5), (2.5, 7.0)]:
        for x in (1e-8, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0, 0.0):
            assert betainc(a, b, x) == pytest.approx(scipy.special.betainc(a, b, x), abs=1e-12)
    with pytest.raises(ValueError):
        betainc(1.0, 1.0, 1.5)


def test_critical_r_for_eight_languages():
    r8 = critical_r(8)
    t = scipy.stats.t.ppf(0.975, 6)
    assert r8 == pytest.approx(t / np.sqrt(t * t + 6), abs=1e-9)
    assert r8 == pytest.approx(0.707, abs=1e-3)
    assert critical_r(100) < 0.2 < critical_r(10)


def test_average_ranks_match_scipy():
    for values in ([3, 1, 2], [1, 1, 1, 2], [5.0, 2.0, 5.0, 2.0, 9.0, 5.0], RNG.integers(0, 4, 30)):
        np.testing.assert_array_equal(
            average_ranks(np.asarray(values, float)), scipy.stats.rankdata(values)
        )


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [([1, 2], [3, 4], "at least 3"), ([1, 2, 3], [1, 2], "pairs"),
     ([1, 1, 1], [1, 2, 3], "x is constant"), ([1, 2, 3], [5, 5, 5], "y is constant"),
     ([1, np.nan, 3], [1, 2, 3], "NaN")],
)
def test_correlation_bad_input(x, y, match):
    with pytest.raises(ValueError, match=match):
        correlation(x, y)


def test_bootstrap_deterministic_and_sensible():
    values = RNG.normal(2.0, 1.0, size=400)
    low, high = bootstrap_ci(values, seed=3)
    assert (low, high) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=4) != (low, high)
    assert low < values.mean() < high
    # Large n: the percentile interval approaches mean -+ 1.96 sd / sqrt(n).
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    assert (high - low) / 2 == pytest.approx(half, rel=0.1)
    low90, high90 = bootstrap_ci(values, level=0.9, seed=3)
    assert low < low90 < high90 < high
    assert bootstrap_ci([3.5]) == (3.5, 3.5)


def test_bootstrap_agrees_with_scipy_percentile():
    values = RNG.exponential(1.0, size=60)
    ours = bootstrap_ci(values, n=4000, seed=0)
    ref = scipy.stats.bootstrap((values,), np.mean, n_resamples=4000, method="percentile",
                                rng=np.random.default_rng(1)).confidence_interval
    width = ref.high - ref.low
    assert ours[0] == pytest.approx(ref.low, abs=0.05 * width)
    assert ours[1] == pytest.approx(ref.high, abs=0.05 * width)


def test_bootstrap_bad_input():
    with pytest.raises(ValueError, match="NaN or inf"):
        bootstrap_ci([1.0, float("nan")])
    with pytest.raises(ValueError, match="no values"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci([1.0, 2.0], level=95)
    with pytest.raises(ValueError, match="resamples"):
        bootstrap_ci([1.0, 2.0], n=0)


def test_mean_ci_and_summarize():
    ci = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert ci.mean == 2.5 and ci.n == 4 and ci.low <= 2.5 <= ci.high and ci.level == 0.95
    assert str(ci).startswith("2.500 [")
    table = summarize({"en": [1.0, 2.0], "zh": [0.5, 0.7, 0.9]})
    assert list(table) == ["en", "zh"] and table["zh"].mean == pytest.approx(0.7)
    with pytest.raises(ValueError, match="group 'ko'"):
        summarize({"en": [1.0], "ko": [float("nan")]})
