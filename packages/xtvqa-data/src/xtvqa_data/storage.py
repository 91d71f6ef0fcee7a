"""Saving and loading records as a Hugging Face `datasets` parquet dataset (DESIGN.md section 3).

Layout (the hub's own, so a saved folder can be pushed as is)::

    out/README.md                              dataset card, YAML `configs` -> data_files per split
    out/data/<split>-00000-of-00002.parquet    shards, <= max_shard_size each
    out/data/<split>-00001-of-00002.parquet

Each shard carries the `datasets.Features` in its parquet metadata, so plain
`datasets.load_dataset("parquet", data_files=...)` and `load_dataset(out)` see an `Image` column.
Language maps are lists of `{lang, text}` / `{lang, texts}` structs (a struct with one column
per language would be sparse); meta is a list of `{key, value}`.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
from datasets.utils.py_utils import convert_file_size_to_int

from xtvqa_data.card import Counts, render_card
from xtvqa_data.dataset import (
    FEATURES,
    OutputExistsError,
    RecordDataset,
    StorageError,
    check_columns,
)
from xtvqa_data.images import encode_image
from xtvqa_data.record import Record, RecordError
from xtvqa_data.splits import SHARD_NAME, card_header, header_splits, split_files

SCHEMA: pa.Schema = FEATURES.arrow_schema  # carries the `huggingface` features metadata
ROWS_PER_ROW_GROUP = 100  # small row groups: random access and the hub viewer stay fast
_SPLIT_NAME = re.compile(r"\w+(\.\w+)*")  # the hub's rule for split names


def record_to_row(record: Record) -> dict[str, Any]:
    """The arrow row (encoded image bytes, language maps as struct lists) of one record."""
    image_bytes, _ = encode_image(record.image, record_id=record.id)
    return {
        "id": record.id,
        "source": record.source,
        "image": {"bytes": image_bytes, "path": None},
        "image_lang": record.image_lang,
        "question": [{"lang": lang, "text": text} for lang, text in record.question.items()],
        "answers": [{"lang": lang, "texts": list(texts)} for lang, texts in record.answers.items()],
        "question_type": record.question_type,
        "metric": record.metric,
        "ocr_tokens": None if record.ocr_tokens is None else list(record.ocr_tokens),
        "split": record.split,
        "meta": [{"key": key, "value": value} for key, value in record.meta.items()],
    }


class _ShardWriter:
    """Streams one split's rows into numbered temporary shards of bounded size."""

    def __init__(self, folder: Path, split: str, max_bytes: int):
        self.folder, self.split, self.max_bytes = folder, split, max_bytes
        self.paths: list[Path] = []
        self._writer: pq.ParquetWriter | None = None
        self._bytes = 0
        self._rows: list[dict[str, Any]] = []

    def add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= ROWS_PER_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        table = pa.Table.from_pylist(self._rows, schema=SCHEMA)
        self._rows = []
        if self._writer is None:
            path = self.folder / f"{self.split}.part{len(self.paths):05d}.parquet"
            self.paths.append(path)
            self._writer = pq.ParquetWriter(path, SCHEMA)
        self._writer.write_table(table, row_group_size=ROWS_PER_ROW_GROUP)
        self._bytes += table.nbytes
        if self._bytes >= self.max_bytes:  # roll over: the next row group opens a new shard
            self._writer.close()
            self._writer, self._bytes = None, 0

    def close(self) -> list[Path]:
        """Flush, close and rename to `<split>-0000i-of-0000n.parquet`; the final paths."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
        n = len(self.paths)
        final = [p.with_name(f"{self.split}-{i:05d}-of-{n:05d}.parquet") for i, p in enumerate(self.paths)]
        for src, dst in zip(self.paths, final, strict=True):
            src.rename(dst)
        return final


def _saved_card_splits(readme: Path) -> list[str] | None:
    """The splits of a README.md whose YAML header is the one `render_card` writes, else None."""
    header = card_header(readme)
    splits = header_splits(header)
    if splits is None or len(header["configs"]) != 1:
        return None
    config = header["configs"][0]
    if (config.get("config_name") != "default" or "xt-vqa" not in (header.get("tags") or ())
            or any(entry != {"split": entry["split"], "path": f"data/{entry['split']}-*"}
                   for entry in config["data_files"])):
        return None
    return splits


def _foreign_content(path: Path) -> list[str]:
    """What in the existing folder `path` save would not have written; [] when it may be replaced.

    Replaceable: an empty folder, or exactly save's output: README.md with the dataset card's
    YAML header as `render_card` writes it, and data/ holding only `<split>-NNNNN-of-NNNNN.parquet`
    shards of the splits that header lists. A folder that merely looks alike (a project's own
    README and data/raw_export.parquet) is not.
    """
    entries = sorted(p.name for p in path.iterdir())
    if not entries:
        return []
    found = [name for name in entries if name not in ("README.md", "data")]
    readme, data = path / "README.md", path / "data"
    splits = _saved_card_splits(readme) if readme.is_file() else None
    if not readme.exists():
        found.append("no README.md")
    elif splits is None:
        found.append("a README.md without save's dataset-card header")
    if not data.is_dir():
        found.append("no data/ folder" if not data.exists() else "data (not a folder)")
    else:
        for shard in sorted(data.iterdir()):
            match = SHARD_NAME.fullmatch(shard.name)
            if not (shard.is_file() and match and (splits is None or match["split"] in splits)):
                found.append(f"data/{shard.name}")
    return found


def save(
    records: Iterable[Record],
    path: str | os.PathLike[str],
    *,
    card: str | None = None,
    max_shard_size: int | str = "500MB",
    overwrite: bool = True,
) -> Path:
    """Write `records` as a parquet dataset folder at `path`, one set of shards per split.

    Records stream through (a generator is fine; nothing but the counts is held). The folder is
    written under a temporary name and renamed into place at the end, so a crash never leaves
    half a dataset. An existing folder is replaced only if `overwrite` is true and it is empty or
    recognisably `save`'s own output (its dataset card's YAML header, only
    `data/<split>-NNNNN-of-NNNNN.parquet` shards of the card's splits); otherwise, or with
    `overwrite=False`, an `OutputExistsError` (a `StorageError` and a `FileExistsError`) names the folder and what was found there. `card` is
    free text for the dataset card (provenance, licence).
    Raises `RecordError` for a duplicate id or a split name the hub would reject.
    Returns the dataset folder.
    """
    path = Path(path)
    max_bytes = convert_file_size_to_int(max_shard_size)
    if path.exists():
        if not path.is_dir():
            raise OutputExistsError(f"{path} exists and is not a folder; choose another output path")
        if not overwrite:
            raise OutputExistsError(f"{path} exists and overwrite=False; choose a new path or remove it")
        foreign = _foreign_content(path)
        if foreign:
            shown = ", ".join(foreign[:6]) + (f" and {len(foreign) - 6} more" if len(foreign) > 6 else "")
            raise OutputExistsError(
                f"{path} exists and is not a dataset folder written by save (found {shown}); "
                "refusing to replace it (choose a new path or remove it)"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    (tmp / "data").mkdir(parents=True)
    try:
        writers: dict[str, _ShardWriter] = {}
        seen: set[str] = set()
        counts = Counts()
        for record in records:
            if not isinstance(record, Record):
                raise TypeError(f"save() takes Record objects, got {type(record).__name__}")
            if record.id in seen:
                raise RecordError(record.id, "id", "is not unique in the dataset (ids must be unique across splits)")
            if not _SPLIT_NAME.fullmatch(record.split):
                raise RecordError(record.id, "split", f"{record.split!r} is not a valid split name (letters, digits, _ and .)")
            seen.add(record.id)
            counts.add(record)
            if record.split not in writers:
                writers[record.split] = _ShardWriter(tmp / "data", record.split, max_bytes)
            writers[record.split].add(record_to_row(record))
        if not writers:
            raise StorageError(f"no records to save to {path}")
        for writer in writers.values():
            writer.close()
        data_files = {split: f"data/{split}-*" for split in writers}
        (tmp / "README.md").write_text(render_card(counts, data_files, name=path.name, text=card), encoding="utf-8")
        if path.exists():  # swap: old aside, new in, old removed (a crash keeps one of them whole)
            trash = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
            path.rename(trash)
            tmp.rename(path)
            shutil.rmtree(trash)
        else:
            tmp.rename(path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return path


def _local_shards(path: Path) -> dict[str, list[str]]:
    """Shard files of a local dataset folder (or one parquet file) grouped by split (`splits.split_files`),
    each shard's footer read: a truncated or overwritten shard fails here, by name."""
    by_split = split_files(path)
    if not by_split:
        raise StorageError(f"{path} holds no parquet shards (expected {path}/data/<split>-*.parquet)")
    for shard in (f for fs in by_split.values() for f in fs):
        try:
            with pq.ParquetFile(shard) as parquet:
                names = parquet.schema_arrow.names
        except (pa.ArrowInvalid, OSError) as exc:
            raise StorageError(f"parquet shard {shard} is truncated or corrupt ({exc}); re-save or re-download it") from exc
        check_columns(names, shard)
    return by_split


def _unreadable_shard(path: Path) -> str | None:
    """The first shard that fails a full read (a damaged page passes the footer check)."""
    for shard in (f for fs in _local_shards(path).values() for f in fs):
        try:
            pq.read_table(shard)
        except (pa.ArrowInvalid, OSError):
            return shard
    return None


def _refuse_missing_folder(text: str) -> None:
    """A name that can only be a local path (absolute, ./ or ../, or in a folder that exists here,
    like `data/sampel`) and does not exist is a typo, not a hub id: say so at once instead of
    asking the Hub (which retries for half a minute offline)."""
    path = Path(text).expanduser()
    if path.exists():
        return
    local_only = path.is_absolute() or text.startswith((".", "~")) or len(path.parts) > 2
    parent = path.parent
    if not (local_only or (len(path.parts) == 2 and parent.is_dir())):
        return  # "org/name": a hub dataset id
    near = []
    if parent.is_dir():
        near = difflib.get_close_matches(path.name, [p.name for p in parent.iterdir()], n=1)
    hint = f"; did you mean {parent / near[0]}?" if near else ""
    why = f" ({parent}/ is a folder here, so this names a local path)" if parent.is_dir() and not local_only else ""
    raise StorageError(f"no dataset folder {text}{why}{hint}")


def load(
    path_or_hub_id: str | os.PathLike[str],
    split: str | None = None,
    **hub_kwargs: Any,
) -> RecordDataset:
    """Load records saved by `save` from a local folder / parquet file, or from a hub dataset id.

    `split=None` loads every split, concatenated in the order of the card. An unknown split is a
    `StorageError` listing the available ones. `hub_kwargs` (`revision`, `token`, `cache_dir`, ...)
    go to `datasets.load_dataset`. Images are decoded lazily, per record, when it is accessed.
    """
    if hub_kwargs.get("streaming"):
        raise NotImplementedError(
            "not implemented yet: streaming load (a RecordDataset needs random access); stream with "
            "datasets.load_dataset(id, split=..., streaming=True) and build Records per row"
        )
    local = Path(path_or_hub_id)
    _refuse_missing_folder(os.fspath(path_or_hub_id))
    try:
        if local.exists():
            by_split = _local_shards(local)
            if split is not None and split not in by_split:
                raise StorageError(f"{local} has no split {split!r}; available: {', '.join(by_split)}")
            wanted = {split: by_split[split]} if split is not None else by_split
            loaded = datasets.load_dataset("parquet", data_files=wanted, features=FEATURES, **hub_kwargs)
        else:
            try:
                loaded = datasets.load_dataset(str(path_or_hub_id), split=split, **hub_kwargs)
            except ValueError as exc:  # datasets: 'Unknown split "x". Should be one of [...]'
                if "Unknown split" not in str(exc):
                    raise
                raise StorageError(f"{path_or_hub_id} has no split {split!r}: {exc}") from exc
            if split is not None:
                loaded = {split: loaded}
    except datasets.exceptions.DatasetGenerationError as exc:
        culprit = _unreadable_shard(local) if local.exists() else None
        where = f"parquet shard {culprit}" if culprit else str(path_or_hub_id)
        raise StorageError(f"cannot read {where}: {exc.__cause__ or exc}") from exc
    parts = list(loaded.values())
    check_columns(parts[0].column_names, str(path_or_hub_id))
    hf = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
    return RecordDataset(hf, origin=str(path_or_hub_id))
