"""ChartQA (Masry et al., Findings of ACL 2022) -> `Record`s; metric `relaxed_accuracy`.

Original release (github.com/vis-nlp/ChartQA, folder "ChartQA Dataset"): one folder per split
(`train/`, `val/`, `test/`), each with `<split>_human.json` (ChartQA-H, human-written) and
`<split>_augmented.json` (ChartQA-M, machine-generated), JSON lists of
`{"imgname": "41699051005347.png", "query": "...", "label": "14"}`, and the charts in `png/`.
Checked against the repository README ("split_human ... split_augmented", png/ and tables/
subfolders) and mmpretrain's `mmpretrain/datasets/chartqa.py`, which reads the same files.

Hub (`HuggingFaceM4/ChartQA`, splits train/val/test): columns `image`, `query`, `label` (a list of
strings), `human_or_machine` (ClassLabel human/machine).

ChartQA has no question ids: a record id is `chartqa-<split>-<human|augmented>-<n>`, n counting
questions of that subset in file (or hub) order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xtvqa_data.sources.convert import (
    Candidate,
    Conversion,
    SourceFormatError,
    canonical_split,
    class_label_name,
    hub_conversion,
    read_json,
)

SOURCE = "chartqa"
DEFAULT_HUB_ID = "HuggingFaceM4/ChartQA"
HUB_SPLITS = {"train": "train", "validation": "val", "test": "test"}
LOCAL_SPLITS = {"train": "train", "validation": "val", "test": "test"}
# The release says human/augmented; the hub's ClassLabel says human/machine. We keep the release's.
SUBSETS = {"human": "human", "augmented": "augmented", "machine": "augmented"}


def candidates_from_rows(rows: Iterable[dict[str, Any]], split: str) -> Iterator[Candidate]:
    """Rows shaped like the hub's (image, query, label, human_or_machine) -> candidates."""
    counters: Counter[str] = Counter()
    for row in rows:
        raw_subset = row.get("human_or_machine")
        subset = SUBSETS.get(str(raw_subset), str(raw_subset))
        n = counters[subset]
        counters[subset] += 1
        label = row.get("label")
        yield Candidate(
            id=f"{SOURCE}-{split}-{subset}-{n:05d}",
            image=row.get("image"),
            question=row.get("query"),
            answers=label if isinstance(label, list | tuple) else [label],
            question_type=subset,
            meta={"original_id": f"{subset}:{n}", "imgname": row.get("imgname"), "original_split": row.get("original_split")},
        )


def from_local(
    path: str | Path,
    split: str = "test",
    *,
    limit: int | None = None,
    quarantine_path: str | Path | None = None,
    subsets: tuple[str, ...] = ("human", "augmented"),
) -> Conversion:
    """Convert a local copy of the original release. `path` is the dataset root (holding
    `train/ val/ test/`) or one split folder; `subsets` picks ChartQA-H and/or ChartQA-M."""
    root, canonical = Path(path), canonical_split(split)
    token = LOCAL_SPLITS.get(canonical, split)
    folder = root / token if (root / token).is_dir() else root
    files = [(subset, folder / f"{token}_{subset}.json") for subset in subsets]
    present = [(subset, file) for subset, file in files if file.is_file()]
    if not present:
        expected = ", ".join(str(file) for _, file in files)
        raise SourceFormatError(f"no ChartQA annotation file found; expected {expected}")

    def rows() -> Iterator[dict[str, Any]]:
        for subset, file in present:
            entries = read_json(file)
            if not isinstance(entries, list):
                raise SourceFormatError(f"{file}: expected a JSON list of {{imgname, query, label}}")
            for entry in entries:
                imgname = entry.get("imgname")
                yield {
                    "image": folder / "png" / imgname if imgname else None,
                    "query": entry.get("query"),
                    "label": entry.get("label"),
                    "human_or_machine": subset,
                    "imgname": imgname,
                    "original_split": token,
                }

    return Conversion(
        SOURCE, canonical, lambda: candidates_from_rows(rows(), canonical),
        origin=str(folder), quarantine_path=quarantine_path, limit=limit,
    )


def from_hub(
    hub_id: str = DEFAULT_HUB_ID,
    split: str = "test",
    *,
    config: str | None = None,
    limit: int | None = None,
    quarantine_path: str | Path | None = None,
    streaming: bool | None = None,
    **load_kwargs: Any,
) -> Conversion:
    """Convert a hub copy (default `HuggingFaceM4/ChartQA`); downloads when iterated."""

    def to_candidates(rows: Iterable[dict[str, Any]], features: Any, canonical: str) -> Iterator[Candidate]:
        named = (
            {**row, "human_or_machine": class_label_name(features, "human_or_machine", row.get("human_or_machine"))}
            for row in rows
        )
        return candidates_from_rows(named, canonical)

    return hub_conversion(
        SOURCE, to_candidates, hub_id=hub_id, default_hub_id=DEFAULT_HUB_ID, hub_splits=HUB_SPLITS,
        split=split, config=config, limit=limit, quarantine_path=quarantine_path,
        streaming=streaming, load_kwargs=load_kwargs,
    )
