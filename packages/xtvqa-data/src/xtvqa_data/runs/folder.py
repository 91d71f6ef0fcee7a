"""A run folder (DESIGN.md 8): where every app puts what a paper needs to reproduce a number.

Layout used by `apps/bench` (other apps add their own files beside these):

    predictions.jsonl          one line per item, appended as it goes (`JsonlWriter`)
    predictions.rank<r>.jsonl  one per process under `accelerate launch`, merged at the end
    config.json                the run's settings, checked again on `--resume`
    results.json               scores, drops, config, versions (`atomic_write_json`)
    table.md, scores.png       the Table-1 view and its bar chart
    drops.png, report.html     the drops with their intervals; one page with all of it and every item

`RunFolder.start(path, resume=...)` refuses to append to an earlier run's predictions unless
asked to resume, and `bind_config` refuses to resume with different settings (a resumed run
that changed model or languages would mix two runs in one file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from xtvqa_data.runs.jsonl import JsonlWriter, Row, done_keys, read_jsonl
from xtvqa_data.runs.meta import atomic_write_json, atomic_write_text

PREDICTIONS = "predictions.jsonl"
CONFIG = "config.json"
RESULTS = "results.json"
TABLE = "table.md"
FIGURE = "scores.png"


def check_resumable(path: str | os.PathLike[str]) -> None:
    """FileNotFoundError unless `path` holds a run to resume (its config.json): a mistyped --out
    with --resume must not start a fresh run. The apps call it before loading a model."""
    if not (Path(path) / CONFIG).is_file():
        raise FileNotFoundError(
            f"nothing to resume in {path}: it holds no run ({CONFIG} is missing); check --out, "
            "or drop --resume to start a run there"
        )


class RunFolder:
    """A folder holding one run's outputs; created (with parents) on construction."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise NotADirectoryError(f"run folder {self.path} exists and is not a directory; choose another --out")
        self.path.mkdir(parents=True, exist_ok=True)

    @classmethod
    def start(cls, path: str | os.PathLike[str], *, resume: bool, guarded: tuple[str, ...] = (PREDICTIONS,)) -> RunFolder:
        """Open `path` for a run; without `resume`, refuse a folder that already has output; with
        it, refuse a folder that holds no run (a mistyped --out would start a fresh one)."""
        if resume:
            check_resumable(path)  # before the folder is made
        folder = cls(path)
        if not resume:
            for name in guarded:
                existing = [p for p in (folder.file(name), *folder.path.glob(_shard_glob(name))) if p.exists() and p.stat().st_size]
                if existing:
                    raise FileExistsError(
                        f"{existing[0]} holds output of an earlier run: pass --resume to finish that run, "
                        "or choose another --out"
                    )
        return folder

    def file(self, name: str) -> Path:
        return self.path / name

    @property
    def predictions_path(self) -> Path:
        return self.file(PREDICTIONS)

    @property
    def results_path(self) -> Path:
        return self.file(RESULTS)

    @property
    def table_path(self) -> Path:
        return self.file(TABLE)

    @property
    def figure_path(self) -> Path:
        return self.file(FIGURE)

    def shard_path(self, rank: int, name: str = PREDICTIONS) -> Path:
        """`predictions.rank<r>.jsonl`: the file process `rank` appends to."""
        stem, dot, suffix = name.rpartition(".")
        return self.file(f"{stem}.rank{rank}.{suffix}" if dot else f"{name}.rank{rank}")

    def writer(self, name: str = PREDICTIONS, *, sync_every: int = 1) -> JsonlWriter:
        return JsonlWriter(self.file(name), sync_every=sync_every)

    def read(self, name: str = PREDICTIONS) -> list[Row]:
        return read_jsonl(self.file(name))

    def done_keys(self, name: str = PREDICTIONS, *, include_errors: bool = True) -> set[str]:
        return done_keys(self.file(name), include_errors=include_errors)

    def write_json(self, name: str, obj: Any) -> Path:
        return atomic_write_json(self.file(name), obj)

    def write_text(self, name: str, text: str) -> Path:
        return atomic_write_text(self.file(name), text)

    def bind_config(self, config: Mapping[str, Any], *, resume: bool) -> None:
        """Record `config` in config.json; on resume, raise if it differs from the recorded one.

        Compare only settings that change results (model, data, languages, prompt, seed), not
        ones that do not (batch size, output folder).
        """
        path = self.file(CONFIG)
        normalized = json.loads(json.dumps(config, ensure_ascii=False, allow_nan=False))
        if resume and path.exists():
            recorded = json.loads(path.read_text(encoding="utf-8"))
            changed = sorted(k for k in recorded.keys() | normalized.keys() if recorded.get(k) != normalized.get(k))
            if changed:
                details = "; ".join(f"{k}: {recorded.get(k)!r} -> {normalized.get(k)!r}" for k in changed)
                raise ValueError(f"{self.path}: cannot resume with different settings ({details}); use another --out")
            return
        atomic_write_json(path, normalized)

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"


def _shard_glob(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.rank*.{suffix}" if dot else f"{name}.rank*"
