"""Tiny Qwen-family models (Qwen2-VL and its successors)."""

from __future__ import annotations

import torch
from transformers import (
    PreTrainedModel,
    ProcessorMixin,
    Qwen2_5_VLConfig,
    Qwen2_5_VLForConditionalGeneration,
    Qwen2_5_VLProcessor,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessor,
    Qwen2VLProcessor,
    Qwen2VLVideoProcessor,
    Qwen3VLConfig,
    Qwen3VLForConditionalGeneration,
    Qwen3VLProcessor,
    Qwen3VLVideoProcessor,
)

from xtvqa_models.tiny.common import (
    Builder,
    TinySize,
    chatml_template,
    set_generation_ids,
    tiny_tokenizer,
)

# Renders one message's content (a string or a list of {"type": "image"|"text"} parts).
QWEN2_VL_CHAT_TEMPLATE = chatml_template("<|vision_start|><|image_pad|><|vision_end|>")

# The special tokens of the Qwen2-VL, Qwen2.5-VL and Qwen3-VL tokenizers that the template and
# the processors use (the first ids, in this order).
_QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>",
                  "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]


def build_qwen2_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Qwen2-VL: ViT with 2x2 patch merging, M-RoPE text decoder (Qwen2-VL paper, 2024)."""
    tokenizer, ids, processor = _qwen2_processor(Qwen2VLProcessor, size, seed)
    config = Qwen2VLConfig(
        text_config=_qwen_text(size, len(tokenizer), ids, bos_token_id=None, eos_token_id=ids["<|im_end|>"],
                               tie_word_embeddings=True),
        vision_config={
            "depth": size.vision_depth, "embed_dim": size.vision_hidden_size,
            "hidden_size": size.hidden_size, "num_heads": 2, "mlp_ratio": 2,
            "patch_size": size.patch_size, "spatial_merge_size": 2, "temporal_patch_size": 2,
            "initializer_range": size.init_std,
        },
        **_qwen_vision_ids(ids), tie_word_embeddings=True, initializer_range=size.init_std,
    )
    model = _qwen_model(Qwen2VLForConditionalGeneration, config, ids, seed)
    return model, processor




def _qwen_tokenizer(size: TinySize, seed: int):
    """The Qwen tokenizer every Qwen builder uses, and its special tokens' ids."""
    return tiny_tokenizer(size, seed, _QWEN_SPECIALS, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                          chat_template=QWEN2_VL_CHAT_TEMPLATE)


def _qwen2_processor(processor_class: type[ProcessorMixin], size: TinySize, seed: int):
    """(tokenizer, special ids, processor) of Qwen2-VL and Qwen2.5-VL: the same image and video
    processors, each family's processor class."""
    tokenizer, ids = _qwen_tokenizer(size, seed)
    pixels = _qwen_pixels(size)
    processor = processor_class(
        image_processor=Qwen2VLImageProcessor(**pixels),
        video_processor=Qwen2VLVideoProcessor(**pixels),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )
    return tokenizer, ids, processor


def _mrope_section(head_dim: int) -> list[int]:
    """M-RoPE's (temporal, height, width) split of a head's rotary half-dimension."""
    half = head_dim // 2
    return [half - 2 * (half // 3), half // 3, half // 3]


def _qwen_pixels(size: TinySize) -> dict[str, int]:
    """Keep the aspect ratio and budget at most image_size**2 pixels; at least one merged token."""
    return {"min_pixels": (size.patch_size * 2) ** 2, "max_pixels": size.image_size**2,
            "patch_size": size.patch_size, "merge_size": 2, "temporal_patch_size": 2}


def _qwen_text(size: TinySize, vocab: int, ids: dict[str, int], *, rope: dict | None = None,
               **extra: object) -> dict[str, object]:
    """The tiny decoder config the Qwen builders share; `rope` adds to M-RoPE's parameters."""
    head_dim = size.hidden_size // size.num_heads
    return {
        "vocab_size": vocab, "hidden_size": size.hidden_size,
        "intermediate_size": 2 * size.hidden_size, "num_hidden_layers": size.num_layers,
        "num_attention_heads": size.num_heads, "num_key_value_heads": max(1, size.num_heads // 2),
        **extra, "max_position_embeddings": 4096,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0,
                            "mrope_section": _mrope_section(head_dim), **(rope or {})},
        "pad_token_id": ids["<|endoftext|>"], "initializer_range": size.init_std,
    }


def _qwen_vision_ids(ids: dict[str, int]) -> dict[str, int]:
    """The vision token ids every Qwen config takes."""
    return {"image_token_id": ids["<|image_pad|>"], "video_token_id": ids["<|video_pad|>"],
            "vision_start_token_id": ids["<|vision_start|>"], "vision_end_token_id": ids["<|vision_end|>"]}


def _qwen_model(cls: type[PreTrainedModel], config: object, ids: dict[str, int], seed: int) -> PreTrainedModel:
    torch.manual_seed(seed)
    model = cls(config).eval()
    set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|endoftext|>"])
    return model


def build_qwen2_5_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    r"""A Qwen2.5-VL: ViT with window attention (full attention in `fullatt_block_indexes`), RMSNorm
    and SwiGLU, 2x2 patch merging, M-RoPE Qwen2.5 decoder (Qwen2.5-VL technical report, 2025).

    Template: QWEN2_VL_CHAT_TEMPLATE, shared because the published Qwen2-VL and Qwen2.5-VL
    templates are the same text. A faithful reduction of it: the published one opens a
    conversation that has no system message with the default system turn
    `<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n`, which is left out here (as for
    Qwen2-VL); video parts and `add_vision_id` are left out too. The generation prompt
    `<|im_start|>assistant\n` is a prefix of the rendered assistant turn, which ends
    `<|im_end|>\n` (the newline after the end of turn is never generated).

    Vision: two blocks, the first windowed and the second full (`fullatt_block_indexes`), with
    windows of 2x2 merged tokens (`window_size` = 4 patches), so a wide image is split into
    several windows in the first block.
    """
    tokenizer, ids, processor = _qwen2_processor(Qwen2_5_VLProcessor, size, seed)
    depth = max(2, size.vision_depth)
    config = Qwen2_5_VLConfig(
        text_config=_qwen_text(size, len(tokenizer), ids, bos_token_id=None, eos_token_id=ids["<|im_end|>"],
                               tie_word_embeddings=True),
        vision_config={
            "depth": depth, "hidden_size": size.vision_hidden_size,
            "intermediate_size": 2 * size.vision_hidden_size, "num_heads": 2,
            "out_hidden_size": size.hidden_size, "patch_size": size.patch_size,
            "spatial_merge_size": 2, "temporal_patch_size": 2,
            # Windows of 2x2 merged tokens (in pixels); the last block attends to the whole image.
            "window_size": 2 * 2 * size.patch_size, "fullatt_block_indexes": [depth - 1],
            "initializer_range": size.init_std,
        },
        **_qwen_vision_ids(ids), tie_word_embeddings=True, initializer_range=size.init_std,
    )
    model = _qwen_model(Qwen2_5_VLForConditionalGeneration, config, ids, seed)
    return model, processor


def build_qwen3_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    r"""A Qwen3-VL: ViT with learned interpolated position embeddings and DeepStack (merged
    features of intermediate vision blocks added to the first decoder layers' hidden states at
    the image tokens), interleaved M-RoPE Qwen3 decoder with QK-norm (Qwen3-VL, 2025).

    Template: QWEN2_VL_CHAT_TEMPLATE, which renders what the published Qwen3-VL-Instruct template
    renders for one user turn (image, text), an assistant turn and the generation prompt: no
    default system turn, `<|vision_start|><|image_pad|><|vision_end|>` per image, generation
    prompt `<|im_start|>assistant\n` (a prefix of the rendered assistant turn, which ends
    `<|im_end|>\n`). A faithful reduction: tools, tool responses, video parts and `add_vision_id`
    are left out. The Instruct layout, not the Thinking checkpoints' (whose generation prompt
    opens a `<think>` block).

    Vision: two blocks, both DeepStack sources (`deepstack_visual_indexes` [0, 1]), so the
    decoder's two layers each get one DeepStack feature (as the real model's first three do).
    Patches of `size.patch_size` px (the released checkpoints use 16) keep the token budget of
    the other Qwen builders; the image processor normalises to [-1, 1] as Qwen3-VL's does.
    """
    tokenizer, ids = _qwen_tokenizer(size, seed)
    pixels = _qwen_pixels(size)
    half = {"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    budget = {"shortest_edge": pixels["min_pixels"], "longest_edge": pixels["max_pixels"]}
    processor = Qwen3VLProcessor(
        image_processor=Qwen2VLImageProcessor(**pixels, **half),
        video_processor=Qwen3VLVideoProcessor(
            size=budget, patch_size=size.patch_size, merge_size=2, temporal_patch_size=2, **half,
        ),
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )
    head_dim = size.hidden_size // size.num_heads
    depth = max(2, size.vision_depth)
    grid = size.image_size // size.patch_size  # learned position grid, interpolated per image
    config = Qwen3VLConfig(
        text_config=_qwen_text(size, len(tokenizer), ids, rope={"mrope_interleaved": True}, head_dim=head_dim),
        vision_config={
            "depth": depth, "hidden_size": size.vision_hidden_size,
            "intermediate_size": 2 * size.vision_hidden_size, "num_heads": 2,
            "out_hidden_size": size.hidden_size, "patch_size": size.patch_size,
            "spatial_merge_size": 2, "temporal_patch_size": 2, "num_position_embeddings": grid * grid,
            "deepstack_visual_indexes": list(range(min(depth, size.num_layers))),
            "initializer_range": size.init_std,
        },
        **_qwen_vision_ids(ids), tie_word_embeddings=True, initializer_range=size.init_std,
    )
    model = _qwen_model(Qwen3VLForConditionalGeneration, config, ids, seed)
    return model, processor


BUILDERS: dict[str, Builder] = {"qwen2_vl": build_qwen2_vl, "qwen2_5_vl": build_qwen2_5_vl,
                                "qwen3_vl": build_qwen3_vl}
