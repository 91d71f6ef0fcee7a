"""Tiny LFM2-VL models."""

from __future__ import annotations

import torch
from transformers import (
    Lfm2VlConfig,
    Lfm2VlForConditionalGeneration,
    Lfm2VlImageProcessor,
    Lfm2VlProcessor,
    PreTrainedModel,
    ProcessorMixin,
)

from xtvqa_models.tiny.common import (
    Builder,
    TinySize,
    chatml_template,
    set_generation_ids,
    tiny_tokenizer,
)

# LFM2-VL: bos once, then ChatML turns; an image part is a bare "<image>" (no newline).
LFM2_VL_CHAT_TEMPLATE = chatml_template("{{ '<image>' }}", prefix="{{ bos_token }}")

_MAX_TILES = 4


def build_lfm2_vl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """An LFM2-VL: SigLIP2 NaFlex ViT, pixel-unshuffle MLP projector, LFM2 hybrid decoder with
    gated short-convolution and attention layers (Liquid AI, 2025).

    The template is the published one (LFM2-VL-1.6B, as transformers' tests write it: no default
    system prompt) for text and image parts. Images: an image whose patches fit twice the
    single-image budget (image_size**2 px) is resized to at most that budget at its own aspect
    ratio (NaFlex: 70x70 -> 56x56, 4 tokens); a larger one is split into 2-4 tiles of image_size
    px by aspect ratio plus a thumbnail (300x90 -> 3 x 1 tiles of 4 tokens + a 3-token thumbnail).
    """
    rows_cols = [f"<|img_row_{r}_col_{c}|>" for r in range(1, _MAX_TILES + 1) for c in range(1, _MAX_TILES + 1)]
    specials = ["<|pad|>", "<|startoftext|>", "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>",
                "<|image_start|>", "<|image_end|>", "<|img_thumbnail|>", *rows_cols]
    tokenizer, ids = tiny_tokenizer(
        size, seed, specials, bos_token="<|startoftext|>", eos_token="<|im_end|>", pad_token="<|pad|>",
        extra_special_tokens={"image_token": "<image>", "image_start_token": "<|image_start|>",
                              "image_end_token": "<|image_end|>", "image_thumbnail_token": "<|img_thumbnail|>"},
        chat_template=LFM2_VL_CHAT_TEMPLATE,
    )
    downsample = 2
    # Tokens of a whole image: at most those of one tile (real LFM2-VL: 64-256 tokens, 512 px tiles).
    max_tokens = (size.image_size // size.patch_size // downsample) ** 2
    image_processor = Lfm2VlImageProcessor(
        encoder_patch_size=size.patch_size, downsample_factor=downsample, tile_size=size.image_size,
        size={"height": size.image_size, "width": size.image_size},
        do_image_splitting=True, min_tiles=2, max_tiles=_MAX_TILES, use_thumbnail=True,
        min_image_tokens=1, max_image_tokens=max_tokens, max_pixels_tolerance=2.0,
    )
    processor = Lfm2VlProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                chat_template=LFM2_VL_CHAT_TEMPLATE)
    config = Lfm2VlConfig(
        text_config={
            "model_type": "lfm2", "vocab_size": len(tokenizer), "hidden_size": size.hidden_size,
            "intermediate_size": 2 * size.hidden_size, "block_auto_adjust_ff_dim": False,
            "num_hidden_layers": size.num_layers, "num_attention_heads": size.num_heads,
            "num_key_value_heads": max(1, size.num_heads // 2), "max_position_embeddings": 4096,
            # The hybrid: short-convolution layers first, attention last (LFM2 interleaves them).
            "layer_types": ["conv"] * (size.num_layers - 1) + ["full_attention"], "conv_L_cache": 3,
            "bos_token_id": ids["<|startoftext|>"], "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|pad|>"], "tie_word_embeddings": True, "initializer_range": size.init_std,
        },
        # SigLIP2 initialises itself (LeCun / Xavier); its config takes no initializer_range.
        vision_config={
            "model_type": "siglip2_vision_model", "hidden_size": size.vision_hidden_size,
            "intermediate_size": 2 * size.vision_hidden_size, "num_hidden_layers": size.vision_depth,
            "num_attention_heads": 2, "patch_size": size.patch_size,
            "num_patches": image_processor.max_num_patches, "vision_use_head": False,
        },
        image_token_id=ids["<image>"], downsample_factor=downsample, projector_hidden_size=size.hidden_size,
        tie_word_embeddings=True, initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = Lfm2VlForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|pad|>"], bos=ids["<|startoftext|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"lfm2_vl": build_lfm2_vl}
