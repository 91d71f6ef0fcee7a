"""The tiny-base recipe on a lent GPU in two calls: render the records, then train on them.

A lent machine's minutes are few (15 in all, 10 a call) and a third of one call went to rendering
the 120,000 training records (packages/xtvqa-reader/README.md, "How a lease's minutes go"). So the
recipe runs as two calls on the same warm machine: `fill` renders the records into a cache folder
(`tiny_base.recipe_records`, `records_cache_folder`) that stays on the machine between calls, and
`train` loads them and spends its whole budget preparing and training
(`tiny_base.train_tiny_base` with `time_budget_s`). Both take `--set FIELD=VALUE` for the fields
of `recipes.TinyBase` over `TINY_BASE_CUDA` (the same `--set`s in both calls: the cache folder's
name holds the record count and seed, so a `records` or `seed` that differs renders anew), and
`--smoke` for sizes that run in a minute on a CPU (what the scripts are tested with here).

    python experiments/lease/tiny_base.py fill CACHE [--set F=V ...] [--smoke]
    python experiments/lease/tiny_base.py train OUT --budget S [--records-cache CACHE] [--set F=V ...] [--smoke]

`run.sh` beside this file is what a device call runs (it installs the carried wheels first);
README.md beside it has the plan and what a lease measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import typing
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path

from xtvqa_reader.recipes import TINY_BASE_CUDA, TinyBase

# Sizes for a run of a minute on a CPU: every phase present (a lookup phase too when --set asks
# for one), so the smoke run takes the same code paths as the lease.
SMOKE = {"records": 400, "copy_records": 100, "echo_samples": 200, "tokenizer_records": 200, "epochs": 1,
         "batch_size": 16, "held_out_records": 16, "eval_every": 10, "threads": 1, "data_workers": 1,
         "generate_workers": 2}


def parse_sets(pairs: list[str]) -> dict:
    """`FIELD=VALUE` strings -> TinyBase field values, each converted to its field's annotated
    type (`int | None`: int). `time_budget_s` is `train --budget`'s, not a `--set`."""
    hints = typing.get_type_hints(TinyBase)
    kinds = {f.name: next((a for a in typing.get_args(hints[f.name]) if a is not type(None)), hints[f.name])
             for f in fields(TinyBase) if f.name != "time_budget_s"}
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in kinds:
            raise ValueError(f"--set takes FIELD=VALUE with a field of TinyBase ({', '.join(kinds)}); got {pair!r}")
        kind = kinds[name]
        try:
            out[name] = kind(float(value)) if kind is int and float(value).is_integer() else kind(value)
        except ValueError:
            raise ValueError(f"--set {name}: {value!r} is not a {kind.__name__}") from None
    return out


def lease_recipe(sets: dict, *, smoke: bool = False, budget: float | None = None) -> TinyBase:
    """TINY_BASE_CUDA with (with `smoke`) the smoke sizes, then `sets`, and the time budget; with
    `smoke`, a lookup phase asked for is kept but cut to 200 samples."""
    recipe = replace(TINY_BASE_CUDA, **{**(SMOKE if smoke else {}), **sets}, time_budget_s=budget)
    return replace(recipe, lookup_samples=min(recipe.lookup_samples, 200)) if smoke else recipe


@contextmanager
def printed(label: str):
    """A `recipes.Progress` for a device log: the label, then a line at every tenth done."""
    started, last = time.perf_counter(), [-1]
    print(f"[{time.strftime('%H:%M:%S')}] {label}", flush=True)

    def on_progress(done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth > last[0]:
            last[0] = tenth
            print(f"  {label}: {done}/{total} ({time.perf_counter() - started:.0f} s)", flush=True)

    yield on_progress
    print(f"  {label}: done in {time.perf_counter() - started:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    fill = sub.add_parser("fill", help="render the recipe's training records into CACHE")
    fill.add_argument("cache", type=Path)
    train = sub.add_parser("train", help="train the recipe into OUT, the records loaded from --records-cache")
    train.add_argument("out", type=Path)
    train.add_argument("--budget", type=float, required=True,
                       help="seconds from the recipe's start (loading included) after which training stops")
    train.add_argument("--records-cache", type=Path, default=None)
    for command in (fill, train):
        command.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                             help="a field of xtvqa_reader.recipes.TinyBase over TINY_BASE_CUDA (repeatable)")
        command.add_argument("--smoke", action="store_true", help="tiny sizes: a minute on a CPU")
    args = parser.parse_args(argv)
    try:
        sets = parse_sets(args.set)
    except ValueError as error:
        parser.error(str(error))
    if args.command == "fill":
        from xtvqa_reader.tiny_base import recipe_records

        started = time.perf_counter()
        records, copy_records = recipe_records(lease_recipe(sets, smoke=args.smoke), printed, records_cache=args.cache)
        print(json.dumps({"records": len(records), "copy_records": len(copy_records),
                          "seconds": round(time.perf_counter() - started, 1), "cache": str(args.cache)}))
        return 0
    if args.budget <= 0:
        parser.error(f"--budget must be > 0 seconds, got {args.budget}")
    from xtvqa_reader.tiny_base import train_tiny_base

    out = train_tiny_base(lease_recipe(sets, smoke=args.smoke, budget=args.budget), args.out, printed,
                          records_cache=args.records_cache)
    summary = json.loads((out / "recipe_summary.json").read_text())
    print(json.dumps({key: summary[key] for key in ("global_step", "planned_steps", "stopped_by_time_budget",
                                                    "schedule_followed_the_clock", "records_loaded_from_cache",
                                                    "generate_s", "train_runtime_s", "wall_time_s", "device")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
