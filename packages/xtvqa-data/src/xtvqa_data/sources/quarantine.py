"""The quarantine: where converters put source records they cannot turn into valid `Record`s.

DESIGN.md section 8: a converter never stops on one bad record and never drops one silently.
Each rejected record becomes one JSON line `{"id", "field", "reason", "source", "split"}`,
appended (and flushed) as it is found, so a crash mid-conversion still leaves the report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class QuarantineEntry:
    """One rejected source record: its id, the offending field and why."""

    id: str
    field: str
    reason: str


class Quarantine:
    """Collects rejected records in memory and, if `path` is given, in a JSONL side file."""

    def __init__(self, path: str | Path | None, *, source: str, split: str):
        self.path = Path(path) if path is not None else None
        self.source, self.split = source, split
        self.entries: list[QuarantineEntry] = []
        self._file: IO[str] | None = None
        if self.path is not None and self.path.exists():
            self.path.unlink()  # a new pass reports afresh; stale lines would double-count

    def add(self, record_id: str, field: str, reason: str) -> None:
        entry = QuarantineEntry(record_id, field, reason)
        self.entries.append(entry)
        if self.path is None:
            return
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        line = {"id": record_id, "field": field, "reason": reason, "source": self.source, "split": self.split}
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def by_field(self) -> Counter[str]:
        """How many records were rejected for each field (`image`, `answers`, `question`, ...)."""
        return Counter(entry.field for entry in self.entries)


def read_quarantine(path: str | Path) -> list[QuarantineEntry]:
    """Entries of a quarantine JSONL file written by a converter."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            entries.append(QuarantineEntry(row["id"], row["field"], row["reason"]))
    return entries
