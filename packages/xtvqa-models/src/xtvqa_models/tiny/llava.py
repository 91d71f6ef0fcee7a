"""Tiny LLaVA-family models."""

from __future__ import annotations

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
)

from xtvqa_models.tiny.common import Builder, TinySize, set_generation_ids, tiny_tokenizer

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


def build_llava(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A LLaVA-1.5: CLIP ViT, MLP projector, Llama decoder (Liu et al., 2023)."""
    specials = ["<pad>", "<s>", "</s>", "<image>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                    extra_special_tokens={"image_token": "<image>"},
                                    chat_template=LLAVA_CHAT_TEMPLATE)
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
            vocab_size=len(tokenizer), hidden_size=size.hidden_size,
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
    set_generation_ids(model, eos=ids["</s>"], pad=ids["<pad>"], bos=ids["<s>"])
    return model, processor



BUILDERS: dict[str, Builder] = {"llava": build_llava}
