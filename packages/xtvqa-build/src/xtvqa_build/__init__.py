"""xtvqa-build: dataset construction for XT-VQA (DESIGN.md section 7).

LLM and translation clients with an on-disk response cache, OCR, back-translation scoring,
and the XPaperQA-en / XPaperQA-zh pipelines. Heavy backends (SDKs, transformers) are imported
only when a spec asks for them; see `specs.load_llm` / `specs.load_translator`.
"""

from xtvqa_build.cache import NullCache, ResponseCache, cache_key
from xtvqa_build.llm import (
    LLMClient,
    LLMConfigError,
    LLMFailure,
    LLMReply,
    LLMRequest,
    LLMResult,
    Quarantine,
    RequestRejected,
    TransientAPIError,
)
from xtvqa_build.ocr import OcrError, OcrToken, ocr, ocr_tokens
from xtvqa_build.similarity import bertscore_f1, load_scorer
from xtvqa_build.specs import load_llm, load_translator, parse_spec
from xtvqa_build.translators import TranslationError, TranslationFailure, Translator

__all__ = [
    "LLMClient",
    "LLMConfigError",
    "LLMFailure",
    "LLMReply",
    "LLMRequest",
    "LLMResult",
    "NullCache",
    "OcrError",
    "OcrToken",
    "Quarantine",
    "RequestRejected",
    "ResponseCache",
    "TransientAPIError",
    "TranslationError",
    "TranslationFailure",
    "Translator",
    "bertscore_f1",
    "cache_key",
    "load_llm",
    "load_scorer",
    "load_translator",
    "ocr",
    "ocr_tokens",
    "parse_spec",
]
