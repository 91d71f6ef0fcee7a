"""Converters from public text-rich VQA sets to XT-VQA `Record`s (English images and questions).

Each source module has `from_local(path, split)` for the original release files,
`from_hub(hub_id=DEFAULT_HUB_ID, split)` for the commonly used hub copy, and
`candidates_from_rows(rows, split)`, the field mapping both share. Both return a lazy
`Conversion`: iterate it or pass it to `xtvqa_data.save`; bad records go to the quarantine.

    from xtvqa_data import save
    from xtvqa_data.sources import chartqa
    conv = chartqa.from_local("ChartQA Dataset", split="test", quarantine_path="q.jsonl")
    save(conv, "out/chartqa-test")
    print(conv.n_records, conv.n_quarantined)
"""

from __future__ import annotations

from types import ModuleType

from xtvqa_data.sources import chartqa, docvqa, ocrvqa, textvqa
from xtvqa_data.sources.convert import Candidate, Conversion, SourceFormatError, canonical_split
from xtvqa_data.sources.quarantine import Quarantine, QuarantineEntry, read_quarantine

SOURCES: dict[str, ModuleType] = {"chartqa": chartqa, "docvqa": docvqa, "textvqa": textvqa, "ocrvqa": ocrvqa}

__all__ = [
    "SOURCES",
    "Candidate",
    "Conversion",
    "Quarantine",
    "QuarantineEntry",
    "SourceFormatError",
    "canonical_split",
    "chartqa",
    "docvqa",
    "ocrvqa",
    "read_quarantine",
    "textvqa",
]
