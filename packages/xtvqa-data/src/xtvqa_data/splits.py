"""A local dataset folder's split names, read from its file names and card alone.

Kept apart from `storage` (which imports `datasets`, seconds) so that an app can refuse a split a
folder lacks before it loads anything: `split_files(folder)` groups the parquet shards
(`data/<split>-00000-of-00001.parquet`) by split, in the order the dataset card lists them.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SHARD_NAME = re.compile(r"(?P<split>\w+(?:\.\w+)*)-\d{5}-of-\d{5}\.parquet")


def card_header(readme: Path) -> dict | None:
    """The YAML header of a dataset card (README.md between its leading `---` lines), or None."""
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if not text.startswith("---"):
        return None
    try:
        header = yaml.safe_load(text.split("---", 2)[1])
    except (yaml.YAMLError, IndexError):
        return None
    return header if isinstance(header, dict) else None


def header_splits(header: dict | None) -> list[str] | None:
    """The split names the header's `configs` lists (save's order), None when it lists none."""
    try:
        return [entry["split"] for entry in header["configs"][0]["data_files"]]
    except (KeyError, IndexError, TypeError):
        return None


def card_splits(path: Path) -> list[str]:
    """Split names in the order the dataset card's YAML `configs` lists them (save's order);
    [] for a hand-written card (the shards' names are used instead)."""
    card = path / "README.md"
    return (header_splits(card_header(card)) or []) if card.is_file() else []


def split_files(path: str | Path) -> dict[str, list[str]]:
    """Shard files of a local dataset folder (or one parquet file) grouped by split; {} when it holds
    none. The files are not opened (`storage.load` checks them)."""
    path = Path(path)
    if path.is_file():
        files = [path]
    else:
        files = sorted((path / "data").glob("*.parquet")) or sorted(path.glob("*.parquet"))
    by_split: dict[str, list[str]] = {split: [] for split in card_splits(path)} if files else {}
    for file in files:
        match = SHARD_NAME.fullmatch(file.name)
        split = match["split"] if match else file.stem
        by_split.setdefault(split, []).append(str(file))
    return {split: shards for split, shards in by_split.items() if shards}
