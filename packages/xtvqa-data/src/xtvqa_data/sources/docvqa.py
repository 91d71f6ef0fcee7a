"""DocVQA (Mathew et al., WACV 2021; RRC task 1) -> `Record`s; metric `anls`.

Original release (rrc.cvc.uab.es/?ch=17): per split a folder with `<split>_v1.0.json` (or
`<split>_v1.0_withQT.json`, which adds `question_types`) and the page images in `documents/`.
The JSON is `{"dataset_name", "dataset_split", "dataset_version", "data": [{"questionId",
"question", "question_types", "image": "documents/xxxx_1.png", "docId", "ucsf_document_id",
"ucsf_document_page_no", "answers", "data_split"}]}`; the test file has no `answers`. Image paths
are relative to the JSON's folder (chu0802/MLLM-playground `src/datasets/vqa/doc_vqa.py` reads
`<root>/<split>_v1.0.json` and `<root>/<split>/<image>`; both layouts are accepted here: an image
is looked up beside the JSON first, then under `<split>/` beside it).

Hub (`lmms-lab/DocVQA`, config `DocVQA`, splits validation/test): the same fields as columns, with
`image` embedded.

Record id: `docvqa-<questionId>`; the multi-label `question_types` go to `meta`.
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

SOURCE = "docvqa"
DEFAULT_HUB_ID = "lmms-lab/DocVQA"
DEFAULT_CONFIG = "DocVQA"
HUB_SPLITS = {"validation": "validation", "test": "test"}
LOCAL_SPLITS = {"train": "train", "validation": "val", "test": "test"}


def candidates_from_rows(rows: Iterable[dict[str, Any]], split: str) -> Iterator[Candidate]:
    """Rows shaped like the release's `data` entries / the hub's columns -> candidates."""
    for index, row in enumerate(rows):
        qid = row.get("questionId")
        types = row.get("question_types")
        yield Candidate(
            id=f"{SOURCE}-{qid}" if qid is not None else f"{SOURCE}-{split}-row{index:06d}",
            image=row.get("image"),
            question=row.get("question"),
            answers=row.get("answers"),
            meta={
                "original_id": qid,
                "doc_id": row.get("docId"),
                "ucsf_document_id": row.get("ucsf_document_id"),
                "ucsf_document_page_no": row.get("ucsf_document_page_no"),
                "question_types": ",".join(types) if isinstance(types, list) else types,
                "original_split": row.get("data_split"),
            },
        )


def _annotation_file(root: Path, token: str) -> Path:
    found = [f for folder in (root, root / token) if folder.is_dir() for f in sorted(folder.glob(f"{token}_v1.0*.json"))]
    if not found:
        raise SourceFormatError(f"no DocVQA annotation file {token}_v1.0*.json in {root} or {root / token}")
    with_types = [f for f in found if "withQT" in f.name]  # a superset: same questions plus types
    return (with_types or found)[0]


def _image_path(file: Path, token: str, image: str) -> Path:
    """The image of an entry: `<json folder>/<image>` (the release), else `<json folder>/<split>/<image>`
    (annotations one level up, as MLLM-playground keeps them); the first when neither exists, so
    the quarantine names the release's location."""
    candidates = [file.parent / image, file.parent / token / image]
    return next((path for path in candidates if path.is_file()), candidates[0])


def from_local(
    path: str | Path, split: str = "validation", *, limit: int | None = None, quarantine_path: str | Path | None = None
) -> Conversion:
    """Convert a local copy of the original release (the folder holding `<split>_v1.0*.json`,
    or its parent)."""
    canonical = canonical_split(split)
    token = LOCAL_SPLITS.get(canonical, split)
    file = _annotation_file(Path(path), token)

    def rows() -> Iterator[dict[str, Any]]:
        content = read_json(file)
        if not isinstance(content, dict) or not isinstance(content.get("data"), list):
            raise SourceFormatError(f"{file}: expected {{'data': [...]}} as in the DocVQA release")
        for entry in content["data"]:
            image = entry.get("image")
            yield {**entry, "image": _image_path(file, token, image) if image else None}

    return Conversion(
        SOURCE, canonical, lambda: candidates_from_rows(rows(), canonical),
        origin=str(file), quarantine_path=quarantine_path, limit=limit,
    )


def from_hub(
    hub_id: str = DEFAULT_HUB_ID,
    split: str = "validation",
    *,
    config: str | None = DEFAULT_CONFIG,
    limit: int | None = None,
    quarantine_path: str | Path | None = None,
    streaming: bool | None = None,
    **load_kwargs: Any,
) -> Conversion:
    """Convert a hub copy (default `lmms-lab/DocVQA`, config `DocVQA`); downloads when iterated."""
    return hub_conversion(
        SOURCE, lambda rows, _features, canonical: candidates_from_rows(rows, canonical),
        hub_id=hub_id, default_hub_id=DEFAULT_HUB_ID, hub_splits=HUB_SPLITS, split=split,
        config=config, limit=limit, quarantine_path=quarantine_path, streaming=streaming,
        load_kwargs=load_kwargs,
    )
