"""Extend a dataset's questions into more languages, checked by back-translation.

The paper (Dataset Construction, "Multilingual Text-rich VQA extension") translated the
questions of four English datasets into Chinese and French with Google Translate, translated
them back, scored original vs back-translation with eq. 1 and corrected the low scorers by
hand. Here: `translate_records` does the first three steps and returns the review rows for
pairs under the threshold; `write_review_csv` / `apply_review` carry a person's corrections
back into the dataset. Answers stay in the image language (DESIGN.md section 7).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from xtvqa_data import Record

from xtvqa_build.similarity import SimilarityScorer
from xtvqa_build.translators import TranslationFailure, Translator

REVIEW_COLUMNS = ("id", "lang", "original", "translation", "back_translation", "score", "flag")


@dataclass
class ReviewRow:
    id: str
    lang: str
    original: str
    translation: str
    back_translation: str
    score: float
    flag: str  # "low_score" for rows the review file carries


@dataclass
class TranslationReport:
    translated: int = 0  # (record, language) pairs added
    flagged: int = 0  # of those, under the threshold
    skipped: int = 0  # pairs that already had the language
    failed: list[tuple[str, str, str]] = field(default_factory=list)  # (id, lang, reason)
    review: list[ReviewRow] = field(default_factory=list)


def translate_records(
    records: Iterable[Record], targets: Sequence[str], translator: Translator, scorer: SimilarityScorer,
    report: TranslationReport, *, threshold: float | None = None, chunk_size: int = 64,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Record]:
    """Yield each record with its image-language question translated into every target.

    Records stream through in chunks (images are large). Per pair: forward translation,
    back-translation into the image language, score between the original and the
    back-translation (eq. 1 or the scorer's stand-in). The record gains `question[target]`; its
    meta records `translation.<lang>.backend`, `.scorer`, `.score` and `.flag` ("review" under
    the threshold, else "ok"). A failed translation leaves the record without that language and
    is reported in `report.failed`. `progress(n)` is called after each chunk of n records.
    """
    threshold = scorer.default_threshold if threshold is None else threshold
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == chunk_size:
            yield from _translate_chunk(chunk, targets, translator, scorer, threshold, report)
            if progress is not None:
                progress(len(chunk))
            chunk = []
    if chunk:
        yield from _translate_chunk(chunk, targets, translator, scorer, threshold, report)
        if progress is not None:
            progress(len(chunk))


def _translate_chunk(chunk: list[Record], targets: Sequence[str], translator: Translator,
                     scorer: SimilarityScorer, threshold: float, report: TranslationReport) -> list[Record]:
    out = list(chunk)
    for target in targets:
        todo = [(i, r) for i, r in enumerate(out) if target not in r.question]
        report.skipped += len(out) - len(todo)
        for source in sorted({r.image_lang for _, r in todo}):
            group = [(i, r) for i, r in todo if r.image_lang == source]
            originals = [r.question[source] for _, r in group]
            forward = translator.try_translate(originals, source, target)
            ok = [k for k, t in enumerate(forward) if not isinstance(t, TranslationFailure)]
            backward = translator.try_translate([forward[k] for k in ok], target, source)
            for k, t in enumerate(forward):
                if isinstance(t, TranslationFailure):
                    report.failed.append((group[k][1].id, target, t.reason))
            pairs = []
            for k, back in zip(ok, backward, strict=True):
                if isinstance(back, TranslationFailure):
                    report.failed.append((group[k][1].id, target, f"back-translation: {back.reason}"))
                else:
                    pairs.append((k, back))
            scores = scorer.score([originals[k] for k, _ in pairs], [b for _, b in pairs])
            for (k, back), score in zip(pairs, scores, strict=True):
                index, record = group[k]
                flagged = score < threshold
                meta = {**record.meta, f"translation.{target}.backend": translator.name,
                        f"translation.{target}.scorer": scorer.name,
                        f"translation.{target}.score": f"{score:.4f}",
                        f"translation.{target}.flag": "review" if flagged else "ok"}
                out[index] = record.replace(question={**record.question, target: forward[k]}, meta=meta)
                report.translated += 1
                if flagged:
                    report.flagged += 1
                    report.review.append(ReviewRow(record.id, target, originals[k], str(forward[k]),
                                                   back, round(score, 4), "low_score"))
    return out


def write_review_csv(rows: Iterable[ReviewRow], path: str | Path) -> Path:
    """The review file: one row per flagged pair; a person edits the `translation` column."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REVIEW_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))
    return path


def read_review_csv(path: str | Path) -> list[dict[str, str]]:
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:  # -sig: Excel's BOM
        reader = csv.DictReader(handle)
        missing = [c for c in ("id", "lang", "translation") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: review file lacks column(s) {missing}; expected {', '.join(REVIEW_COLUMNS)}")
        return list(reader)


def apply_review(records: Iterable[Record], rows: Sequence[dict[str, str]], counts: dict[str, int], *,
                 source: str = "review") -> Iterator[Record]:
    """Yield records with edited translations merged back (streamed, like `translate_records`).

    Where a row's `translation` differs from the record's question in that language it replaces
    it and `translation.<lang>.flag` becomes "edited"; an unchanged row marks it "reviewed".
    `counts` gains "edited" and "reviewed". A row matching no question, or an empty translation,
    raises ValueError naming the CSV line (after the last record, for unknown rows, so that a
    caller writing the records with `xtvqa_data.save` keeps the old dataset).
    """
    by_key: dict[tuple[str, str], tuple[int, dict[str, str]]] = {}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        by_key[(row["id"], row["lang"])] = (line, row)
    counts.setdefault("edited", 0)
    counts.setdefault("reviewed", 0)
    seen: set[tuple[str, str]] = set()
    for record in records:
        for lang in list(record.question):
            if (record.id, lang) not in by_key:
                continue
            seen.add((record.id, lang))
            line, row = by_key[(record.id, lang)]
            text = row["translation"].strip()
            if not text:
                raise ValueError(f"{source} line {line}: empty translation for {record.id!r} [{lang}]")
            edited = text != record.question[lang]
            counts["edited" if edited else "reviewed"] += 1
            meta = {**record.meta, f"translation.{lang}.flag": "edited" if edited else "reviewed"}
            record = record.replace(question={**record.question, lang: text}, meta=meta)
        yield record
    unknown = [f"line {by_key[k][0]}: {k[0]!r} [{k[1]}]" for k in by_key if k not in seen]
    if unknown:
        raise ValueError(f"{source}: {len(unknown)} row(s) match no question in the dataset: {'; '.join(unknown[:5])}")
