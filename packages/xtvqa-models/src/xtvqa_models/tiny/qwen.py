"""Tiny Qwen-family models (Qwen2-VL and its successors)."""

from __future__ import annotations

import torch
from transformers import (
    PreTrainedModel,
    ProcessorMixin,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
    Qwen2VLProcessor,
    Qwen2VLVideoProcessor,
)

from xtvqa_models.tiny.common import Builder, TinySize, set_generation_ids, tiny_tokenizer

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

def build_qwen2_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Qwen2-VL: ViT with 2x2 patch merging, M-RoPE text decoder (Qwen2-VL paper, 2024)."""
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
                "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                    chat_template=QWEN2_VL_CHAT_TEMPLATE)
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
            "vocab_size": len(tokenizer), "hidden_size": size.hidden_size,
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
    set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|endoftext|>"])
    return model, processor



BUILDERS: dict[str, Builder] = {"qwen2_vl": build_qwen2_vl}
