"""XPaperQA-en from a QASPER-format file and PDFs generated here: kept types, pages, drop reasons.

Run: uv run pytest packages/xtvqa-build/tests/test_xpaperqa_en.py -q
"""

from __future__ import annotations

import json

import pytest
from xtvqa_build.xpaperqa_en import EnReport, answer_and_type, build_records, load_qasper
from xtvqa_data import load, save


def annotation(evidence=(), *, spans=(), free="", yes_no=None, unanswerable=False):
    return {"answer": {"unanswerable": unanswerable, "extractive_spans": list(spans), "yes_no": yes_no,
                       "free_form_answer": free, "evidence": list(evidence), "highlighted_evidence": []},
            "annotation_id": "a", "worker_id": "w"}


def qa(qid, question, *answers):
    return {"question": question, "question_id": qid, "answers": list(answers)}


PAGE_1 = "We evaluate on three benchmark datasets for reading comprehension."
PAGE_2 = "The model reaches an F1 score of 71.3 on the test set of the corpus."
PAGE_3 = "In summary the attention heads specialise in syntactic relations."


def test_questions_found_on_pages_and_drops_counted_by_reason(tmp_path, pdf_factory):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    pdf_factory("pdfs/1901.00001.pdf", [[PAGE_1], [PAGE_2], [PAGE_3]], width=600, fontname="helv")
    (pdfs / "1901.00003.pdf").write_bytes(b"%PDF-1.4 broken")
    qasper = {
        "1901.00001": {"title": "T", "abstract": "", "full_text": [], "qas": [
            qa("q1", "What F1 does it reach?", annotation([PAGE_2], spans=["71.3", "F1"])),
            qa("q2", "Is it evaluated on three datasets?", annotation([PAGE_1], yes_no=True)),
            qa("q3", "What do the heads do?",
               annotation(["A paragraph that is nowhere in the PDF at all, really."], free="They specialise."),
               annotation([PAGE_3], free="Syntax.")),
            qa("q4", "Unanswerable?", annotation(unanswerable=True)),
            qa("q5", "No evidence?", annotation([], free="Something.")),
            qa("q6", "Missing evidence?", annotation(["This sentence does not occur in the paper anywhere."], yes_no=False)),
        ]},
        "1901.00002": {"qas": [qa("q7", "No PDF?", annotation([PAGE_1], yes_no=True))]},
        "1901.00003": {"qas": [qa("q8", "Corrupt PDF?", annotation([PAGE_1], yes_no=True))]},
    }
    path = tmp_path / "qasper.json"
    path.write_text(json.dumps(qasper))
    report = EnReport()
    dataset = save(build_records(load_qasper(path), pdfs, report, split="test"), tmp_path / "en")

    assert report.questions == 8 and report.kept == 3
    assert dict(report.dropped) == {"unanswerable": 1, "no_evidence_text": 1, "evidence_not_found": 1,
                                    "no_pdf": 1, "pdf_error": 1}
    assert report.kept + sum(report.dropped.values()) == report.questions
    records = {r.id: r for r in load(dataset)}
    assert set(records) == {"xpaperqa-en-q1", "xpaperqa-en-q2", "xpaperqa-en-q3"}
    q1, q2, q3 = records["xpaperqa-en-q1"], records["xpaperqa-en-q2"], records["xpaperqa-en-q3"]
    assert (q1.question_type, q1.meta["page"], q1.answers["en"]) == ("extractive", "2", ("71.3, F1",))
    assert (q2.question_type, q2.meta["page"], q2.answers["en"]) == ("yes-no", "1", ("Yes",))
    # q3: the first annotator's evidence is not in the PDF; the second's is on page 3.
    assert (q3.question_type, q3.meta["page"], q3.answers["en"]) == ("abstractive", "3", ("They specialise.", "Syntax."))
    assert q1.image.size == (1200, 600) and q1.source == "xpaperqa-en" and q1.image_lang == "en"


def test_answer_types_follow_qasper_fields():
    assert answer_and_type(annotation(spans=["a", "b"])["answer"]) == ("extractive", "a, b")
    assert answer_and_type(annotation(free="x")["answer"]) == ("abstractive", "x")
    assert answer_and_type(annotation(yes_no=False)["answer"]) == ("yes-no", "No")
    assert answer_and_type(annotation(unanswerable=True)["answer"]) is None


def test_a_file_that_is_not_qasper_is_named(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(ValueError, match="not a QASPER file"):
        load_qasper(path)
