"""The dataset card (README.md) written beside the parquet shards.

The YAML header follows the Hugging Face hub's dataset-card convention (`configs` with
`data_files` per split, see https://huggingface.co/docs/hub/datasets-manual-configuration), so a
saved folder can be pushed to the hub as is and `datasets.load_dataset(folder)` finds its splits.
The body gives the counts a reader checks first (records per split, source, image language and
question language), the on-disk schema, and the caller's own text (provenance, licence, seed).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import yaml

from xtvqa_data.record import Record

SCHEMA_DOC = """\
| column | type | meaning |
|---|---|---|
| `id` | string | record id, the same for every language of one item |
| `source` | string | `chartqa`, `docvqa`, `textvqa`, `ocrvqa`, `xpaperqa-en`, `synth-<scenario>`, ... |
| `image` | Image | the text-rich image (original PNG/JPEG bytes where it came from a file) |
| `image_lang` | string | ISO 639-1 code of the text in the image |
| `question` | list of {lang, text} | the question per language |
| `answers` | list of {lang, texts} | accepted answers per language |
| `question_type` | string or null | `extractive`, `abstractive`, `yes-no`, or the source's own |
| `metric` | string or null | overrides the source's default metric |
| `ocr_tokens` | list of string or null | the source's own OCR tokens, where it ships them |
| `split` | string | the split this record belongs to |
| `meta` | list of {key, value} | provenance: original id, generator seed, ... |
"""


@dataclass
class Counts:
    """Counts accumulated while records stream through `save`."""

    splits: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    image_langs: Counter[str] = field(default_factory=Counter)
    question_langs: Counter[str] = field(default_factory=Counter)
    answer_langs: Counter[str] = field(default_factory=Counter)
    cross_lingual_items: int = 0

    def add(self, record: Record) -> None:
        self.splits[record.split] += 1
        self.sources[record.source] += 1
        self.image_langs[record.image_lang] += 1
        self.question_langs.update(list(record.question))
        self.answer_langs.update(list(record.answers))
        self.cross_lingual_items += sum(lang != record.image_lang for lang in record.question)

    @property
    def n_records(self) -> int:
        return sum(self.splits.values())


def _table(title: str, counter: Counter[str], unit: str) -> str:
    rows = "\n".join(f"| `{key}` | {n} |" for key, n in sorted(counter.items()))
    return f"### {title}\n\n| {title.lower()} | {unit} |\n|---|---|\n{rows}\n"


def render_card(counts: Counts, data_files: dict[str, str], *, name: str, text: str | None) -> str:
    """The README.md text: YAML header, caller's text, counts, schema, how to load."""
    langs = sorted(set(counts.image_langs) | set(counts.question_langs) | set(counts.answer_langs))
    header = {
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": split, "path": pattern} for split, pattern in data_files.items()],
            }
        ],
        "language": langs,
        "task_categories": ["visual-question-answering"],
        "tags": ["xt-vqa", "text-rich-vqa", "multilingual"],
        "pretty_name": name,
    }
    text = (text or "").strip()
    title = "" if text.startswith("# ") else f"# {name}\n\n"
    body = [
        f"---\n{yaml.safe_dump(header, sort_keys=False, allow_unicode=True)}---\n",
        f"{title}{text}\n" if text else title,
        "## Contents\n",
        f"{counts.n_records} records, {sum(counts.question_langs.values())} evaluation items "
        f"(record x question language), {counts.cross_lingual_items} of them cross-lingual.\n",
        _table("Split", counts.splits, "records"),
        _table("Source", counts.sources, "records"),
        _table("Image language", counts.image_langs, "records"),
        _table("Question language", counts.question_langs, "questions"),
        _table("Answer language", counts.answer_langs, "answer lists"),
        "## Schema\n",
        SCHEMA_DOC,
        "## Loading\n",
        "```python\nimport xtvqa_data\n\nrecords = xtvqa_data.load(\"path/or/hub-id\", split=None)"
        "  # all splits\nfor item in xtvqa_data.iter_items(records):\n    ...\n```\n\n"
        "Plain `datasets.load_dataset(\"path/or/hub-id\")` reads the same files.\n",
    ]
    return "\n".join(part for part in body if part)
