"""Append-only JSONL that survives `kill -9`: the predictions file of every run folder.

A line counts once its final newline is on disk. The writer appends a whole line, flushes it to
the kernel (so killing the process cannot lose it) and fsyncs it (so a machine crash cannot
either), every line by default. A kill in the middle of a write leaves a last line without its
newline; readers ignore such a tail, and a writer opening the file cuts it off before appending,
so the item is simply redone on `--resume` and appears exactly once. Rows are JSON objects
written with `allow_nan=False`: NaN and infinities are not JSON, so they fail loudly here
rather than in whichever tool reads the file next.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Row = dict[str, Any]


def row_key(row: Mapping[str, Any]) -> str:
    """A row's item key: its `key` field, else `"<id>:<question_lang>"` (as `EvalItem.key`)."""
    if "key" in row:
        return str(row["key"])
    try:
        return f"{row['id']}:{row['question_lang']}"
    except KeyError as error:
        raise ValueError(f"row has no 'key' and no {error.args[0]!r} field to build one from: {dict(row)!r}") from None


def _drop_partial_tail(path: Path) -> int:
    """Cut a last line that has no newline (a write killed midway); return the bytes removed."""
    if not path.exists():
        return 0
    with open(path, "rb+") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        # Walk back in blocks to the last newline; everything after it is the partial line.
        end, block = size, 1 << 16
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            chunk = handle.read(end - start)
            cut = chunk.rfind(b"\n")
            if cut >= 0:
                keep = start + cut + 1
                break
            end = start
        else:
            keep = 0
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
    log.warning("%s: removed a truncated last line (%d bytes) left by an interrupted write", path, size - keep)
    return size - keep


class JsonlWriter:
    """Appends one JSON object per line to `path`; flush per line, fsync every `sync_every` lines.

    Use as a context manager. `write_many` writes a batch and syncs once at its end.
    """

    def __init__(self, path: str | os.PathLike[str], *, sync_every: int = 1):
        if sync_every < 1:
            raise ValueError(f"sync_every must be >= 1, got {sync_every}")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _drop_partial_tail(self.path)
        self._handle = open(self.path, "ab")  # noqa: SIM115 - closed by close() / __exit__
        self._sync_every = sync_every
        self._unsynced = 0

    def _append(self, row: Mapping[str, Any]) -> None:
        if not isinstance(row, Mapping):
            raise TypeError(f"{self.path}: a JSONL row must be a mapping, got {type(row).__name__}")
        line = json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"
        self._handle.write(line.encode("utf-8"))
        self._handle.flush()
        self._unsynced += 1

    def _sync(self) -> None:
        if self._unsynced:
            os.fsync(self._handle.fileno())
            self._unsynced = 0

    def write(self, row: Mapping[str, Any]) -> None:
        self._append(row)
        if self._unsynced >= self._sync_every:
            self._sync()

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self._append(row)
        self._sync()

    def close(self) -> None:
        if not self._handle.closed:
            self._sync()
            self._handle.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[Row]:
    """The rows of a JSONL file, skipping blank lines and a truncated last line.

    A complete line that is not a JSON object raises `ValueError` naming the file and line:
    that is corruption, not an interrupted write.
    """
    path = Path(path)
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                log.warning("%s:%d: ignoring a truncated last line (an interrupted write)", path, number)
                return
            try:
                text = raw.decode("utf-8").strip()
                if not text:
                    continue
                row = json.loads(text)
            except UnicodeDecodeError as error:
                raise ValueError(f"{path}:{number}: not UTF-8 ({error.reason}); the file is damaged") from None
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error.msg}); the file is damaged") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")
            yield row


def read_jsonl(path: str | os.PathLike[str]) -> list[Row]:
    """All rows of a JSONL file (see `iter_jsonl`)."""
    return list(iter_jsonl(path))


def done_keys(
    path: str | os.PathLike[str],
    *,
    key: Callable[[Mapping[str, Any]], str] = row_key,
    include_errors: bool = True,
) -> set[str]:
    """Keys of the items already in `path` (empty when it does not exist), for `--resume`.

    With `include_errors=False`, rows whose `error` field is set do not count as done, so a
    resumed run retries them; the retry's row is appended later and wins in `merge_shards`.
    """
    path = Path(path)
    if not path.exists():
        return set()
    return {key(row) for row in iter_jsonl(path) if include_errors or not row.get("error")}
