"""`uv run apps/build synth`: write a dataset from the procedural multilingual generator."""

from __future__ import annotations

import dataclasses
import shlex
import time
from collections import Counter
from pathlib import Path

import click
import xtvqa_data
from rich.console import Console
from rich.table import Table
from xtvqa_data.synth import IMAGE_LANGS, SCENARIOS, SynthConfig, generate
from xtvqa_data.synth.card import synth_card
from xtvqa_data.synth.generator import resolve_scenarios

from xtvqa_apps.kit import console, progress_display

CONFIG_FIELDS = list(dataclasses.fields(SynthConfig))


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _config_options(command):
    """One click option per SynthConfig field, help text from the field (declared once)."""
    for f in reversed(CONFIG_FIELDS):
        flag = f"--{f.name.replace('_', '-')}"
        if isinstance(f.default, tuple):  # a list of names: comma-separated on the command line
            option = click.option(flag, default=",".join(f.default), help=f.metadata["help"])
        else:
            option = click.option(flag, type=type(f.default), default=f.default, show_default=True, help=f.metadata["help"])
        command = option(command)
    return command


@click.command("synth")
@click.option("--n", "n", type=click.IntRange(min=1), default=200, show_default=True, help="number of records")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="generator seed (record i uses seed, split, i)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="dataset folder to write")
@click.option("--scenarios", default="", help=f"comma-separated, of {','.join(SCENARIOS)} [default: every one that can ask --question-kinds]")
@click.option("--image-langs", default=",".join(IMAGE_LANGS), show_default=True, help="comma-separated image-text languages")
@click.option("--split", default="test", show_default=True, help="split name; a train split is disjoint from test by seed")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="processes rendering in parallel")
@_config_options
def synth(n, seed, out, scenarios, image_langs, split, workers, **options) -> None:
    """Generate N text-rich images with exact questions (8 languages) and answers, and save them
    as a parquet dataset with a dataset card. Deterministic: the same options give byte-identical
    images. Example: uv run apps/build synth --n 200 --seed 0 --out data/sample"""
    options["question_kinds"] = _split_list(options["question_kinds"])
    try:
        config = SynthConfig(**options)
        chosen = resolve_scenarios(_split_list(scenarios) or None, config)
        records = generate(n, seed=seed, scenarios=_split_list(scenarios) or None, image_langs=_split_list(image_langs),
                           split=split, config=config, workers=workers)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    card = synth_card(command=_command(n, seed, out, scenarios, image_langs, split, options), n=n, seed=seed,
                      split=split, scenarios=chosen, image_langs=_split_list(image_langs), config=config)
    counts: Counter[tuple[str, str]] = Counter()
    types: Counter[str] = Counter()
    start = time.perf_counter()
    with progress_display(unit="images") as progress:
        task = progress.add_task("synth", total=n)

        def tracked():
            for record in records:
                counts[(record.source, record.image_lang)] += 1
                types[record.question_type] += 1
                progress.advance(task)
                yield record

        try:
            path = xtvqa_data.save(tracked(), out, card=card)
        except xtvqa_data.StorageError as error:
            raise click.ClickException(str(error)) from error
    elapsed = time.perf_counter() - start
    _summary(console, path, counts, types, n, elapsed)


def _command(n, seed, out, scenarios, image_langs, split, options) -> str:
    """The canonical command line that remakes this dataset (non-default options only)."""
    parts = ["uv", "run", "apps/build", "synth", "--n", str(n), "--seed", str(seed), "--out", str(out)]
    for flag, value, default in (("--scenarios", scenarios, ""), ("--image-langs", image_langs, ",".join(IMAGE_LANGS)),
                                 ("--split", split, "test")):
        if value != default:
            parts += [flag, value]
    for f in CONFIG_FIELDS:
        value = options[f.name]
        if value != f.default:
            parts += [f"--{f.name.replace('_', '-')}", ",".join(value) if isinstance(value, tuple) else str(value)]
    return shlex.join(parts)


def _summary(console: Console, path: Path, counts, types, n: int, elapsed: float) -> None:
    table = Table(title=f"synth: {n} records -> {path}")
    langs = sorted({lang for _, lang in counts})
    table.add_column("source")
    for lang in langs:
        table.add_column(lang, justify="right")
    for source in sorted({s for s, _ in counts}):
        table.add_row(source, *(str(counts[(source, lang)]) for lang in langs))
    console.print(table)
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    console.print(f"question types: {dict(sorted(types.items()))}; {size / 1e6:.2f} MB on disk; "
                  f"{elapsed:.1f} s ({n / elapsed:.1f} images/s)")


