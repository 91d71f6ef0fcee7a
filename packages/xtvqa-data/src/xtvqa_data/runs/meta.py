"""What a run folder records to make a number reproducible, and atomic file writes.

`run_metadata()` gathers package versions (importlib.metadata; only those installed), the git
commit of the working tree and whether it had uncommitted changes, the Python version, the
platform and a UTC timestamp. Nothing from the environment is recorded: API keys live there.
`atomic_write_json` / `atomic_write_text` write a temporary file beside the target, fsync it
and rename it over the target, so a reader never sees half a `results.json`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RECORDED_PACKAGES = (
    "xtvqa-data",
    "xtvqa-infotheory",
    "xtvqa-models",
    "xtvqa-train",
    "xtvqa-build",
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "peft",
    "trl",
    "vllm",
    "numpy",
    "pillow",
    "rapidfuzz",
)


def package_versions(names: Iterable[str] = RECORDED_PACKAGES) -> dict[str, str]:
    """`{distribution name: version}` for those of `names` that are installed."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None  # no git binary, or it hung
    return done.stdout.strip() if done.returncode == 0 else None


def git_state(cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """`{"commit": sha or None, "dirty": bool or None}` for the repository containing `cwd`."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    commit = _git(["rev-parse", "HEAD"], where)
    if commit is None:
        return {"commit": None, "dirty": None}
    status = _git(["status", "--porcelain", "--untracked-files=no"], where)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def run_metadata(
    *, cwd: str | os.PathLike[str] | None = None, extra_packages: Iterable[str] = ()
) -> dict[str, Any]:
    """Versions, git state, Python, platform and time of this run (module docstring)."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "packages": package_versions((*RECORDED_PACKAGES, *extra_packages)),
        "git": git_state(cwd),
    }


def current_umask() -> int:
    """The process's file-creation mask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8) to `path` via a fsynced temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # as open() would create it (mkstemp gives 0600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_json(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2) -> Path:
    """Write `obj` as JSON atomically. NaN/inf raise `ValueError` (they are not JSON)."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent, allow_nan=False)
    return atomic_write_text(path, text + "\n")
