"""Seeding and drawing: how record i gets its own random stream.

Record i of `generate(n, seed=s, split=p)` draws everything from
`numpy.random.default_rng([s, crc32(p), i])`: a `SeedSequence` of the three numbers, which
numpy guarantees to give the same stream on every platform and numpy 2.x version. Record i
therefore depends on nothing but (seed, split, index, options): not on other records, the process
or the order of generation, so records can be made in parallel or one at a time (a training
dataset can render record i inside `__getitem__`). Different splits with the same seed get
unrelated streams: a `split="train"` set is disjoint from the bundled `test` sample by seed.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def split_key(split: str) -> int:
    """A stable 32-bit number for a split name (crc32: the same in every process, unlike hash())."""
    return zlib.crc32(split.encode("utf-8"))


def record_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The random stream of record `index` (see the module docstring)."""
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be >= 0, got seed={seed}, index={index}")
    return np.random.default_rng([seed, split_key(split), index])


def pick(rng: np.random.Generator, items: Sequence[T]) -> T:
    """One element, uniformly (works for sequences of dicts, which `rng.choice` would copy)."""
    if not items:
        raise ValueError("cannot pick from an empty sequence")
    return items[int(rng.integers(len(items)))]


def sample(rng: np.random.Generator, items: Sequence[T], k: int) -> list[T]:
    """`k` distinct elements in random order."""
    if k > len(items):
        raise ValueError(f"cannot sample {k} distinct items from {len(items)}")
    return [items[int(i)] for i in rng.choice(len(items), size=k, replace=False)]


def distinct_ints(rng: np.random.Generator, low: int, high: int, k: int) -> list[int]:
    """`k` distinct integers in [low, high), in random order (values a question compares)."""
    return [int(v) + low for v in rng.choice(high - low, size=k, replace=False)]


def jitter(rng: np.random.Generator, amount: float) -> float:
    """A uniform offset in [-amount, amount]."""
    return float(rng.uniform(-amount, amount)) if amount > 0 else 0.0
