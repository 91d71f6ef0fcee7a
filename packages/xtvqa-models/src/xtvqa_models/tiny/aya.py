"""Tiny Aya Vision models."""

from __future__ import annotations

import torch
from transformers import (
    AyaVisionConfig,
    AyaVisionForConditionalGeneration,
    AyaVisionProcessor,
    Cohere2Config,
    GotOcr2ImageProcessor,
    PreTrainedModel,
    ProcessorMixin,
    SiglipVisionConfig,
)

from xtvqa_models.tiny.common import (
    MESSAGE_PARTS,
    Builder,
    TinySize,
    set_generation_ids,
    tiny_tokenizer,
)

# CohereLabs/aya-vision-*: "<BOS_TOKEN><|START_OF_TURN_TOKEN|><|USER_TOKEN|><image>...<|END_OF_TURN_TOKEN|>"
# (images first, then the text), the answer as "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>
# <|START_RESPONSE|>answer<|END_RESPONSE|><|END_OF_TURN_TOKEN|>" (no spaces or newlines), the generation
# prompt "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>": the model itself writes <|START_RESPONSE|>.
AYA_VISION_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{{ '<|START_OF_TURN_TOKEN|>' }}"
    "{%- if message['role'] == 'assistant' -%}"
    "{{ '<|CHATBOT_TOKEN|>' }}{% generation %}{{ '<|START_RESPONSE|>' }}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ '<|END_RESPONSE|><|END_OF_TURN_TOKEN|>' }}{% endgeneration %}"
    "{%- else -%}"
    "{{ '<|SYSTEM_TOKEN|>' if message['role'] == 'system' else '<|USER_TOKEN|>' }}"
    "{%- for part in parts if part['type'] == 'image' -%}{{ '<image>' }}{%- endfor -%}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ '<|END_OF_TURN_TOKEN|>' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>' }}{%- endif -%}"
)


def build_aya_vision(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """An Aya Vision: SigLIP ViT over GOT-OCR2-style tiles, 2x2 pixel shuffle, SwiGLU projector,
    Cohere2 decoder (Cohere Labs, 2025).

    Template: Aya Vision's published layout, reduced: without the fixed "You are Aya Vision..."
    system turn the published one writes before every conversation. Its generation prompt
    "<|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>" is a prefix of the rendered assistant turn, but the
    turn continues with <|START_RESPONSE|> before the answer (and closes with <|END_RESPONSE|>
    <|END_OF_TURN_TOKEN|>): the first token the model generates is that special token, not the
    answer's text. Tiles: image_size squares, 1 to 3 chosen by aspect ratio, plus a global
    thumbnail when there are several; 4 <|IMG_PATCH|> per tile (patches merged 2x2), each tile
    after a "TILE_i" / "TILE_GLOBAL" marker, all inside <|START_OF_IMG|>...<|END_OF_IMG|>: a 70x70
    image is one tile (4 patch tokens), a 300x90 image 3 tiles + thumbnail (16).
    """
    specials = ["<PAD>", "<UNK>", "<BOS_TOKEN>", "<EOS_TOKEN>", "<|START_OF_TURN_TOKEN|>",
                "<|END_OF_TURN_TOKEN|>", "<|USER_TOKEN|>", "<|CHATBOT_TOKEN|>", "<|SYSTEM_TOKEN|>",
                "<|START_RESPONSE|>", "<|END_RESPONSE|>", "<|START_OF_IMG|>", "<|END_OF_IMG|>",
                "<|IMG_PATCH|>", "<|IMG_LINE_BREAK|>", "TILE", "TILE_GLOBAL"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<BOS_TOKEN>", eos_token="<|END_OF_TURN_TOKEN|>",
                                    pad_token="<PAD>", chat_template=AYA_VISION_CHAT_TEMPLATE)
    tile, downsample = size.image_size, 2
    image_processor = GotOcr2ImageProcessor(
        size={"height": tile, "width": tile}, crop_to_patches=True, min_patches=1, max_patches=3,
        image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5],  # SigLIP's normalisation
    )
    processor = AyaVisionProcessor(
        image_processor=image_processor, tokenizer=tokenizer, patch_size=size.patch_size, img_size=tile,
        downsample_factor=downsample, chat_template=AYA_VISION_CHAT_TEMPLATE,
    )
    config = AyaVisionConfig(
        vision_config=SiglipVisionConfig(
            hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
            num_hidden_layers=size.vision_depth, num_attention_heads=2,
            image_size=tile, patch_size=size.patch_size, vision_use_head=False,
        ),
        text_config=Cohere2Config(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            max_position_embeddings=4096, bos_token_id=ids["<BOS_TOKEN>"],
            eos_token_id=ids["<|END_OF_TURN_TOKEN|>"], pad_token_id=ids["<PAD>"],
            tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        image_token_index=ids["<|IMG_PATCH|>"],
        downsample_factor=downsample,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        tie_word_embeddings=True,
        initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = AyaVisionForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<|END_OF_TURN_TOKEN|>"], pad=ids["<PAD>"], bos=ids["<BOS_TOKEN>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"aya_vision": build_aya_vision}
