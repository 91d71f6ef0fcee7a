"""OCR behind one function: `ocr(image, backend) -> list[OcrToken]`.

The paper ran PaddleOCR on Chinese paper pages. Backends:
- `rapidocr` (default, offline): PaddleOCR's PP-OCR models as ONNX, shipped inside the rapidocr
  wheel (PP-OCRv6 det/rec + the v2 direction classifier; checked: no download at first use);
  reads Chinese and English; run on OpenVINO where installed, else onnxruntime;
- `paddleocr`: the original, for users who can fetch its models (lazy import);
- `tesseract`: pytesseract + a system tesseract with `chi_sim`/`eng` data (optional).

Any backend failure becomes an `OcrError` naming the page, which the pipeline quarantines.
`ocr_lines` gives the lines the benchmark's `--ocr-tokens` option hands a model (its prompt
config keeps them whole or splits them into words); `ocr_tokens` the word-level tokens.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

BACKENDS = ("rapidocr", "paddleocr", "tesseract")
# rapidocr settings: quiet, and no text-direction classifier, since rendered PDF pages are upright
# (benchmarks/ocr_speed.py: same line accuracy, faster). Photographed pages may want it back.
RAPIDOCR_PARAMS = {"Global.log_level": "warning", "Global.use_cls": False}
# Detection input size. rapidocr enlarges an image whose short side is under 736 px to 736 (the
# generator's 448-px images need that) and leaves larger ones whole: a 150-dpi A4 page is then
# detected at 1240 x 1754. A page-like image (short side over 736, sides within 1.5 of each
# other) is detected with its long side at 1056 px instead (short side ~ 736 on A4), which reads
# the same lines (benchmarks/ocr_speed.py: 100 %) for ~30 % more pages/s. Recognition always
# reads crops of the full-resolution image.
PAGE_DETECTION = {"Det.limit_type": "max", "Det.limit_side_len": 1056}
DETECTION_SHORT_SIDE = 736
# The inference engine that runs the same bundled ONNX models: OpenVINO where it is installed (a
# dependency of this package; 2.2x the pages/s of onnxruntime on this project's CPU machine,
# benchmarks/ocr_speed.py: 1.84 vs 0.84), else onnxruntime.
# XTVQA_RAPIDOCR_ENGINE=onnxruntime|openvino chooses.
ENGINE_ENV = "XTVQA_RAPIDOCR_ENGINE"
RAPIDOCR_ENGINES = ("openvino", "onnxruntime")
_TESSERACT_LANGS = {"zh": "chi_sim+eng", "en": "eng", "fr": "fra", "de": "deu", "ja": "jpn", "ko": "kor"}


@dataclass(frozen=True)
class OcrToken:
    """One recognised text line or word: text, axis-aligned box (x0, y0, x1, y1) in image
    pixels, and the recogniser's confidence in [0, 1]."""

    text: str
    box: tuple[float, float, float, float]
    score: float


class OcrError(RuntimeError):
    """OCR failed on one page; `where` names it (file and page)."""

    def __init__(self, where: str, problem: str):
        self.where = where
        super().__init__(f"OCR failed on {where}: {problem}")


def _quad_to_box(quad: Any) -> tuple[float, float, float, float]:
    points = np.asarray(quad, dtype=float).reshape(-1, 2)  # [4, 2] corner points
    return (float(points[:, 0].min()), float(points[:, 1].min()),
            float(points[:, 0].max()), float(points[:, 1].max()))


_engines: dict[str, Any] = {}
_engine_lock = threading.Lock()


def is_page_like(size: tuple[int, int]) -> bool:
    """Whether an image of `size` (width, height) gets the page detection size (`PAGE_DETECTION`)."""
    short, long = sorted(size)
    return short > DETECTION_SHORT_SIDE and long <= 1.5 * short


def _engine(backend: str, lang: str, page: bool = False) -> Any:
    """The cached engine; rapidocr has one per (language, inference engine, detection size)."""
    key = f"{backend}:{lang}"
    if backend == "rapidocr":
        engine = rapidocr_engine()
        key += f":{engine}" + (":page" if page else "")
    with _engine_lock:
        if key not in _engines:
            if backend == "rapidocr":
                from rapidocr import RapidOCR

                # Models resolve to the wheel's own `models/` folder (config Global.model_root_dir).
                _engines[key] = RapidOCR(params=rapidocr_params(engine, page=page))
            elif backend == "paddleocr":
                try:
                    from paddleocr import PaddleOCR
                except ImportError as exc:
                    raise ImportError("the paddleocr backend needs `pip install paddleocr paddlepaddle` "
                                      "(its models download on first use); rapidocr runs offline") from exc
                _engines[key] = PaddleOCR(lang="ch" if lang == "zh" else lang)
            elif backend == "tesseract":
                try:
                    import pytesseract
                except ImportError as exc:
                    raise ImportError("the tesseract backend needs `pip install pytesseract` and a "
                                      "tesseract binary with the language data") from exc
                _engines[key] = pytesseract
            else:
                raise ValueError(f"unknown OCR backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        return _engines[key]


def rapidocr_engine() -> str:
    """`openvino` or `onnxruntime`: the environment's choice, else OpenVINO when importable."""
    chosen = os.environ.get(ENGINE_ENV, "").strip().lower()
    if chosen:
        if chosen not in RAPIDOCR_ENGINES:
            raise ValueError(f"{ENGINE_ENV}={chosen!r}: choose one of {', '.join(RAPIDOCR_ENGINES)}")
        return chosen
    return "openvino" if importlib.util.find_spec("openvino") is not None else "onnxruntime"


def rapidocr_params(engine: str | None = None, *, page: bool = False) -> dict[str, Any]:
    """rapidocr's `params` for this package's settings on `engine` (default: `rapidocr_engine()`),
    with `PAGE_DETECTION` when `page`."""
    from rapidocr import EngineType

    engine = engine or rapidocr_engine()
    if engine not in RAPIDOCR_ENGINES:
        raise ValueError(f"unknown rapidocr engine {engine!r}; choose one of {', '.join(RAPIDOCR_ENGINES)}")
    kind = EngineType.OPENVINO if engine == "openvino" else EngineType.ONNXRUNTIME
    return {**RAPIDOCR_PARAMS, **(PAGE_DETECTION if page else {}), "Det.engine_type": kind, "Rec.engine_type": kind,
            "Cls.engine_type": kind}


def _rapidocr(engine: Any, image: Image.Image) -> list[OcrToken]:
    result = engine(np.asarray(image.convert("RGB")))
    if result.txts is None:
        return []  # a page without text: not an error
    return [OcrToken(t, _quad_to_box(b), float(s))
            for t, b, s in zip(result.txts, result.boxes, result.scores, strict=True)]


def _paddleocr(engine: Any, image: Image.Image) -> list[OcrToken]:
    array = np.asarray(image.convert("RGB"))
    if hasattr(engine, "predict"):  # PaddleOCR 3.x: one result dict per image
        tokens = []
        for page in engine.predict(array):
            tokens += [OcrToken(t, _quad_to_box(p), float(s))
                       for t, s, p in zip(page["rec_texts"], page["rec_scores"], page["rec_polys"], strict=True)]
        return tokens
    lines = engine.ocr(array)[0] or []  # PaddleOCR 2.x: [[quad, (text, score)], ...] per image
    return [OcrToken(text, _quad_to_box(quad), float(score)) for quad, (text, score) in lines]


def _tesseract(engine: Any, image: Image.Image, lang: str) -> list[OcrToken]:
    data = engine.image_to_data(image, lang=_TESSERACT_LANGS.get(lang, lang), output_type=engine.Output.DICT)
    tokens = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if text.strip() and conf >= 0:  # conf -1 marks layout rows, not words
            x, y, w, h = (float(data[k][i]) for k in ("left", "top", "width", "height"))
            tokens.append(OcrToken(text, (x, y, x + w, y + h), conf / 100.0))
    return tokens


def ocr(image: Image.Image, backend: str = "rapidocr", *, lang: str = "zh", where: str = "image") -> list[OcrToken]:
    """Recognised text lines (rapidocr, paddleocr) or words (tesseract), in detection order.

    Raises `OcrError` (naming `where`) when the engine fails; ImportError / ValueError for a
    missing or unknown backend.
    """
    engine = _engine(backend, lang, page=backend == "rapidocr" and is_page_like(image.size))
    try:
        if backend == "rapidocr":
            return _rapidocr(engine, image)
        if backend == "paddleocr":
            return _paddleocr(engine, image)
        return _tesseract(engine, image, lang)
    except Exception as exc:  # any engine failure is this page's failure, quarantined upstream
        raise OcrError(where, f"{type(exc).__name__}: {exc}") from exc


def ocr_lines(image: Image.Image, backend: str = "rapidocr", **kwargs: Any) -> list[str]:
    """The text of every recognised line (words for tesseract), in the engine's order: what
    `--ocr-tokens` hands a model, whose prompt config then keeps lines whole or splits them into
    words (`PromptConfig.ocr_granularity`)."""
    return [token.text for token in ocr(image, backend, **kwargs)]


def ocr_tokens(image: Image.Image, backend: str = "rapidocr", **kwargs: Any) -> list[str]:
    """Whitespace-separated tokens of every recognised line (TextVQA-style OCR tokens);
    a Chinese line without spaces stays one token."""
    return [word for token in ocr(image, backend, **kwargs) for word in token.text.split()]


def reading_order_text(tokens: list[OcrToken], *, line_tolerance: float = 0.5) -> str:
    """Page text for an LLM prompt: tokens grouped into lines by vertical overlap, lines top to
    bottom, tokens left to right. Two tokens share a line when their vertical centres differ
    by less than `line_tolerance` x the smaller height."""
    lines: list[list[OcrToken]] = []
    for token in sorted(tokens, key=lambda t: (t.box[1], t.box[0])):
        centre, height = (token.box[1] + token.box[3]) / 2, token.box[3] - token.box[1]
        if lines:
            last = lines[-1][-1]
            last_centre, last_height = (last.box[1] + last.box[3]) / 2, last.box[3] - last.box[1]
            if abs(centre - last_centre) < line_tolerance * min(height, last_height):
                lines[-1].append(token)
                continue
        lines.append([token])
    return "\n".join(" ".join(t.text for t in sorted(line, key=lambda t: t.box[0])) for line in lines)
