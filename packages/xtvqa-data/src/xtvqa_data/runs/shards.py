"""Sharding items across processes (`accelerate launch`) and merging their outputs.

Strided shards: rank r of W takes items r, r + W, r + 2W, ... Items come record-major and
grouped by source, so contiguous blocks would hand one rank all of a slow source (long document
answers) while another idles; striding spreads every source over all ranks. Each rank appends
to its own JSONL file; `merge_shards` joins them into one file in the original item order,
one row per key.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any, TypeVar

from xtvqa_data.runs.jsonl import Row, read_jsonl, row_key
from xtvqa_data.runs.meta import atomic_write_text

T = TypeVar("T")


def shard(items: Sequence[T], rank: int, world_size: int) -> list[T]:
    """The items of process `rank` among `world_size`: `items[rank::world_size]`."""
    if world_size < 1:
        raise ValueError(f"world_size must be >= 1, got {world_size}")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    return list(items)[rank::world_size]


def merge_rows(
    shards: Iterable[Sequence[Row]],
    *,
    order: Sequence[str] | None = None,
    key: Callable[[Mapping[str, Any]], str] = row_key,
) -> list[Row]:
    """One row per key from several shards' rows, in `order` (else first appearance).

    Reading the shards round-robin makes "first appearance" the original order for shards
    produced by `shard`. A key seen twice keeps its last row (a retried item's newer line).
    With `order`, a row whose key is not in it raises: it belongs to another item list.
    """
    latest: dict[str, Row] = {}
    for group in zip_longest(*shards):
        for row in group:
            if row is not None:
                latest[key(row)] = row  # re-assigning keeps the key's first insertion position
    if order is None:
        return list(latest.values())
    position = {k: i for i, k in enumerate(order)}
    unknown = [k for k in latest if k not in position]
    if unknown:
        raise ValueError(
            f"{len(unknown)} row(s) are not items of this run (first: {unknown[0]!r}); "
            "the shards come from a run with other data, languages or --limit"
        )
    return sorted(latest.values(), key=lambda row: position[key(row)])


def merge_shards(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    order: Sequence[str] | None = None,
    key: Callable[[Mapping[str, Any]], str] = row_key,
) -> list[Row]:
    """Merge per-rank JSONL files into `out` (written atomically); return the merged rows.

    `order`: the item keys in their original order (`[item.key for item in items]`); without
    it the rows are interleaved back as `shard` dealt them. A missing shard file raises.
    """
    missing = [str(p) for p in paths if not Path(p).exists()]
    if missing:
        raise FileNotFoundError(f"shard file(s) missing: {', '.join(missing)}; did every rank finish?")
    rows = merge_rows([read_jsonl(p) for p in paths], order=order, key=key)
    atomic_write_text(out, "".join(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n" for row in rows))
    return rows
