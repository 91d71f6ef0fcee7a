"""`uv run apps/build convert`: a public text-rich VQA set -> an XT-VQA dataset folder."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.table import Table
from xtvqa_data import RecordError, StorageError, save
from xtvqa_data.sources import SOURCES, SourceFormatError

from xtvqa_apps.kit import output, progress_display

_DEFAULT_HUB = "<default>"


@click.command("convert")
@click.argument("source", type=click.Choice(sorted(SOURCES)))
@click.option("--local", "local", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder with the source's original release files (see xtvqa_data.sources.<source>).")
@click.option("--hub", "hub", is_flag=False, flag_value=_DEFAULT_HUB, default=None, metavar="[ID]",
              help="Read from the hub; without ID the usual copy (e.g. HuggingFaceM4/ChartQA). Needs network.")
@click.option("--config", default=None, help="Hub config name (default: the source's, e.g. DocVQA).")
@click.option("--split", required=True, help="train, validation (or val) or test.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output dataset folder (parquet shards + README.md card); replaced atomically.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Read at most N source questions.")
@click.option("--quarantine", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="JSONL file for rejected records (default: <out>.quarantine.jsonl beside the folder).")
def convert(source: str, local: Path | None, hub: str | None, config: str | None, split: str,
            out: Path, limit: int | None, quarantine: Path | None) -> None:
    """Convert SOURCE (chartqa, docvqa, textvqa, ocrvqa) from --local release files or --hub.

    Records get image_lang 'en', the English question and answers, the source's question type
    and provenance in meta. Records that cannot be converted (missing or corrupt image, no
    answer, empty question) go to the quarantine file with the reason; the rest are saved.

    Example: uv run apps/build convert chartqa --local "ChartQA Dataset" --split test --out data/chartqa-test
    """
    if (local is None) == (hub is None):
        raise click.UsageError("give exactly one of --local DIR or --hub [ID]")
    module = SOURCES[source]
    quarantine = quarantine or out.with_name(out.name + ".quarantine.jsonl")
    try:
        if local is not None:
            conversion = module.from_local(local, split, limit=limit, quarantine_path=quarantine)
        else:
            kwargs = {"config": config} if config is not None else {}
            hub_id = module.DEFAULT_HUB_ID if hub == _DEFAULT_HUB else hub
            conversion = module.from_hub(hub_id, split, limit=limit, quarantine_path=quarantine, **kwargs)
        start = time.perf_counter()
        with progress_display(unit="records") as progress:
            task = progress.add_task(f"{source} {conversion.split}", total=limit)

            def tracked():
                for record in conversion:
                    progress.advance(task)
                    yield record

            save(tracked(), out, card=_card_text(source, conversion.origin, conversion.split))
        elapsed = time.perf_counter() - start
    except (SourceFormatError, StorageError, RecordError) as exc:
        raise click.ClickException(str(exc)) from exc
    except (ConnectionError, FileNotFoundError) as exc:  # hub unreachable / offline / unknown id
        raise click.ClickException(f"{exc} (check the hub id and network; HF_HUB_OFFLINE=1 forbids downloads)") from exc
    _summary(source, conversion, out, elapsed)


def _card_text(source: str, origin: str, split: str) -> str:
    return (f"Converted from {source} ({origin}, split {split}) with `uv run apps/build convert`. "
            "Records that could not be converted are listed in the quarantine file written beside "
            "this folder. The source's own licence applies.")


def _summary(source, conversion, out: Path, elapsed: float) -> None:
    table = Table(title=f"convert {source}", show_header=False)
    table.add_row("origin", conversion.origin)
    table.add_row("split", conversion.split)
    table.add_row("records written", str(conversion.n_records))
    table.add_row("quarantined", str(conversion.n_quarantined))
    by_field: dict[str, int] = {}
    for entry in conversion.quarantined:
        by_field[entry.field] = by_field.get(entry.field, 0) + 1
    for field, n in sorted(by_field.items()):
        table.add_row(f"  by field {field}", str(n))
    table.add_row("quarantine file", str(conversion.quarantine_path) if conversion.n_quarantined else "(none written)")
    table.add_row("dataset", str(out))
    table.add_row("time", f"{elapsed:.1f} s ({conversion.n_records / max(elapsed, 1e-9):.1f} records/s)")
    output.print(table)


