"""TextVQA (Singh et al., CVPR 2019) -> `Record`s; metric `vqa_accuracy` over all 10 answers.

Original release (textvqa.org/dataset, dl.fbaipublicfiles.com/textvqa/): `TextVQA_0.5.1_<split>.json`
(`train`, `val`, `test`) = `{"dataset_type", "dataset_name", "dataset_version", "data": [{"question",
"image_id", "image_classes", "flickr_original_url", "flickr_300k_url", "image_width",
"image_height", "answers" (10, absent in test), "question_tokens", "question_id", "set_name"}]}`;
images `train_images/<image_id>.jpg` (train and val) and `test_images/<image_id>.jpg`; optional
Rosetta OCR `TextVQA_Rosetta_OCR_v0.2_<split>.json` = `{"data": [{"image_id", "ocr_tokens",
"ocr_info": [{"word", "bounding_box"}]}]}`. Checked against mmpretrain's
`mmpretrain/datasets/textvqa.py` (fields, `<image_id>.jpg`, no answers in test) and public
readers of the Rosetta file (`ocr_info[].word`, `bounding_box`).

Hub (`lmms-lab/textvqa`, splits train/validation/test): the same fields as columns, `image`
embedded, `ocr_tokens` per question, `answers` None in test.

All 10 answers are kept, duplicates included: VQA accuracy counts agreeing annotators. A blank
answer cannot be kept (`Record`); it is counted in `meta['dropped_empty_answers']` and still
scored as a vote (metrics/vqa.py, `blank_votes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from xtvqa_data.sources.convert import (
    Candidate,
    Conversion,
    SourceFormatError,
    canonical_split,
    hub_conversion,
    read_json,
)

SOURCE = "textvqa"
DEFAULT_HUB_ID = "lmms-lab/textvqa"
HUB_SPLITS = {"train": "train", "validation": "validation", "test": "test"}
LOCAL_SPLITS = {"train": "train", "validation": "val", "test": "test"}
IMAGE_FOLDERS = {"train": "train_images", "val": "train_images", "test": "test_images"}


def candidates_from_rows(rows: Iterable[dict[str, Any]], split: str) -> Iterator[Candidate]:
    """Rows shaped like the release's `data` entries / the hub's columns -> candidates."""
    for index, row in enumerate(rows):
        qid = row.get("question_id")
        yield Candidate(
            id=f"{SOURCE}-{qid}" if qid is not None else f"{SOURCE}-{split}-row{index:06d}",
            image=row.get("image"),
            question=row.get("question"),
            answers=row.get("answers"),
            ocr_tokens=row.get("ocr_tokens"),
            meta={"original_id": qid, "image_id": row.get("image_id"), "original_split": row.get("set_name")},
        )


def _rosetta_tokens(file: Path) -> dict[str, list[str]]:
    """image_id -> OCR tokens from a Rosetta OCR file (`ocr_tokens`, else `ocr_info[].word`)."""
    content = read_json(file)
    if not isinstance(content, dict) or not isinstance(content.get("data"), list):
        raise SourceFormatError(f"{file}: expected {{'data': [...]}} as in the Rosetta OCR release")
    tokens = {}
    for entry in content["data"]:
        words = entry.get("ocr_tokens")
        if words is None:
            words = [info["word"] for info in entry.get("ocr_info", []) if "word" in info]
        tokens[str(entry.get("image_id"))] = list(words)
    return tokens


def from_local(
    path: str | Path,
    split: str = "validation",
    *,
    limit: int | None = None,
    quarantine_path: str | Path | None = None,
    ocr: bool = True,
) -> Conversion:
    """Convert a local copy of the release (`path` holds the JSON files and image folders).

    With `ocr` and a Rosetta OCR file present, each record gets its image's OCR tokens; an image
    the OCR file does not list gets `ocr_tokens=None` (unknown), not an empty list.
    """
    root, canonical = Path(path), canonical_split(split)
    token = LOCAL_SPLITS.get(canonical, split)
    annotations = root / f"TextVQA_0.5.1_{token}.json"
    if not annotations.is_file():
        raise SourceFormatError(f"no TextVQA annotation file {annotations}")
    images = root / IMAGE_FOLDERS.get(token, f"{token}_images")
    rosetta = root / f"TextVQA_Rosetta_OCR_v0.2_{token}.json"

    def rows() -> Iterator[dict[str, Any]]:
        content = read_json(annotations)
        if not isinstance(content, dict) or not isinstance(content.get("data"), list):
            raise SourceFormatError(f"{annotations}: expected {{'data': [...]}} as in the TextVQA release")
        ocr_tokens = _rosetta_tokens(rosetta) if ocr and rosetta.is_file() else None
        for entry in content["data"]:
            image_id = entry.get("image_id")
            yield {
                **entry,
                "image": images / f"{image_id}.jpg" if image_id else None,
                "ocr_tokens": ocr_tokens.get(str(image_id)) if ocr_tokens is not None else None,
            }

    return Conversion(
        SOURCE, canonical, lambda: candidates_from_rows(rows(), canonical),
        origin=str(annotations), quarantine_path=quarantine_path, limit=limit,
    )


def from_hub(
    hub_id: str = DEFAULT_HUB_ID,
    split: str = "validation",
    *,
    config: str | None = None,
    limit: int | None = None,
    quarantine_path: str | Path | None = None,
    streaming: bool | None = None,
    **load_kwargs: Any,
) -> Conversion:
    """Convert a hub copy (default `lmms-lab/textvqa`); downloads when iterated."""
    return hub_conversion(
        SOURCE, lambda rows, _features, canonical: candidates_from_rows(rows, canonical),
        hub_id=hub_id, default_hub_id=DEFAULT_HUB_ID, hub_splits=HUB_SPLITS, split=split,
        config=config, limit=limit, quarantine_path=quarantine_path, streaming=streaming,
        load_kwargs=load_kwargs,
    )
