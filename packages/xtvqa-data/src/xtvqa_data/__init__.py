"""xtvqa-data: the XT-VQA record schema, storage, source converters, metrics and generator."""

from xtvqa_data.record import (
    ISO_639_1,
    EvalItem,
    Record,
    RecordError,
    check_lang,
    check_langs_present,
    iter_items,
)

__all__ = [
    "ISO_639_1",
    "EvalItem",
    "Record",
    "RecordError",
    "check_lang",
    "check_langs_present",
    "iter_items",
]
