"""What every tiny model builder shares: the size, the tokenizer and the generation ids.

A builder is `build(size: TinySize, seed: int) -> (model, processor)`: it constructs a
transformers model of one family from that family's own config class (no hub access), a
processor of the family's own processor class around a locally trained tokenizer, and a chat
template that renders images and turns as the family's published template does. The registry
of builders is `xtvqa_models.tiny.families.FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from transformers import PreTrainedModel, PreTrainedTokenizerFast, ProcessorMixin

from xtvqa_models.tiny.corpus import corpus_lines
from xtvqa_models.tiny.tokenizer import train_bpe, wrap_tokenizer

__all__ = ["Builder", "TinySize", "chatml_template", "set_generation_ids", "tiny_tokenizer"]


@dataclass(frozen=True)
class TinySize:
    """Shape of a tiny model. `image_size` is the side of the (square) pixel budget."""

    vocab_size: int = 1024
    hidden_size: int = 64
    num_layers: int = 2
    num_heads: int = 4
    vision_hidden_size: int = 32
    vision_depth: int = 1
    image_size: int = 56
    patch_size: int = 14
    # Standard deviation of the random weights. transformers' usual 0.02 makes a tiny untrained
    # model emit one token whatever it sees; 0.15 makes its greedy output depend on the image
    # and the question (what tests of batching and scoring need) while activations stay small
    # enough for float32 batched/unbatched agreement near 1e-6 (0.2 gives hidden states ~1e3
    # and 1e-4 drift). To train from scratch, use 0.02.
    init_std: float = 0.15



Builder = Callable[[TinySize, int], tuple[PreTrainedModel, ProcessorMixin]]


# Jinja: a message's content as a list of parts, whether the message gives a string or a list
# (the opening of most published templates' message loop; `parts` is what the rest iterates).
MESSAGE_PARTS = (
    "{%- if message['content'] is string -%}{%- set parts = [{'type': 'text', 'text': message['content']}] -%}"
    "{%- else -%}{%- set parts = message['content'] -%}{%- endif -%}"
)


def tiny_tokenizer(
    size: TinySize, seed: int, specials: Sequence[str], *, eos_token: str, pad_token: str,
    bos_token: str | None = None, extra_special_tokens: dict[str, str] | None = None,
    chat_template: str | None = None,
) -> tuple[PreTrainedTokenizerFast, dict[str, int]]:
    """A byte-level BPE trained on the 8-language corpus, with `specials` as single tokens
    (the first ids, in order), and the id of each special."""
    bpe = train_bpe(corpus_lines(seed), vocab_size=size.vocab_size, special_tokens=list(specials))
    tokenizer = wrap_tokenizer(bpe, eos_token=eos_token, pad_token=pad_token, bos_token=bos_token,
                               extra_special_tokens=extra_special_tokens, chat_template=chat_template)
    return tokenizer, {t: tokenizer.convert_tokens_to_ids(t) for t in specials}


def set_generation_ids(model: PreTrainedModel, *, eos: int | list[int], pad: int, bos: int | None = None) -> None:
    """Greedy decoding with the family's end-of-turn, pad and bos ids in `generation_config`."""
    gen = model.generation_config
    gen.eos_token_id, gen.pad_token_id, gen.bos_token_id = eos, pad, bos
    gen.do_sample = False  # greedy unless a caller asks otherwise


def chatml_template(image: str, *, prefix: str = "") -> str:
    """The ChatML layout (`<|im_start|>role\n ... <|im_end|>\n`, generation prompt
    `<|im_start|>assistant\n`) that Qwen2-VL, InternVL3 and LFM2-VL publish, with `image` written
    for an image part and `prefix` before the first turn (LFM2-VL's bos)."""
    return prefix + (
        "{%- macro render(content) -%}{%- if content is string -%}{{ content }}{%- else -%}"
        "{%- for part in content -%}{%- if part['type'] == 'image' -%}"
        + image +
        "{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}{%- endfor -%}"
        "{%- endif -%}{%- endmacro -%}"
        "{%- for message in messages -%}"
        "{{ '<|im_start|>' + message['role'] + '\n' }}"
        "{%- if message['role'] == 'assistant' -%}"
        "{% generation %}{{ render(message['content']) }}{{ '<|im_end|>' }}{% endgeneration %}"
        "{%- else -%}{{ render(message['content']) }}{{ '<|im_end|>' }}{%- endif -%}"
        "{{ '\n' }}"
        "{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
    )
