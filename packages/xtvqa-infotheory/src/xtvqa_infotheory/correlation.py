"""Pearson and Spearman correlation with two-sided p-values, numpy and the stdlib only.

The paper relates accuracy and MI across languages (its Fig. 4). scipy is not a dependency, so
the p-value comes from Student's t with n - 2 degrees of freedom through the regularized
incomplete beta function (Numerical Recipes, 3rd ed., section 6.4: `betai` with the continued
fraction `betacf` evaluated by the modified Lentz method):

    t = r sqrt((n - 2) / (1 - r^2)),   p = I_{df / (df + t^2)}(df / 2, 1 / 2),   df = n - 2

which equals scipy.stats.pearsonr's exact beta-distribution p-value and spearmanr's t
approximation (Spearman's rho is Pearson's r on average ranks, ties included).

How weak n = 8 languages is: the two-sided critical |r| at p = 0.05 is `critical_r(8)` = 0.707,
so only a strong correlation is "significant", and one language can move r a lot. Report r with
its p-value and n, never a bare r.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

_EPS = 1e-15
_TINY = 1e-300
_MAX_ITER = 500


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for I_x(a, b) (NR `betacf`), modified Lentz's method."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITER + 1):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),  # even step d_{2m}
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):  # odd step d_{2m+1}
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) > _TINY else _TINY
            delta = d * c
            h *= delta
        if abs(delta - 1.0) < _EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (a={a}, b={b}, x={x})")


def betainc(a: float, b: float, x: float) -> float:
    """Regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 <= x <= 1 (NR `betai`)."""
    if not (a > 0 and b > 0) or not 0.0 <= x <= 1.0:
        raise ValueError(f"betainc needs a, b > 0 and 0 <= x <= 1, got a={a}, b={b}, x={x}")
    if x in (0.0, 1.0):
        return x
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    # The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
    # I_x(a, b) = 1 - I_{1-x}(b, a) on the other side.
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def r_pvalue(r: float, n: int) -> float:
    """Two-sided p-value of a correlation r from n pairs under H0: rho = 0 (Student t, df n-2)."""
    df = n - 2
    if abs(r) >= 1.0:
        return 0.0
    t2 = r * r * df / (1.0 - r * r)
    return min(1.0, betainc(df / 2.0, 0.5, df / (df + t2)))


def critical_r(n: int, alpha: float = 0.05) -> float:
    """Smallest |r| with two-sided p <= alpha for n pairs (n = 8, alpha 0.05: 0.707)."""
    if n < 3 or not 0 < alpha < 1:
        raise ValueError(f"critical_r needs n >= 3 and 0 < alpha < 1, got n={n}, alpha={alpha}")
    lo, hi = 0.0, 1.0  # p falls monotonically in |r|: bisect
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if r_pvalue(mid, n) <= alpha else (mid, hi)
    return hi


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of their positions (scipy's rankdata 'average')."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])  # first index of each tie run
    ends = np.r_[starts[1:], len(values)]  # one past its last
    run_rank = (starts + ends + 1) / 2.0  # mean of the 1-based positions starts+1 .. ends
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(run_rank, ends - starts)
    return ranks


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    dx, dy = x - x.mean(), y - y.mean()
    r = float(np.dot(dx, dy) / math.sqrt(float(np.dot(dx, dx)) * float(np.dot(dy, dy))))
    return max(-1.0, min(1.0, r))


@dataclass(frozen=True)
class Correlation:
    """Pearson r and Spearman rho with two-sided p-values, from n pairs."""

    pearson_r: float
    pearson_p: float
    spearman_rho: float
    spearman_p: float
    n: int

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def correlation(x, y) -> Correlation:
    """Pearson and Spearman correlation of paired values (e.g. accuracy and MI per language).

    Raises ValueError for fewer than 3 pairs, different lengths, NaN/inf, or a constant input
    (the correlation is undefined then).
    """
    xs, ys = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        raise ValueError(f"correlation: x has {xs.size} values, y has {ys.size}; pass pairs")
    if xs.size < 3:
        raise ValueError(f"correlation needs at least 3 pairs for a p-value, got {xs.size}")
    if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
        raise ValueError("correlation: x or y contains NaN or inf; drop or fix those pairs first")
    for values, name in ((xs, "x"), (ys, "y")):
        if np.ptp(values) == 0:
            raise ValueError(f"correlation: {name} is constant ({values[0]}), so r is undefined")
    n = int(xs.size)
    r = _pearson(xs, ys)
    rho = _pearson(average_ranks(xs), average_ranks(ys))
    return Correlation(r, r_pvalue(r, n), rho, r_pvalue(rho, n), n)
