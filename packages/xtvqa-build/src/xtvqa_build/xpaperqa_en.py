"""XPaperQA-en: QASPER questions grounded on a rendered page of their paper's PDF.

QASPER (Dasigi et al. 2021) is text-only: each question has annotations with an answer
(`extractive_spans`, `free_form_answer`, `yes_no` or `unanswerable`) and `evidence` paragraphs.
The paper kept a question when its evidence could be located on a page of the PDF (1,536 of
5,049) and used that page as the image. We search every annotator's evidence, sentence by
sentence, in each page's extracted text after normalisation (letters and digits only, see
`pdf.normalise_for_search`): this survives hyphenation, ligatures and the spacing differences
between QASPER's LaTeX-derived text and the PDF, where `page.search_for` on raw snippets
does not. The earliest matching page, rendered at zoom 2, is the record's image.

Answer strings follow QASPER's evaluation script: extractive spans joined with ", ",
yes/no as "Yes"/"No", free-form answers as written. Every answerable annotator's answer is an
accepted answer; the question type is that of the first answerable annotation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_data import Record

from xtvqa_build.pdf import (
    PdfError,
    find_evidence_page,
    normalise_for_search,
    open_pdf,
    render_page,
)

DROP_REASONS = ("unanswerable", "no_evidence_text", "no_pdf", "pdf_error", "evidence_not_found")


def answer_and_type(answer: dict[str, Any]) -> tuple[str, str] | None:
    """(question_type, answer text) of one QASPER annotation, None when unanswerable."""
    if answer.get("unanswerable"):
        return None
    spans = [s for s in answer.get("extractive_spans") or [] if s.strip()]
    if spans:
        return "extractive", ", ".join(spans)
    if (answer.get("free_form_answer") or "").strip():
        return "abstractive", answer["free_form_answer"].strip()
    if answer.get("yes_no") is not None:
        return "yes-no", "Yes" if answer["yes_no"] else "No"
    return None


@dataclass
class EnReport:
    questions: int = 0
    kept: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    dropped_items: list[dict[str, str]] = field(default_factory=list)

    def drop(self, question_id: str, paper_id: str, reason: str, detail: str = "") -> None:
        self.dropped[reason] += 1
        self.dropped_items.append({"id": question_id, "paper": paper_id, "reason": reason, "detail": detail})


def load_qasper(path: str | Path) -> dict[str, Any]:
    """A QASPER split file (paper id -> paper with `qas`)."""
    try:
        with Path(path).open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a QASPER file (not JSON: {exc})") from exc
    if not isinstance(data, dict) or not all(isinstance(p, dict) and "qas" in p for p in data.values()):
        raise ValueError(f"{path}: not a QASPER file (expected {{paper_id: {{'qas': [...], ...}}}})")
    return data


def build_records(
    qasper: dict[str, Any], pdf_dir: str | Path, report: EnReport, *, zoom: float = 2.0, split: str = "test",
    progress: Callable[[int], None] | None = None,
) -> Iterator[Record]:
    """Yield XPaperQA-en records paper by paper (streamed: page images are large), filling
    `report` with kept / dropped counts as it goes. PDFs are looked up as `<paper_id>.pdf`."""
    pdf_dir = Path(pdf_dir)
    for paper_id, paper in qasper.items():
        questions = []
        for qa in paper["qas"]:
            report.questions += 1
            answers = [a for a in (answer_and_type(ann["answer"]) for ann in qa["answers"]) if a is not None]
            evidence = [e for ann in qa["answers"] if answer_and_type(ann["answer"]) is not None
                        for e in ann["answer"].get("evidence") or [] if e.strip()]
            if not answers:
                report.drop(qa["question_id"], paper_id, "unanswerable")
            elif not evidence:
                report.drop(qa["question_id"], paper_id, "no_evidence_text")
            else:
                questions.append((qa, answers, evidence))
        if questions:
            yield from _paper_records(paper_id, questions, pdf_dir / f"{paper_id}.pdf", report, zoom, split)
        if progress is not None:
            progress(1)


def _paper_records(paper_id: str, questions: list, pdf_path: Path, report: EnReport, zoom: float,
                   split: str) -> Iterator[Record]:
    if not pdf_path.is_file():
        for qa, _, _ in questions:
            report.drop(qa["question_id"], paper_id, "no_pdf", str(pdf_path))
        return
    try:
        doc = open_pdf(pdf_path)
    except PdfError as exc:
        for qa, _, _ in questions:
            report.drop(qa["question_id"], paper_id, "pdf_error", exc.problem)
        return
    with doc:
        page_texts = [normalise_for_search(page.get_text("text")) for page in doc]
        for qa, answers, evidence in questions:
            page_index = find_evidence_page(page_texts, evidence)
            if page_index is None:
                report.drop(qa["question_id"], paper_id, "evidence_not_found")
                continue
            question_type = answers[0][0]
            texts = list(dict.fromkeys(text for _, text in answers))  # dedupe, keep order
            report.kept += 1
            report.by_type[question_type] += 1
            yield Record(
                id=f"xpaperqa-en-{qa['question_id']}", source="xpaperqa-en",
                image=render_page(doc[page_index], zoom=zoom), image_lang="en",
                question={"en": qa["question"].strip()}, answers={"en": texts},
                question_type=question_type, split=split,
                meta={"paper_id": paper_id, "question_id": qa["question_id"], "page": str(page_index + 1)},
            )
