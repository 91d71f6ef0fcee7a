"""Resumable pipeline stages: each writes its rows (JSONL) and its drops, then a done marker.

A rerun skips every stage whose marker says it finished with the same inputs: the marker holds
a fingerprint of the stage's parameters chained with the digest of the previous stage's output,
so changing a threshold re-runs that stage and whatever its new output changes downstream, and
nothing else. A stage that had transient API failures is marked incomplete and runs again next
time (its successful calls come from the response cache, so only the failures cost anything).
Files are written to a temporary name and renamed, so a kill never leaves half a stage behind;
a done marker that cannot be read all the same (a copy cut short, a full disk) counts as stale:
the stage is computed again, with a warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_data.runs import atomic_write_json


@dataclass
class StageOutput:
    """A stage's result: kept rows, dropped items ({"id", "reason", ...}), completeness."""

    rows: list[dict[str, Any]]
    dropped: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True
    resumed: bool = False  # True when loaded from an earlier run

    def drop_counts(self) -> dict[str, int]:
        return dict(Counter(d["reason"] for d in self.dropped))


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> str:
    """Atomically write rows; return the SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            line = json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n"
            handle.write(line)
            digest.update(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    return digest.hexdigest()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _read_marker(path: Path) -> dict[str, Any]:
    """A done marker's content; {} (stale) with a warning when it cannot be read as a JSON object."""
    try:
        done = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        done = exc
    if isinstance(done, dict):
        return done
    reason = done if isinstance(done, Exception) else f"not a JSON object: {type(done).__name__}"
    warnings.warn(f"{path}: unreadable done marker ({reason}); recomputing the stage", RuntimeWarning,
                  stacklevel=3)
    return {}


class StageStore:
    """Stage files under `root`: `<nn>_<name>.jsonl`, `<nn>_<name>.dropped.jsonl`,
    `<nn>_<name>.done.json`. Stages must be run in pipeline order."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._chain = ""  # digest of the last stage's output, folded into the next fingerprint
        self._index = 0
        self.ran: list[str] = []  # stages computed (not resumed) in this process
        self.incomplete: list[str] = []  # stages with transient failures: a rerun retries them

    def _paths(self, name: str) -> tuple[Path, Path, Path]:
        stem = f"{self._index:02d}_{name}"
        return (self.root / f"{stem}.jsonl", self.root / f"{stem}.dropped.jsonl",
                self.root / f"{stem}.done.json")

    def run(self, name: str, params: dict[str, Any], compute: Callable[[], StageOutput]) -> StageOutput:
        """Load stage `name` if it finished before with the same params and input, else compute."""
        self._index += 1
        rows_path, dropped_path, done_path = self._paths(name)
        fingerprint = hashlib.sha256(json.dumps(
            {"stage": name, "params": params, "input": self._chain}, sort_keys=True, default=str,
        ).encode("utf-8")).hexdigest()
        if done_path.is_file():
            done = _read_marker(done_path)
            if (done.get("fingerprint") == fingerprint and done.get("complete") and done.get("output_digest")
                    and rows_path.is_file()):
                out = StageOutput(read_jsonl(rows_path), read_jsonl(dropped_path), True, resumed=True)
                self._chain = done["output_digest"]
                return out
            done_path.unlink()  # stale: recompute
        out = compute()
        digest = _write_jsonl(rows_path, out.rows)
        _write_jsonl(dropped_path, out.dropped)
        atomic_write_json(done_path, {
            "stage": name, "fingerprint": fingerprint, "output_digest": digest, "complete": out.complete,
            "kept": len(out.rows), "dropped": out.drop_counts(), "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        })
        self._chain = digest
        self.ran.append(name)
        if not out.complete:
            self.incomplete.append(name)
        return out
