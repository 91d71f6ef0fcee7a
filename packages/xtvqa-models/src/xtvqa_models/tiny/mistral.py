"""Tiny Mistral 3 models (Pixtral vision encoder)."""

from __future__ import annotations

import torch
from transformers import (
    Mistral3Config,
    Mistral3ForConditionalGeneration,
    MistralConfig,
    PixtralImageProcessor,
    PixtralProcessor,
    PixtralVisionConfig,
    PreTrainedModel,
    ProcessorMixin,
)

from xtvqa_models.tiny.common import (
    MESSAGE_PARTS,
    Builder,
    TinySize,
    set_generation_ids,
    tiny_tokenizer,
)

# Mistral-Small-3.1-24B-Instruct-2503: "<s>[INST][IMG]...[/INST]answer</s>", parts in content
# order, no generation prompt (the user turn's "[/INST]" ends the prompt), no newlines.
MISTRAL3_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{%- if message['role'] == 'assistant' -%}"
    "{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ eos_token }}{% endgeneration %}"
    "{%- else -%}"
    "{{ '[INST]' }}"
    "{%- for part in parts -%}"
    "{%- if part['type'] == 'image' -%}{{ '[IMG]' }}{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}"
    "{%- endfor -%}"
    "{{ '[/INST]' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
)


def build_mistral3(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Mistral 3 (Mistral-Small-3.1): Pixtral ViT at native aspect ratio with 2D RoPE and 2x2
    patch merging, Mistral decoder (Mistral AI, 2025).

    Template: Mistral-Small-3.1's published one, reduced: no system prompt (the published one
    writes a default "[SYSTEM_PROMPT]...[/SYSTEM_PROMPT]" carrying today's date when none is
    given). It has no generation prompt (the prompt ends with "[/INST]"); the assistant turn is
    "answer</s>", so the prompt is a prefix. Images keep their aspect ratio, longest edge at most
    2 x image_size, in 28 px merged patches, each row closed by [IMG_BREAK], the last by
    [IMG_END]: a 70x70 image gives 12 image tokens (3x3 + 3), a 300x90 image 10 (4x2 + 2).
    """
    specials = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[IMG]", "<pad>", "[IMG_BREAK]",
                "[IMG_END]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                    chat_template=MISTRAL3_CHAT_TEMPLATE)
    merge = 2
    longest = 2 * size.image_size
    image_processor = PixtralImageProcessor(
        size={"longest_edge": longest}, patch_size={"height": size.patch_size, "width": size.patch_size},
    )
    processor = PixtralProcessor(
        image_processor=image_processor, tokenizer=tokenizer, patch_size=size.patch_size,
        spatial_merge_size=merge, chat_template=MISTRAL3_CHAT_TEMPLATE,
        image_token="[IMG]", image_break_token="[IMG_BREAK]", image_end_token="[IMG_END]",
    )
    config = Mistral3Config(
        vision_config=PixtralVisionConfig(
            hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
            num_hidden_layers=size.vision_depth, num_attention_heads=2, image_size=longest,
            patch_size=size.patch_size, initializer_range=size.init_std,
        ),
        text_config=MistralConfig(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            head_dim=size.hidden_size // size.num_heads, max_position_embeddings=4096, sliding_window=None,
            bos_token_id=ids["<s>"], eos_token_id=ids["</s>"], pad_token_id=ids["<pad>"],
            tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        image_token_index=ids["[IMG]"],
        spatial_merge_size=merge,
        vision_feature_layer=-1,
        tie_word_embeddings=True,
        initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = Mistral3ForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["</s>"], pad=ids["<pad>"], bos=ids["<s>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"mistral3": build_mistral3}
