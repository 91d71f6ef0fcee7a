"""`RecordDataset`: a `datasets.Dataset` seen as a sequence of `Record`s.

The arrow table stays the storage (memory-mapped, fast column filters, `.hf` for anything
`datasets` does); a `Record` is built per access and its image decoded then, so indexing a
100k-record set costs nothing up front. Column filters (`source=`, `split=`, ...) run on arrow
without touching images; a predicate on `Record`s opens images lazily (header only).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from typing import Any, overload

import datasets
from datasets import Features, List, Value
from datasets import Image as HFImage
from PIL import Image

from xtvqa_data.images import open_image
from xtvqa_data.record import Record, RecordError


class StorageError(ValueError):
    """A dataset folder, shard or split is missing, malformed or truncated; names the file."""


class OutputExistsError(StorageError, FileExistsError):
    """`save` refused to replace what is at its output path (a file, a folder it did not write,
    or any folder with overwrite=False); names the path and what it found. Both a StorageError
    (what the apps catch from `save`) and a FileExistsError."""


FEATURES = Features(
    {
        "id": Value("string"),
        "source": Value("string"),
        "image": HFImage(),
        "image_lang": Value("string"),
        "question": List({"lang": Value("string"), "text": Value("string")}),
        "answers": List({"lang": Value("string"), "texts": List(Value("string"))}),
        "question_type": Value("string"),
        "metric": Value("string"),
        "ocr_tokens": List(Value("string")),
        "split": Value("string"),
        "meta": List({"key": Value("string"), "value": Value("string")}),
    }
)
COLUMNS = tuple(FEATURES)


def row_to_record(row: dict[str, Any], *, verify_image: bool = True) -> Record:
    """Build a `Record` from an arrow row whose image column is undecoded (`{bytes, path}`).

    `verify_image` decodes the pixels once so a corrupt image raises `RecordError` naming the
    record; without it the image is only opened (header parsed), for cheap predicates.
    """
    rid = row.get("id") or "?"
    image = row["image"]
    raw = image.get("bytes") if isinstance(image, dict) else None
    if raw is None:
        where = image.get("path") if isinstance(image, dict) else None
        raise RecordError(rid, "image", f"has no stored bytes (path {where!r}); re-save the dataset with xtvqa_data.save")
    pil = open_image(raw, record_id=rid, lazy=False) if verify_image else Image.open(io.BytesIO(raw))
    return Record(
        id=row["id"],
        source=row["source"],
        image=pil,
        image_lang=row["image_lang"],
        question={q["lang"]: q["text"] for q in row["question"] or ()},
        answers={a["lang"]: a["texts"] for a in row["answers"] or ()},
        question_type=row["question_type"],
        metric=row["metric"],
        ocr_tokens=row["ocr_tokens"],
        split=row["split"],
        meta={m["key"]: m["value"] for m in row["meta"] or ()},
    )


def check_columns(names: Sequence[str], where: str) -> None:
    """Raise `StorageError` if `names` lacks a column of the XT-VQA schema."""
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise StorageError(
            f"{where} is not an XT-VQA dataset (missing columns {missing}); convert a public "
            "source with xtvqa_data.sources (e.g. sources.chartqa.from_hub) and save it"
        )


class RecordDataset(Sequence[Record]):
    """Records backed by a `datasets.Dataset` in the XT-VQA schema (see `FEATURES`).

    `len(ds)`, `ds[i]` (a `Record`, image decoded then), `ds[a:b]` (a `RecordDataset`),
    iteration, `.splits`, `.filter(...)`, `.select(...)`, and `.hf` for the arrow dataset
    (with its images decoded by `datasets` as usual).
    """

    def __init__(self, hf: datasets.Dataset, *, origin: str = "<memory>"):
        check_columns(hf.column_names, origin)
        self.hf = hf
        self.origin = origin
        # Undecoded view: rows carry {bytes, path}, so we decode (and report errors) ourselves.
        self._raw = hf.cast_column("image", HFImage(decode=False))

    def __len__(self) -> int:
        return len(self.hf)

    @overload
    def __getitem__(self, index: int) -> Record: ...
    @overload
    def __getitem__(self, index: slice) -> RecordDataset: ...
    def __getitem__(self, index: int | slice) -> Record | RecordDataset:
        if isinstance(index, slice):
            return self.select(range(len(self))[index])
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"record index {index} out of range for {n} records in {self.origin}")
        return row_to_record(self._raw[index % n])

    def __iter__(self) -> Iterator[Record]:
        for row in self._raw:
            yield row_to_record(row)

    def __repr__(self) -> str:
        return f"RecordDataset({len(self)} records, splits={list(self.splits)}, origin={self.origin!r})"

    @property
    def splits(self) -> tuple[str, ...]:
        """Split names present, in order of first appearance."""
        return tuple(dict.fromkeys(list(self.hf["split"])))

    @property
    def ids(self) -> list[str]:
        """Record ids in order (from the arrow column; no image is decoded)."""
        return list(self.hf["id"])  # a datasets Column -> list

    def select(self, indices: Iterable[int]) -> RecordDataset:
        """The records at `indices`, in that order."""
        return RecordDataset(self.hf.select(list(indices)), origin=self.origin)

    def filter(
        self,
        predicate: Callable[[Record], bool] | None = None,
        **columns: str | Collection[str] | None,
    ) -> RecordDataset:
        """Records matching every column condition and `predicate`.

        Column conditions run on arrow (no image decoded): `source="chartqa"`,
        `split=("validation", "test")`, `image_lang="zh"`, `question_type=None`. A `predicate`
        sees each `Record` with its image opened lazily (decode it only if you must).
        """
        unknown = [c for c in columns if c not in COLUMNS or c in ("image", "question", "answers", "meta", "ocr_tokens")]
        if unknown:
            raise ValueError(f"cannot filter on {unknown}; scalar columns: id, source, image_lang, question_type, metric, split")
        keep = list(range(len(self)))
        for column, wanted in columns.items():
            allowed = {wanted} if wanted is None or isinstance(wanted, str) else set(wanted)
            values = list(self.hf[column])
            keep = [i for i in keep if values[i] in allowed]
        if predicate is not None:
            keep = [i for i in keep if predicate(row_to_record(self._raw[i], verify_image=False))]
        return self.select(keep)
