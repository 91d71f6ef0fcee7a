"""Tiny InternVL models."""

from __future__ import annotations

import torch
from transformers import (
    GotOcr2ImageProcessor,
    InternVLConfig,
    InternVLForConditionalGeneration,
    InternVLProcessor,
    InternVLVideoProcessor,
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

# InternVL3-hf: Qwen2's im_start layout, each image part written "<IMG_CONTEXT>\n" (the processor
# expands it to <img> + image_seq_length <IMG_CONTEXT> per tile + </img>).
INTERNVL_CHAT_TEMPLATE = chatml_template("{{ '<IMG_CONTEXT>\n' }}")


def build_internvl(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """An InternVL3: InternViT on dynamic tiles, pixel-shuffle MLP projector, Qwen2 decoder
    (Zhu et al., 2025).

    The template is the published one (InternVL3-hf, as transformers' conversion writes it: no
    default system prompt) for text and image parts; video parts are left out. Tiles: a grid of
    image_size px tiles matching the image's aspect ratio (at most 4) plus a thumbnail when
    there is more than one: 70x70 -> 1 tile, 300x90 -> 3 + 1; 4 tokens per tile.
    """
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<IMG_CONTEXT>", "<video>"]
    tokenizer, ids = tiny_tokenizer(
        size, seed, specials, eos_token="<|im_end|>", pad_token="<|endoftext|>",
        extra_special_tokens={"start_image_token": "<img>", "end_image_token": "</img>",
                              "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"},
        chat_template=INTERNVL_CHAT_TEMPLATE,
    )
    tile = {"height": size.image_size, "width": size.image_size}
    # InternVL's ImageNet normalisation; tiles chosen by aspect ratio, 1 to 4 of them.
    norm = {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
    image_processor = GotOcr2ImageProcessor(size=tile, crop_to_patches=True, min_patches=1, max_patches=4, **norm)
    # Each tile's patches, 2x2 pixel-shuffled (downsample_ratio 0.5).
    image_seq_length = (size.image_size // size.patch_size // 2) ** 2
    processor = InternVLProcessor(
        image_processor=image_processor, video_processor=InternVLVideoProcessor(size=tile, **norm),
        tokenizer=tokenizer, image_seq_length=image_seq_length, chat_template=INTERNVL_CHAT_TEMPLATE,
    )
    config = InternVLConfig(
        text_config={
            "model_type": "qwen2", "vocab_size": len(tokenizer), "hidden_size": size.hidden_size,
            "intermediate_size": 2 * size.hidden_size, "num_hidden_layers": size.num_layers,
            "num_attention_heads": size.num_heads, "num_key_value_heads": max(1, size.num_heads // 2),
            "max_position_embeddings": 4096, "bos_token_id": None, "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"], "tie_word_embeddings": True,
            "initializer_range": size.init_std,
        },
        vision_config={
            "hidden_size": size.vision_hidden_size, "intermediate_size": 2 * size.vision_hidden_size,
            "num_hidden_layers": size.vision_depth, "num_attention_heads": 2,
            "image_size": size.image_size, "patch_size": size.patch_size,
            "initializer_range": size.init_std,
        },
        image_token_id=ids["<IMG_CONTEXT>"], image_seq_length=image_seq_length, downsample_ratio=0.5,
        # The last layer of a 1-2 layer tower; "default" drops InternViT's CLS feature.
        vision_feature_layer=-1, vision_feature_select_strategy="default",
        tie_word_embeddings=True, initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = InternVLForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|endoftext|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"internvl": build_internvl}
