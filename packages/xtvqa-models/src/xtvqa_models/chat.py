"""The chat messages every local backend sends: one user turn, the image first, then the text.

`hf:` and `vllm:` both render these with the model's own chat template (its processor's, as
the model card prescribes), so the two backends see the same prompt string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image
from xtvqa_data import EvalItem

from xtvqa_models.prompts import PromptConfig


def user_messages(item: EvalItem, prompt: PromptConfig) -> list[dict[str, Any]]:
    """`[{"role": "user", "content": [image part, text part]}]` for `item`."""
    return [
        {
            "role": "user",
            "content": [{"type": "image"}, {"type": "text", "text": prompt.text(item)}],
        }
    ]


def render_prompt(processor: Any, item: EvalItem, prompt: PromptConfig) -> str:
    """The model's prompt string for `item`, ending with the generation prompt (the assistant
    turn's opening), with one image placeholder that the processor expands."""
    return processor.apply_chat_template(
        user_messages(item, prompt), add_generation_prompt=True, tokenize=False
    )


def rgb_image(item: EvalItem) -> Image.Image:
    """The item's image in RGB (grey, palette, RGBA or CMYK images are converted; processors
    expect three channels)."""
    image = item.image
    return image if image.mode == "RGB" else image.convert("RGB")


def adds_special_tokens(tokenizer: Any, texts: Sequence[str]) -> bool:
    """Whether tokenising the rendered chat prompts should add the tokenizer's special tokens.

    A chat template that writes `{{ bos_token }}` (Gemma 3, Llama 3, ...) already starts the text
    with it; tokenising that with the default `add_special_tokens=True` gives `<bos><bos>`, a
    prompt the model never saw. Templates without it (Qwen2-VL) still get what the tokenizer
    adds by default (nothing, or a BOS the model expects).
    """
    bos = getattr(tokenizer, "bos_token", None)
    return not (bos and all(text.startswith(bos) for text in texts))
