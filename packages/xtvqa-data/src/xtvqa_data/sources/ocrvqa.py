"""OCR-VQA (Mishra et al., ICDAR 2019; book covers) -> `Record`s; metric `exact_match`.

Original release (ocr-vqa.github.io): `dataset.json`, a dict keyed by image id:
`{"761183272": {"imageURL": "http://ecx.images-amazon.com/images/I/61Y5cOdHJbL.jpg",
"questions": [...], "answers": [...], "title", "authorName", "genre", "genreID", "split": 1}}`
with split 1 = train, 2 = val, 3 = test; the release's `loadDataset.py` downloads each cover to
`images/<id><extension of imageURL>`. Checked against mmpretrain's `mmpretrain/datasets/ocr_vqa.py`
(`split_dict = {1: 'train', 2: 'val', 3: 'test'}`, `key + splitext(imageURL)[1]`).

Hub (`howard-hou/OCR-VQA`, splits train/validation/test): one row per image with `image`,
`image_id`, `questions`, `answers`, `ocr_tokens`, `title`, `authorName`, `genre`, ...

One record per question: id `ocrvqa-<image id>-<question index>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from xtvqa_data.sources.convert import (
    Candidate,
    Conversion,
    SourceFormatError,
    canonical_split,
    hub_conversion,
    read_json,
)

SOURCE = "ocrvqa"
DEFAULT_HUB_ID = "howard-hou/OCR-VQA"
HUB_SPLITS = {"train": "train", "validation": "validation", "test": "test"}
SPLIT_CODES = {1: "train", 2: "validation", 3: "test"}  # dataset.json's `split`


def candidates_from_rows(rows: Iterable[dict[str, Any]], split: str) -> Iterator[Candidate]:
    """Rows with one image and parallel `questions` / `answers` lists -> one candidate per question.

    A question without an answer at its index yields a candidate with no answers (quarantined);
    nothing is silently skipped.
    """
    for index, row in enumerate(rows):
        image_id = row.get("image_id")
        stem = f"{SOURCE}-{image_id}" if image_id is not None else f"{SOURCE}-{split}-row{index:06d}"
        answers = list(row.get("answers") or [])
        for k, question in enumerate(row.get("questions") or []):
            yield Candidate(
                id=f"{stem}-{k}",
                image=row.get("image"),
                question=question,
                answers=[answers[k]] if k < len(answers) else None,
                ocr_tokens=row.get("ocr_tokens"),
                meta={
                    "original_id": f"{image_id}#{k}",
                    "image_id": image_id,
                    "title": row.get("title"),
                    "author": row.get("authorName"),
                    "genre": row.get("genre"),
                    "original_split": row.get("original_split") or row.get("set_name"),
                },
            )


def _image_path(images: Path, key: str, url: str | None) -> Path:
    """`images/<id><ext of imageURL>` as loadDataset.py names it; another common suffix if absent."""
    suffix = Path(urlparse(url or "").path).suffix or ".jpg"
    path = images / f"{key}{suffix}"
    if not path.exists():
        for other in (".jpg", ".png", ".gif", ".jpeg"):
            if (images / f"{key}{other}").exists():
                return images / f"{key}{other}"
    return path


def from_local(
    path: str | Path, split: str = "test", *, limit: int | None = None, quarantine_path: str | Path | None = None
) -> Conversion:
    """Convert a local copy of the release (`path` holds `dataset.json` and `images/`)."""
    root, canonical = Path(path), canonical_split(split)
    annotations = root / "dataset.json"
    if not annotations.is_file():
        raise SourceFormatError(f"no OCR-VQA annotation file {annotations}")
    if canonical not in SPLIT_CODES.values():
        raise SourceFormatError(f"OCR-VQA has splits train, validation, test; got {split!r}")

    def rows() -> Iterator[dict[str, Any]]:
        content = read_json(annotations)
        if not isinstance(content, dict):
            raise SourceFormatError(f"{annotations}: expected a JSON object keyed by image id")
        for key, entry in content.items():
            if SPLIT_CODES.get(entry.get("split")) != canonical:
                continue
            yield {
                "image_id": key,
                "image": _image_path(root / "images", key, entry.get("imageURL")),
                "questions": entry.get("questions"),
                "answers": entry.get("answers"),
                "title": entry.get("title"),
                "authorName": entry.get("authorName"),
                "genre": entry.get("genre"),
                "original_split": str(entry.get("split")),
            }

    return Conversion(
        SOURCE, canonical, lambda: candidates_from_rows(rows(), canonical),
        origin=str(annotations), quarantine_path=quarantine_path, limit=limit,
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
    """Convert a hub copy (default `howard-hou/OCR-VQA`); downloads when iterated."""
    return hub_conversion(
        SOURCE, lambda rows, _features, canonical: candidates_from_rows(rows, canonical),
        hub_id=hub_id, default_hub_id=DEFAULT_HUB_ID, hub_splits=HUB_SPLITS, split=split,
        config=config, limit=limit, quarantine_path=quarantine_path, streaming=streaming,
        load_kwargs=load_kwargs,
    )
