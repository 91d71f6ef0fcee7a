"""xtvqa-data: the XT-VQA record schema, storage, source converters, metrics and generator."""

from xtvqa_data.dataset import FEATURES, RecordDataset, StorageError
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
from xtvqa_data.storage import load, save

__all__ = [
    "FEATURES",
    "ISO_639_1",
    "EvalItem",
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
