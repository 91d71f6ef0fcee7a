"""Fixtures for xtvqa-build tests: PDFs made on the fly (English and Chinese text, PyMuPDF's
built-in CJK font) and the fake OpenAI / Gemini HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pymupdf
import pytest
from xtvqa_build.fake_server import FakeLLMServer


def make_pdf(path: Path, pages: Sequence[Sequence[str]], *, width: float = 420, height: float = 300,
             fontsize: float = 14, fontname: str = "china-s") -> Path:
    """A PDF with one page per entry, each line set in a built-in font: by default the CJK one
    (`china-s`, which also has wide Latin glyphs); `helv` for English pages. Lines are not
    wrapped, so keep them within the page width."""
    doc = pymupdf.open()
    for lines in pages:
        page = doc.new_page(width=width, height=height)
        y = 40.0
        for line in lines:
            page.insert_text((30, y), line, fontsize=fontsize, fontname=fontname)
            y += fontsize * 1.8
    doc.save(path)
    doc.close()
    return path


@pytest.fixture(scope="session")
def pdf_maker() -> Callable[..., Path]:
    """`make_pdf` itself, for module-scoped fixtures."""
    return make_pdf


@pytest.fixture
def pdf_factory(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str, pages: Sequence[Sequence[str]], **kwargs) -> Path:
        return make_pdf(tmp_path / name, pages, **kwargs)

    return factory


@pytest.fixture
def fake_server():
    """`fake_server(responder)` starts a server; all are stopped after the test."""
    servers: list[FakeLLMServer] = []

    def start(responder) -> FakeLLMServer:
        server = FakeLLMServer(responder).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
    errors = [e for server in servers for e in server.errors]
    assert not errors, f"the fake server's responder raised: {errors}"


@pytest.fixture(autouse=True)
def _no_real_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real provider: drop any keys from the environment."""
    for name in ("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
