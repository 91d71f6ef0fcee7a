"""xtvqa-data: the XT-VQA record schema, storage, source converters, metrics and generator.

Storage names (`load`, `save`, `RecordDataset`, `FEATURES`, `StorageError`) import Hugging Face
`datasets` (about 2 s) on first use only (PEP 562), so the CLIs and the metrics start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xtvqa_data.images import open_image
from xtvqa_data.record import (
    ISO_639_1,
    EvalItem,
    Record,
    RecordError,
    check_lang,
    check_langs_present,
    iter_items,
)

if TYPE_CHECKING:
    from xtvqa_data.dataset import FEATURES, OutputExistsError, RecordDataset, StorageError
    from xtvqa_data.storage import load, save

_LAZY = {
    "FEATURES": "xtvqa_data.dataset",
    "OutputExistsError": "xtvqa_data.dataset",
    "RecordDataset": "xtvqa_data.dataset",
    "StorageError": "xtvqa_data.dataset",
    "load": "xtvqa_data.storage",
    "save": "xtvqa_data.storage",
}

__all__ = [
    "FEATURES",
    "ISO_639_1",
    "EvalItem",
    "OutputExistsError",
    "Record",
    "RecordDataset",
    "RecordError",
    "StorageError",
    "check_lang",
    "check_langs_present",
    "iter_items",
    "load",
    "open_image",
    "save",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'xtvqa_data' has no attribute {name!r}")
