"""Tiny randomly initialised vision-language models of two real architectures.

Each builder constructs a transformers model from its config classes (no hub access), a
processor around a locally trained tokenizer, and the chat template the family uses, so the
result loads through `AutoModelForImageTextToText` / `AutoProcessor` exactly as a hub model
does. Sizes are chosen to build in a second and run a batch in milliseconds on a CPU.

Both chat templates end the generation prompt with a newline, and render an assistant turn as
that prompt followed by the answer and the end-of-turn token, inside `{% generation %}` markers
(transformers' `return_assistant_tokens_mask`), so the tokens a trained model generates are the
tokens `score()` and training see.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import (
    CLIPImageProcessor,
    CLIPVisionConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaProcessor,
    PreTrainedModel,
    ProcessorMixin,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
    Qwen2VLProcessor,
    Qwen2VLVideoProcessor,
)

from xtvqa_models.tiny.corpus import corpus_lines
from xtvqa_models.tiny.tokenizer import train_bpe, wrap_tokenizer


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


# Renders one message's content (a string or a list of {"type": "image"|"text"} parts).
_QWEN_CONTENT = (
    "{%- macro render(content) -%}{%- if content is string -%}{{ content }}{%- else -%}"
    "{%- for part in content -%}{%- if part['type'] == 'image' -%}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}{%- endfor -%}"
    "{%- endif -%}{%- endmacro -%}"
)
QWEN2_VL_CHAT_TEMPLATE = _QWEN_CONTENT + (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{%- if message['role'] == 'assistant' -%}"
    "{% generation %}{{ render(message['content']) }}{{ '<|im_end|>' }}{% endgeneration %}"
    "{%- else -%}{{ render(message['content']) }}{{ '<|im_end|>' }}{%- endif -%}"
    "{{ '\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)

# LLaVA-1.5 style ("USER: <image>\n... ASSISTANT:"), images first as llava-hf renders them.
LLAVA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    "{%- if message['content'] is string -%}{%- set parts = [{'type': 'text', 'text': message['content']}] -%}"
    "{%- else -%}{%- set parts = message['content'] -%}{%- endif -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{ 'ASSISTANT:\n' }}{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ eos_token }}{% endgeneration %}{{ '\n' }}"
    "{%- else -%}"
    "{{ message['role'].upper() + ': ' }}"
    "{%- for part in parts if part['type'] == 'image' -%}{{ '<image>\n' }}{%- endfor -%}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ '\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ 'ASSISTANT:\n' }}{%- endif -%}"
)


def build_qwen2_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Qwen2-VL: ViT with 2x2 patch merging, M-RoPE text decoder (Qwen2-VL paper, 2024)."""
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
                "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    bpe = train_bpe(corpus_lines(seed), vocab_size=size.vocab_size, special_tokens=specials)
    tokenizer = wrap_tokenizer(bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                               chat_template=QWEN2_VL_CHAT_TEMPLATE)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in specials}
    # Keep the aspect ratio and budget at most image_size**2 pixels; at least one merged token.
    pixels = {"min_pixels": (size.patch_size * 2) ** 2, "max_pixels": size.image_size**2,
              "patch_size": size.patch_size, "merge_size": 2, "temporal_patch_size": 2}
    processor = Qwen2VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )
    head_dim = size.hidden_size // size.num_heads
    # M-RoPE splits each head's rotary half-dimension into (temporal, height, width) sections.
    half = head_dim // 2
    mrope = [half - 2 * (half // 3), half // 3, half // 3]
    config = Qwen2VLConfig(
        text_config={
            "vocab_size": bpe.get_vocab_size(), "hidden_size": size.hidden_size,
            "intermediate_size": 2 * size.hidden_size, "num_hidden_layers": size.num_layers,
            "num_attention_heads": size.num_heads, "num_key_value_heads": max(1, size.num_heads // 2),
            "max_position_embeddings": 4096,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": mrope},
            "bos_token_id": None, "eos_token_id": ids["<|im_end|>"], "pad_token_id": ids["<|endoftext|>"],
            "tie_word_embeddings": True, "initializer_range": size.init_std,
        },
        vision_config={
            "depth": size.vision_depth, "embed_dim": size.vision_hidden_size,
            "hidden_size": size.hidden_size, "num_heads": 2, "mlp_ratio": 2,
            "patch_size": size.patch_size, "spatial_merge_size": 2, "temporal_patch_size": 2,
            "initializer_range": size.init_std,
        },
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True, initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    _set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|endoftext|>"])
    return model, processor


def build_llava(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A LLaVA-1.5: CLIP ViT, MLP projector, Llama decoder (Liu et al., 2023)."""
    specials = ["<pad>", "<s>", "</s>", "<image>"]
    bpe = train_bpe(corpus_lines(seed), vocab_size=size.vocab_size, special_tokens=specials)
    tokenizer = wrap_tokenizer(bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                               extra_special_tokens={"image_token": "<image>"},
                               chat_template=LLAVA_CHAT_TEMPLATE)
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in specials}
    n_patches = (size.image_size // size.patch_size) ** 2
    # The whole image squashed to image_size x image_size (no centre crop: text at the edges of
    # a document matters); CLIP's normalisation constants.
    image_processor = CLIPImageProcessor(
        size={"height": size.image_size, "width": size.image_size}, do_center_crop=False,
    )
    processor = LlavaProcessor(
        image_processor=image_processor, tokenizer=tokenizer, patch_size=size.patch_size,
        vision_feature_select_strategy="default", num_additional_image_tokens=1,  # CLIP's CLS
        chat_template=LLAVA_CHAT_TEMPLATE, image_token="<image>",
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(
            hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
            num_hidden_layers=size.vision_depth, num_attention_heads=2,
            image_size=size.image_size, patch_size=size.patch_size, projection_dim=size.vision_hidden_size,
            initializer_range=size.init_std, initializer_factor=size.init_std / 0.02,
        ),
        text_config=LlamaConfig(
            vocab_size=bpe.get_vocab_size(), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            max_position_embeddings=4096, bos_token_id=ids["<s>"], eos_token_id=ids["</s>"],
            pad_token_id=ids["<pad>"], tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        image_token_index=ids["<image>"],
        image_seq_length=n_patches,
        # "default" drops CLIP's CLS feature; with a 1-2 layer tower take the last layer.
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    model = LlavaForConditionalGeneration(config).eval()
    _set_generation_ids(model, eos=ids["</s>"], pad=ids["<pad>"], bos=ids["<s>"])
    return model, processor


def _set_generation_ids(model: PreTrainedModel, *, eos: int, pad: int, bos: int | None = None) -> None:
    gen = model.generation_config
    gen.eos_token_id, gen.pad_token_id, gen.bos_token_id = eos, pad, bos
    gen.do_sample = False  # greedy unless a caller asks otherwise


FAMILIES = {"qwen2-vl": build_qwen2_vl, "llava": build_llava}
