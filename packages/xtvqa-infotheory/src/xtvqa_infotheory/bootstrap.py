"""Percentile-bootstrap confidence intervals for per-item means (DESIGN.md 5: CIs over items).

Per-language MI, PMI and entropies are means over items whose distribution is skewed, so the
interval comes from resampling items with replacement rather than a normal approximation.
`mean_ci`/`summarize` package the mean with its interval for the analysis tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

import numpy as np

# Resample in blocks of at most this many drawn indices, so n x len(values) never sits in memory.
_BLOCK = 1 << 22


def _as_values(values: Iterable[float], where: str) -> np.ndarray:
    array = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=np.float64)
    array = array.ravel()
    if array.size == 0:
        raise ValueError(f"{where}: no values (an empty group has no mean)")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(
            f"{where}: value #{int(bad[0])} is {array[bad[0]]} ({bad.size} non-finite in all); "
            "a NaN or inf item must be fixed or excluded explicitly, not averaged"
        )
    return array


def bootstrap_ci(
    values: Iterable[float], level: float = 0.95, n: int = 1000, seed: int | None = 0
) -> tuple[float, float]:
    """(low, high) percentile-bootstrap interval of the mean of `values` at confidence `level`.

    Draws `n` resamples of the items with replacement (numpy Generator seeded by `seed`, so the
    interval is reproducible) and takes the (1-level)/2 and (1+level)/2 quantiles of their
    means. One value gives (value, value). NaN/inf values raise ValueError.
    """
    array = _as_values(values, "bootstrap_ci")
    if not 0.0 < level < 1.0:
        raise ValueError(f"bootstrap_ci: level must be in (0, 1), got {level!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"bootstrap_ci: n (resamples) must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    size = array.size
    means = np.empty(n, dtype=np.float64)
    per_block = max(1, _BLOCK // size)
    for start in range(0, n, per_block):
        stop = min(n, start + per_block)
        idx = rng.integers(0, size, size=(stop - start, size))  # [block, items]
        means[start:stop] = array[idx].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class MeanCI:
    """A mean over n items with its bootstrap interval [low, high] at `level`."""

    mean: float
    low: float
    high: float
    n: int
    level: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def mean_ci(
    values: Iterable[float], level: float = 0.95, n: int = 1000, seed: int | None = 0
) -> MeanCI:
    """Mean of `values` with its percentile-bootstrap interval (see `bootstrap_ci`)."""
    array = _as_values(values, "mean_ci")
    low, high = bootstrap_ci(array, level=level, n=n, seed=seed)
    return MeanCI(float(array.mean()), low, high, int(array.size), level)


def summarize(
    groups: Mapping[str, Iterable[float]], level: float = 0.95, n: int = 1000, seed: int | None = 0
) -> dict[str, MeanCI]:
    """`mean_ci` per group (e.g. per question language), same seed for each; errors name the group."""
    out: dict[str, MeanCI] = {}
    for name, values in groups.items():
        try:
            out[name] = mean_ci(values, level=level, n=n, seed=seed)
        except ValueError as err:
            raise ValueError(f"group {name!r}: {err}") from err
    return out
