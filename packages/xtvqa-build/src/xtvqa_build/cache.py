"""On-disk cache of every LLM and translation response (DESIGN.md section 7).

Building XPaperQA-zh costs tens of thousands of API calls; a crash or a change in a later stage
must not pay for them twice. Every call goes through `ResponseCache`: the key is a SHA-256 of
(backend, model, parameters, request payload), the value the response as JSON. SQLite in WAL
mode lets the worker threads of `LLMClient.map` read and write at once, and every `put` is its
own committed transaction, so a killed process loses at most the calls still in flight.
The file is created at the first `put`, so a run that stops before its first answer (a bad spec,
a missing key) leaves no cache behind.

API keys are never part of a key or a value: backends hash only what determines the answer.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    model TEXT NOT NULL,
    value TEXT NOT NULL,
    created REAL NOT NULL
)
"""


def cache_key(backend: str, model: str, params: dict[str, Any], payload: Any) -> str:
    """SHA-256 over the canonical JSON of everything that determines a response.

    `sort_keys` and fixed separators make the key independent of dict order, so the same
    request always hits the same row across processes and Python versions.
    """
    blob = json.dumps(
        {"backend": backend, "model": model, "params": params, "payload": payload},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """A thread-safe key -> JSON store in one SQLite file (WAL mode).

    One connection per thread (sqlite3 connections must not be shared across threads without
    serialising every call); WAL lets readers proceed while one writer commits.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._ready = False  # the file exists with the schema: opened at once, else at the first put
        self.hits = 0
        self.misses = 0
        if self.path.exists():  # an existing cache is checked now, not in a worker thread mid-run
            self._open(create=False)

    def _open(self, *, create: bool) -> bool:
        """Make sure the file exists with the schema (creating it only with `create`); whether it does."""
        if self._ready:
            return True
        with self._lock:
            if not self._ready:
                if not create and not self.path.exists():
                    return False
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=60.0)
                try:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute(_SCHEMA)
                    conn.commit()
                except sqlite3.DatabaseError as exc:
                    raise ValueError(f"{self.path}: cannot be used as a response cache ({exc}); "
                                     "give another --cache file or move this one away") from exc
                finally:
                    conn.close()
                self._ready = True
        return True

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # timeout: wait for another thread's (or process's) write lock instead of failing.
            conn = sqlite3.connect(self.path, timeout=60.0, check_same_thread=False)
            conn.execute("PRAGMA synchronous=NORMAL")  # durable at each WAL checkpoint; fast
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def get(self, key: str) -> Any | None:
        """The cached value for `key`, or None."""
        row = None
        if self._open(create=False):
            row = self._conn().execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        with self._lock:
            if row is None:
                self.misses += 1
            else:
                self.hits += 1
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any, *, backend: str = "", model: str = "") -> None:
        """Store `value` (JSON-serialisable) under `key`, committed at once (the first put
        creates the file)."""
        self._open(create=True)
        conn = self._conn()
        with conn:  # one transaction per put: a crash keeps everything committed before it
            conn.execute(
                "INSERT OR REPLACE INTO responses (key, backend, model, value, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, backend, model, json.dumps(value, ensure_ascii=False), time.time()),
            )

    def __len__(self) -> int:
        if not self._open(create=False):
            return 0
        return self._conn().execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()


class NullCache:
    """A cache that stores nothing (`--no-cache`); same interface as `ResponseCache`."""

    hits = 0
    misses = 0

    def get(self, key: str) -> Any | None:
        return None

    def put(self, key: str, value: Any, *, backend: str = "", model: str = "") -> None:
        return None

    def close(self) -> None:
        return None
