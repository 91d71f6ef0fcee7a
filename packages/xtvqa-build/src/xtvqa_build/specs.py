"""`provider:model` specs -> LLM clients and translators, imported lazily.

One dict per interface maps a provider to "module:Class"; nothing is imported until a spec
asks for it, so `--help` stays fast and a missing SDK only matters to the backend that needs
it (the ImportError names the extra to install). The same spec form is used by every build
command: `--llm openai:gpt-4o-mini --base-url http://127.0.0.1:8000/v1`.
"""

from __future__ import annotations

import importlib
from typing import Any

from xtvqa_providers import specs

LLM_BACKENDS: dict[str, str] = {
    "openai": "xtvqa_build.llm_openai:OpenAIClient",
    "gemini": "xtvqa_build.llm_gemini:GeminiClient",
}

TRANSLATOR_BACKENDS: dict[str, str] = {
    "gemini": "xtvqa_build.translators:LLMTranslator",
    "openai": "xtvqa_build.translators:LLMTranslator",
    "google-cloud": "xtvqa_build.translators:GoogleCloudTranslator",
    "hf": "xtvqa_build.translators:TransformersTranslator",
}


def parse_spec(spec: str, known: dict[str, str], *, what: str = "backend") -> tuple[str, str]:
    """Split `provider:model` at the first colon (model names such as ollama's `qwen2.5:7b`
    keep theirs) and check the provider, suggesting close names (`xtvqa_providers.parse_spec`)."""
    return specs.parse_spec(spec, known, what=what, suggest="provider")


def _load_class(target: str) -> Any:
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def load_llm(spec: str, **kwargs: Any):
    """An `LLMClient` for `spec` (e.g. `gemini:gemini-2.0-flash`); kwargs go to its constructor
    (`cache`, `base_url`, `concurrency`, `max_retries`, ...)."""
    provider, model = parse_spec(spec, LLM_BACKENDS, what="LLM")
    return _load_class(LLM_BACKENDS[provider])(model, **kwargs)


def load_translator(spec: str, **kwargs: Any):
    """A `Translator` for `spec`: `gemini:<model>`, `openai:<model>` (an LLM translating),
    `google-cloud:<project-id>` (Cloud Translation v3), `hf:<path-or-hub-id>` (Marian/NLLB)."""
    provider, model = parse_spec(spec, TRANSLATOR_BACKENDS, what="translator")
    cls = _load_class(TRANSLATOR_BACKENDS[provider])
    if provider in ("gemini", "openai"):
        llm_kwargs = {k: v for k, v in kwargs.items() if k != "batch_size"}
        return cls(load_llm(spec, **llm_kwargs))
    kwargs.pop("base_url", None)
    kwargs.pop("concurrency", None)
    return cls(model, **kwargs)
