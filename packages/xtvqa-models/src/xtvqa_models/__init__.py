"""xtvqa-models: one batched interface over vision-language models, chosen by a spec string.

`load_model("hf:Qwen/Qwen2-VL-2B-Instruct")`, `load_model("openai:gpt-4o")`, ... return a
`VisionLanguageModel` with `generate()` and (hf) `score()`. `build_tiny_model` writes tiny
random models that tests load through the same `hf:` path. Importing this package is cheap:
torch, transformers and the API SDKs load only when a backend or tiny model is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xtvqa_models.base import Generation, TokenScores, VisionLanguageModel
from xtvqa_models.defaults import default_model_spec
from xtvqa_models.prompts import PromptConfig
from xtvqa_models.registry import BACKENDS, load_model, parse_spec

if TYPE_CHECKING:
    from xtvqa_models.tiny import build_tiny_model

__all__ = [
    "BACKENDS",
    "Generation",
    "PromptConfig",
    "TokenScores",
    "VisionLanguageModel",
    "build_tiny_model",
    "default_model_spec",
    "load_model",
    "parse_spec",
]


def __getattr__(name: str) -> Any:
    # build_tiny_model imports transformers; keep `import xtvqa_models` light (PEP 562).
    if name == "build_tiny_model":
        from xtvqa_models.tiny import build_tiny_model

        return build_tiny_model
    raise AttributeError(f"module 'xtvqa_models' has no attribute {name!r}")
