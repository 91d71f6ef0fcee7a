"""Run-folder bookkeeping shared by every app (DESIGN.md 8): crash-safe JSONL, resume, shards.

`RunFolder` lays out a run; `JsonlWriter` appends rows so `kill -9` loses at most the line being
written; `read_jsonl` / `done_keys` read them back (ignoring a truncated last line) so `--resume`
does every item exactly once; `shard` / `merge_shards` split items across processes and join the
outputs in the original order; `run_metadata` and `atomic_write_json` record the rest.
"""

from xtvqa_data.runs.folder import (
    CONFIG,
    FIGURE,
    PREDICTIONS,
    RESULTS,
    TABLE,
    RunFolder,
    check_resumable,
)
from xtvqa_data.runs.jsonl import JsonlWriter, Row, done_keys, iter_jsonl, read_jsonl, row_key
from xtvqa_data.runs.meta import (
    atomic_write_json,
    atomic_write_text,
    git_state,
    package_versions,
    run_metadata,
)
from xtvqa_data.runs.shards import merge_rows, merge_shards, shard

__all__ = [
    "CONFIG",
    "FIGURE",
    "PREDICTIONS",
    "RESULTS",
    "TABLE",
    "JsonlWriter",
    "Row",
    "RunFolder",
    "atomic_write_json",
    "atomic_write_text",
    "check_resumable",
    "done_keys",
    "git_state",
    "iter_jsonl",
    "merge_rows",
    "merge_shards",
    "package_versions",
    "read_jsonl",
    "row_key",
    "run_metadata",
    "shard",
]
