"""The registry of tiny model builders: transformers `model_type` -> builder.

Each family's builder lives in the module of its group (`qwen`, `llava`, ...) and constructs
the model from the family's own config, model and processor classes, with a chat template that
renders images and turns as the family's published template does (each builder's docstring says
whether the template is the published one or a faithful reduction of it).

Every template ends the generation prompt where the published one does, and renders an
assistant turn as that prompt followed by the answer and the end-of-turn token, inside
`{% generation %}` markers (transformers' `return_assistant_tokens_mask`), so the tokens a
trained model generates are the tokens `score()` and training see.
"""

from __future__ import annotations

from xtvqa_models.tiny import aya, gemma, glm, idefics, internvl, lfm2, llava, mistral, mllama, qwen
from xtvqa_models.tiny.common import Builder, TinySize
from xtvqa_models.tiny.llava import LLAVA_CHAT_TEMPLATE, build_llava
from xtvqa_models.tiny.qwen import QWEN2_VL_CHAT_TEMPLATE, build_qwen2_vl

__all__ = ["FAMILIES", "LLAVA_CHAT_TEMPLATE", "QWEN2_VL_CHAT_TEMPLATE", "REFUSED_STAGES", "TinySize", "build_llava",
           "build_qwen2_vl", "family_key"]

FAMILIES: dict[str, Builder] = {}
for _module in (qwen, glm, llava, mistral, aya, idefics, internvl, lfm2, gemma, mllama):
    FAMILIES.update(_module.BUILDERS)


# (family, stage) -> what the toolkit says when it refuses that stage for the family as published.
# LLaVA-OneVision's published template writes "assistant \n" before an answer but "assistant\n"
# as its generation prompt: training on it would teach another prompt than evaluation asks.
REFUSED_STAGES: dict[tuple[str, str], str] = {
    ("llava_onevision", "template"): "generation prompt is not a prefix",
    ("llava_onevision", "views"): "generation prompt is not a prefix",
    ("llava_onevision", "training"): "generation prompt is not a prefix",
}


def family_key(family: str) -> str:
    """The registry key of `family`: its transformers `model_type` ("qwen2-vl" -> "qwen2_vl")."""
    return family.strip().lower().replace("-", "_")
