"""PDF pages for XPaperQA: open with clear errors, render, extract and search text (PyMuPDF).

Both pipelines turn paper pages into record images. A real crawl contains encrypted, truncated
and scanned PDFs; each becomes a `PdfError` naming the file and what to do, which the
pipelines quarantine instead of crashing on.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pymupdf
from PIL import Image


class PdfError(RuntimeError):
    """A PDF that cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def open_pdf(path: str | Path) -> pymupdf.Document:
    """Open a PDF, or raise `PdfError` (missing, corrupt, password-protected, no pages)."""
    path = Path(path)
    if not path.is_file():
        raise PdfError(path, "no such file")
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise PdfError(path, f"corrupt or not a PDF ({exc})") from exc
    # An owner password alone still lets anyone read; only a user password blocks us.
    if doc.needs_pass and not doc.authenticate(""):
        doc.close()
        raise PdfError(path, "encrypted with a password; decrypt it first (e.g. qpdf --decrypt)")
    if doc.page_count == 0:
        doc.close()
        raise PdfError(path, "has no pages")
    return doc


def render_page(page: pymupdf.Page, *, zoom: float = 2.0) -> Image.Image:
    """The page as an RGB image; zoom 2 = 144 dpi (the XPaperQA-en images)."""
    pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)


def normalise_for_search(text: str) -> str:
    """Letters and digits only, NFKC, lower-case.

    PDF text extraction breaks words at line ends ("repre-\\nsentation"), splits ligatures
    ("ﬁ"), and differs from QASPER's text (which came from LaTeX sources via S2ORC) in spacing
    and punctuation; dropping everything but letters and digits makes both sides comparable.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+")
_FLOAT = re.compile(r"^FLOAT SELECTED:\s*")  # QASPER marks table / figure captions this way


def evidence_snippets(evidence: str, *, min_chars: int = 30) -> list[str]:
    """Normalised sentences of an evidence paragraph that are long enough to be specific.

    Searching by sentence (not the whole paragraph) still finds a paragraph that runs over a
    page break; the minimum length keeps "Results." from matching every page.
    """
    evidence = _FLOAT.sub("", evidence.strip())
    snippets = [normalise_for_search(s) for s in _SENTENCE.split(evidence)]
    long_enough = [s for s in snippets if len(s) >= min_chars]
    if long_enough:
        return long_enough
    whole = normalise_for_search(evidence)
    return [whole] if len(whole) >= min_chars // 2 else []


def find_evidence_page(page_texts: list[str], evidences: list[str]) -> int | None:
    """Index of the first page (in page order) whose normalised text contains a snippet of
    any annotator's evidence, or None. `page_texts` must be normalised already."""
    snippets = [s for evidence in evidences for s in evidence_snippets(evidence)]
    for index, page in enumerate(page_texts):
        if any(snippet in page for snippet in snippets):
            return index
    return None
