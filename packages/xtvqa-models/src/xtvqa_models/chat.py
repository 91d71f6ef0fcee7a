"""The chat messages every local backend sends: one user turn, the image first, then the text.

`hf:` and `vllm:` both render these with the model's own chat template (its processor's, as
the model card prescribes), so the two backends see the same prompt string.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


class ChatTemplateError(ValueError):
    """A chat template the toolkit cannot train with as it evaluates."""


@dataclass(frozen=True)
class AssistantTurn:
    """How a chat template renders an answer after the generation prompt.

    `prefix`: what the template writes between the generation prompt and the answer (LLaVA-NeXT:
    a space; Aya Vision: `<|START_RESPONSE|>`), which a model produces before its answer, so a
    scored answer continues the prompt with it. `parts`: whether the answer is given as a list of
    content parts (True) or as a plain string, whichever the template renders verbatim (GLM-4.1V's
    published template prints a parts list as its Python repr).
    """

    prefix: str
    parts: bool

    def content(self, answer: str) -> list[dict[str, str]] | str:
        return [{"type": "text", "text": answer}] if self.parts else answer


_ANSWER = "XTVQA-ANSWER-7"


def assistant_turn(processor: Any) -> AssistantTurn:
    """Read from the chat template how it renders an assistant answer (`AssistantTurn`).

    Raises `ChatTemplateError` where the generation prompt is not a prefix of the rendered
    assistant turn: bench and analysis prompt the model with the generation prompt, training
    renders the whole conversation and learns the text after that prompt, so the model would be
    trained on a prompt that evaluation never asks (TRL's prompt-completion split silently cuts
    at the common prefix). Also where the template renders the answer in neither form.
    """
    user = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Q?"}]}]
    prompt = processor.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
    for parts in (True, False):
        answer = AssistantTurn("", parts).content(_ANSWER)
        try:
            full = processor.apply_chat_template([*user, {"role": "assistant", "content": answer}], tokenize=False)
        except Exception:  # a template that iterates over parts fails on a string
            continue
        if not full.startswith(prompt):
            cut = next((i for i, (a, b) in enumerate(zip(prompt, full, strict=False)) if a != b), len(prompt))
            raise ChatTemplateError(
                "the chat template's generation prompt is not a prefix of its rendered assistant turn "
                f"(they part at character {cut}: prompt {prompt[cut:cut + 30]!r}, turn {full[cut:cut + 30]!r}); "
                "training would see another prompt than evaluation asks: use a template that writes the "
                "assistant header the same way in both"
            )
        rest = full[len(prompt):]
        if _ANSWER in rest and "'type'" not in rest:
            return AssistantTurn(prefix=rest[: rest.index(_ANSWER)], parts=parts)
    raise ChatTemplateError("the chat template renders an assistant answer neither from content parts nor from a string")
