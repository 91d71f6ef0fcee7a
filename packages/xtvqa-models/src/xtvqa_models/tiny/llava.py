"""Tiny LLaVA-family models."""

from __future__ import annotations

import torch
from transformers import (
    CLIPImageProcessor,
    CLIPVisionConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaNextConfig,
    LlavaNextForConditionalGeneration,
    LlavaNextImageProcessor,
    LlavaNextProcessor,
    LlavaOnevisionConfig,
    LlavaOnevisionForConditionalGeneration,
    LlavaOnevisionImageProcessor,
    LlavaOnevisionProcessor,
    LlavaOnevisionVideoProcessor,
    LlavaProcessor,
    MistralConfig,
    PreTrainedModel,
    ProcessorMixin,
    Qwen2Config,
    SiglipVisionConfig,
)

from xtvqa_models.tiny.common import (
    MESSAGE_PARTS,
    Builder,
    TinySize,
    set_generation_ids,
    tiny_tokenizer,
)

# LLaVA-1.5 style ("USER: <image>\n... ASSISTANT:"), images first as llava-hf renders them.
LLAVA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
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



def _clip_vision(size: TinySize, image_size: int) -> CLIPVisionConfig:
    """The CLIP ViT of LLaVA and LLaVA-NeXT, on images (or tiles) of `image_size` pixels."""
    return CLIPVisionConfig(
        hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
        num_hidden_layers=size.vision_depth, num_attention_heads=2,
        image_size=image_size, patch_size=size.patch_size, projection_dim=size.vision_hidden_size,
        initializer_range=size.init_std, initializer_factor=size.init_std / 0.02,
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
        vision_config=_clip_vision(size, size.image_size),
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


# llava-hf/llava-v1.6-mistral-7b-hf: "[INST] <image>\n... [/INST]", the answer as " answer</s> ".
# No generation prompt: the user turn's " [/INST]" ends the prompt. The hub tokenizer adds <s>;
# the tiny tokenizer adds nothing, so the template renders it.
LLAVA_NEXT_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{%- if message['role'] == 'assistant' -%}"
    "{% generation %}{{ ' ' }}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ eos_token }}{% endgeneration %}{{ ' ' }}"
    "{%- else -%}"
    "{{ '[INST] ' }}"
    "{%- for part in parts if part['type'] == 'image' -%}{{ '<image>\n' }}{%- endfor -%}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ ' [/INST]' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
)

# llava-hf/llava-onevision-qwen2-*-hf as transformers' own processor test and vLLM's prompt test
# carry it: "<|im_start|>user <image>\n...<|im_end|>" (a space after the role, images first, "\n"
# before the text, no newline between turns). Its generation prompt "<|im_start|>assistant\n" is
# NOT a prefix of its assistant turn "<|im_start|>assistant \n...<|im_end|>".
LLAVA_ONEVISION_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{{ '<|im_start|>' + message['role'] + ' ' }}"
    "{%- for part in parts if part['type'] == 'image' -%}{{ '<image>' }}{%- endfor -%}"
    "{%- if message['role'] == 'assistant' -%}"
    "{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ '\n' + part['text'] }}{%- endfor -%}"
    "{{ '<|im_end|>' }}{% endgeneration %}"
    "{%- else -%}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ '\n' + part['text'] }}{%- endfor -%}"
    "{{ '<|im_end|>' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)


def _pinpoints(tile: int) -> list[list[int]]:
    """Anyres grids (height, width) of 1, 2 and 3 tiles, no 2x2: a square image stays one tile,
    a 2:1 image gets two, a 3:1 image three (plus the whole image, downscaled, in front)."""
    return [[tile, tile], [tile, 2 * tile], [2 * tile, tile], [tile, 3 * tile], [3 * tile, tile]]


def build_llava_next(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A LLaVA-NeXT (1.6): CLIP ViT over anyres tiles, MLP projector, Mistral decoder (Liu et al., 2024).

    Template: llava-v1.6-mistral's published one, reduced (no system prompt) and with the bos
    token the hub tokenizer adds rendered explicitly. It has no generation prompt (the prompt
    ends with " [/INST]"); the assistant turn is " answer</s> ", so the prompt is a prefix.
    Tiles: image_size squares on grids of 1x1, 1x2, 2x1, 1x3, 3x1 tiles: a 70x70 image is one
    tile (36 image tokens), a 300x90 image three (68).
    """
    specials = ["<unk>", "<s>", "</s>", "<image>", "<pad>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                    extra_special_tokens={"image_token": "<image>"},
                                    chat_template=LLAVA_NEXT_CHAT_TEMPLATE)
    tile = size.image_size
    pinpoints = _pinpoints(tile)
    image_processor = LlavaNextImageProcessor(
        size={"shortest_edge": tile}, crop_size={"height": tile, "width": tile},
        image_grid_pinpoints=pinpoints,
    )
    processor = LlavaNextProcessor(
        image_processor=image_processor, tokenizer=tokenizer, patch_size=size.patch_size,
        vision_feature_select_strategy="default", num_additional_image_tokens=1,  # CLIP's CLS
        chat_template=LLAVA_NEXT_CHAT_TEMPLATE, image_token="<image>",
    )
    config = LlavaNextConfig(
        vision_config=_clip_vision(size, tile),
        text_config=MistralConfig(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            max_position_embeddings=4096, sliding_window=None, bos_token_id=ids["<s>"],
            eos_token_id=ids["</s>"], pad_token_id=ids["<pad>"], tie_word_embeddings=True,
            initializer_range=size.init_std,
        ),
        image_token_index=ids["<image>"],
        image_grid_pinpoints=pinpoints,
        image_seq_length=(tile // size.patch_size) ** 2,
        vision_feature_select_strategy="default",
        vision_feature_layer=-1,
        tie_word_embeddings=True,
        initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = LlavaNextForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["</s>"], pad=ids["<pad>"], bos=ids["<s>"])
    return model, processor


def build_llava_onevision(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A LLaVA-OneVision: SigLIP ViT over anyres tiles, MLP projector, Qwen2 decoder (Li et al., 2024).

    Template: the llava-onevision-qwen2-*-hf checkpoints' published one (the version in
    transformers' processor test; the checkpoints' first chat_template.json used
    "<|im_start|>user\\n<image>\\n...<|im_end|>\\n" instead), reduced: no video part. Faithful
    quirk, NOT hidden: its generation prompt "<|im_start|>assistant\\n" is not a prefix of the
    rendered assistant turn "<|im_start|>assistant \\nanswer<|im_end|>" (a space after the role,
    the newline in the answer's part); a caller must detect this.
    Tiles: image_size squares on grids of 1x1, 1x2, 2x1, 1x3, 3x1 tiles: a 70x70 image is one
    tile (36 image tokens), a 300x90 image three (68).
    """
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                    extra_special_tokens={"image_token": "<image>", "video_token": "<video>"},
                                    chat_template=LLAVA_ONEVISION_CHAT_TEMPLATE)
    tile = size.image_size
    pinpoints = _pinpoints(tile)
    siglip = {"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}
    n_tokens = (tile // size.patch_size) ** 2  # SigLIP: no CLS
    processor = LlavaOnevisionProcessor(
        image_processor=LlavaOnevisionImageProcessor(
            size={"height": tile, "width": tile}, image_grid_pinpoints=pinpoints, **siglip,
        ),
        video_processor=LlavaOnevisionVideoProcessor(size={"height": tile, "width": tile}, **siglip),
        tokenizer=tokenizer, num_image_tokens=n_tokens, vision_feature_select_strategy="full",
        vision_aspect_ratio="anyres_max_9", chat_template=LLAVA_ONEVISION_CHAT_TEMPLATE,
    )
    config = LlavaOnevisionConfig(
        vision_config=SiglipVisionConfig(
            hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
            num_hidden_layers=size.vision_depth, num_attention_heads=2,
            image_size=tile, patch_size=size.patch_size, vision_use_head=False,
            initializer_range=size.init_std,
        ),
        text_config=Qwen2Config(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            max_position_embeddings=4096, bos_token_id=None, eos_token_id=ids["<|im_end|>"],
            pad_token_id=ids["<|endoftext|>"], tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        image_token_index=ids["<image>"], video_token_index=ids["<video>"],
        image_grid_pinpoints=pinpoints,
        vision_feature_select_strategy="full",
        vision_feature_layer=-1,
        vision_aspect_ratio="anyres_max_9",
        tie_word_embeddings=True,
        initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = LlavaOnevisionForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<|im_end|>"], pad=ids["<|endoftext|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {
    "llava": build_llava, "llava_next": build_llava_next, "llava_onevision": build_llava_onevision,
}
