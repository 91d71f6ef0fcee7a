"""PDF handling (bad files, rendering, evidence search) and OCR on PDFs generated here.

rapidocr runs for real on its bundled ONNX models (no download); paddleocr and tesseract are
checked through their result formats with stand-in engines.
Run: uv run pytest packages/xtvqa-build/tests/test_pdf_ocr.py -q
"""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import numpy as np
import pymupdf
import pytest
from PIL import Image
from xtvqa_build.ocr import (
    ENGINE_ENV,
    RAPIDOCR_ENGINES,
    OcrError,
    OcrToken,
    ocr,
    ocr_lines,
    ocr_tokens,
    rapidocr_engine,
    rapidocr_params,
    reading_order_text,
)
from xtvqa_build.pdf import (
    PdfError,
    evidence_snippets,
    find_evidence_page,
    normalise_for_search,
    open_pdf,
    render_page,
)

ocr_module = importlib.import_module("xtvqa_build.ocr")  # the package re-exports the function `ocr`


def test_bad_pdfs_raise_named_errors(tmp_path, pdf_factory):
    encrypted = tmp_path / "enc.pdf"
    doc = pymupdf.open()
    doc.new_page().insert_text((50, 50), "secret")
    doc.save(encrypted, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    with pytest.raises(PdfError, match=r"enc\.pdf: encrypted"):
        open_pdf(encrypted)
    corrupt = tmp_path / "bad.pdf"
    corrupt.write_bytes(b"%PDF-1.4 this is not a pdf")
    with pytest.raises(PdfError, match=r"bad\.pdf: corrupt"):
        open_pdf(corrupt)
    with pytest.raises(PdfError, match="no such file"):
        open_pdf(tmp_path / "missing.pdf")
    with open_pdf(pdf_factory("ok.pdf", [["hello"]])) as ok:
        assert ok.page_count == 1


def test_render_at_zoom_two_doubles_the_point_size(pdf_factory):
    with open_pdf(pdf_factory("p.pdf", [["hello"]], width=200, height=100)) as doc:
        image = render_page(doc[0], zoom=2.0)
    assert image.size == (400, 200) and image.mode == "RGB"


def test_evidence_search_survives_hyphenation_and_finds_the_first_page(pdf_factory):
    path = pdf_factory("paper.pdf", [
        ["Introduction to the task and some background."],
        ["We train the model with a contrastive repre-", "sentation objective on 10k pairs."],
        ["Again: we train the model with a contrastive representation objective."],
    ], width=1000)
    with open_pdf(path) as doc:
        pages = [normalise_for_search(p.get_text()) for p in doc]
    evidence = "We train the model with a contrastive representation objective on 10k pairs."
    assert find_evidence_page(pages, [evidence]) == 1
    assert find_evidence_page(pages, ["Nothing like this sentence appears anywhere in it."]) is None
    assert find_evidence_page(pages, ["FLOAT SELECTED: Introduction to the task and some background."]) == 0
    assert evidence_snippets("Short.") == []  # too short to be specific: never matches every page


def test_rapidocr_reads_english_and_chinese_offline(pdf_factory):
    path = pdf_factory("zh.pdf", [["Deep learning 2024", "深度学习模型的准确率"]], fontsize=18)
    with open_pdf(path) as doc:
        image = render_page(doc[0], zoom=2.0)
    tokens = ocr(image)
    text = reading_order_text(tokens)
    assert "Deep learning 2024" in text and "深度学习模型的准确率" in text
    assert text.index("Deep") < text.index("深度")
    assert all(0.5 <= t.score <= 1.0 and t.box[0] < t.box[2] and t.box[1] < t.box[3] for t in tokens)
    assert ocr_tokens(image)[:3] == ["Deep", "learning", "2024"]
    assert ocr_lines(image)[0] == "Deep learning 2024"  # what --ocr-tokens hands a model
    assert ocr(Image.new("RGB", (300, 200), "white")) == []  # a page without text is not an error


def test_openvino_and_onnxruntime_both_read_the_page(pdf_factory):
    from rapidocr import RapidOCR

    pages = {"en": ("en.pdf", ["Accuracy 0.71", "Mutual information"], "helv"), "zh": ("zh.pdf", ["跨语言问题的准确率"], "china-s")}
    for name, lines, font in pages.values():
        with open_pdf(pdf_factory(name, [lines], fontsize=16, fontname=font)) as doc:
            image = np.asarray(render_page(doc[0], zoom=2.0).convert("RGB"))
        for engine in RAPIDOCR_ENGINES:
            assert RapidOCR(params=rapidocr_params(engine))(image).txts == tuple(lines), (engine, name)


def test_page_like_images_get_the_page_detection_size():
    assert ocr_module.is_page_like((1240, 1754))  # A4 at 150 dpi
    assert not ocr_module.is_page_like((448, 448))  # the generator's images: enlarged to 736 as before
    assert not ocr_module.is_page_like((800, 3000))  # a long receipt keeps its full detection size
    assert rapidocr_params("onnxruntime", page=True)["Det.limit_side_len"] == 1056
    assert "Det.limit_side_len" not in rapidocr_params("onnxruntime")


def test_engine_choice_follows_the_environment(monkeypatch):
    monkeypatch.setenv(ENGINE_ENV, "onnxruntime")
    assert rapidocr_engine() == "onnxruntime"
    monkeypatch.setenv(ENGINE_ENV, "OpenVINO")
    assert rapidocr_engine() == "openvino"
    monkeypatch.setenv(ENGINE_ENV, "tensorrt")
    with pytest.raises(ValueError, match=r"XTVQA_RAPIDOCR_ENGINE='tensorrt': choose one of openvino, onnxruntime"):
        rapidocr_engine()
    monkeypatch.delenv(ENGINE_ENV)
    monkeypatch.setattr(ocr_module.importlib.util, "find_spec", lambda name: None)
    assert rapidocr_engine() == "onnxruntime"  # OpenVINO missing: the fallback
    with pytest.raises(ValueError, match="unknown rapidocr engine 'cuda'"):
        rapidocr_params("cuda")


def test_engine_failure_becomes_a_page_error(monkeypatch):
    def broken(image):
        raise RuntimeError("onnxruntime exploded")

    monkeypatch.setitem(ocr_module._engines, f"rapidocr:zh:{rapidocr_engine()}", broken)
    with pytest.raises(OcrError, match=r"paper\.pdf page 3: RuntimeError: onnxruntime exploded"):
        ocr(Image.new("RGB", (10, 10)), where="paper.pdf page 3")


def test_paddleocr_and_tesseract_result_formats(monkeypatch):
    class Paddle3:
        def predict(self, array):
            return [{"rec_texts": ["模型"], "rec_scores": [0.9], "rec_polys": [[[1, 2], [9, 2], [9, 8], [1, 8]]]}]

    monkeypatch.setitem(ocr_module._engines, "paddleocr:zh", Paddle3())
    assert ocr(Image.new("RGB", (10, 10)), "paddleocr") == [OcrToken("模型", (1.0, 2.0, 9.0, 8.0), 0.9)]

    fake_tesseract = SimpleNamespace(
        Output=SimpleNamespace(DICT="dict"),
        image_to_data=lambda image, lang, output_type: {
            "text": ["", "Hello", "world"], "conf": [-1, 96, 90.5], "left": [0, 10, 60],
            "top": [0, 5, 5], "width": [0, 40, 45], "height": [0, 12, 12]},
    )
    monkeypatch.setitem(ocr_module._engines, "tesseract:en", fake_tesseract)
    tokens = ocr(Image.new("RGB", (10, 10)), "tesseract", lang="en")
    assert [t.text for t in tokens] == ["Hello", "world"]
    assert tokens[0].box == (10.0, 5.0, 50.0, 17.0) and tokens[1].score == pytest.approx(0.905)


def test_reading_order_groups_lines_left_to_right():
    tokens = [OcrToken("B", (50, 10, 80, 30), 1), OcrToken("C", (0, 50, 30, 70), 1), OcrToken("A", (0, 12, 30, 31), 1)]
    assert reading_order_text(tokens) == "A B\nC"


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="rapidocr, paddleocr, tesseract"):
        ocr(Image.new("RGB", (10, 10)), "easyocr")
