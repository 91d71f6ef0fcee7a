"""Tiny GLM-4V models."""

from __future__ import annotations

import torch
from transformers import (
    Glm4vConfig,
    Glm4vForConditionalGeneration,
    Glm4vImageProcessor,
    Glm4vProcessor,
    Glm4vVideoProcessor,
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

# GLM-4.1V-9B-Thinking's published template, as transformers renders it (trim_blocks): every turn
# opens with its role token and nothing closes it; the next turn's role token does.
# "[gMASK]<sop><|user|>\n<|begin_of_image|><|image|><|end_of_image|>QUESTION<|assistant|>\nANSWER"
GLM4V_CHAT_TEMPLATE = (
    "[gMASK]<sop>"
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{%- if message['role'] == 'assistant' -%}"
    "{{ '<|assistant|>\n' }}{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{% endgeneration %}"
    "{%- elif message['role'] in ['system', 'user'] -%}"
    "{{ '<|' + message['role'] + '|>\n' }}"
    "{%- for part in parts -%}"
    "{%- if part['type'] == 'image' -%}{{ '<|begin_of_image|><|image|><|end_of_image|>' }}"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|assistant|>\n' }}{%- endif -%}"
)


def build_glm4v(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    r"""A GLM-4.1V: ViT with 2D-RoPE and interpolated learned position embeddings, conv 2x2
    downsampling and an MLP merger, 3D-RoPE GLM-4 decoder with partial rotary (GLM-4.1V-Thinking,
    2025).

    Template: GLM4V_CHAT_TEMPLATE, the layout of GLM-4.1V-9B-Thinking's published template (the
    `glm4v` checkpoints'), which has no thinking markup of its own: the model writes its
    `<think>`/`<answer>` blocks in the answer text. (GLM-4.5V's template, `glm4v_moe`, is another
    layout: `<think></think>` in every rendered assistant turn and `/nothink` after the user's
    text when thinking is off.) A faithful reduction: video parts and assistant `metadata` are
    left out (the published template has no tools); a system turn renders as published,
    `<|system|>\n` + its text. One departure: an assistant turn whose content is a list of parts
    renders its text parts here, where the published template writes `{{ msg.content }}` (the
    list's repr); string content renders the same in both.

    Quirk kept from the published template: an assistant turn has NO end-of-turn token. It renders
    `<|assistant|>\nANSWER` and stops; the model ends a reply by emitting the next turn's
    `<|user|>` (or `<|endoftext|>` / `<|observation|>`), which the template never writes after
    the answer. So the `{% generation %}` span is the answer alone, and the generation ids' eos
    is the published list [`<|endoftext|>`, `<|user|>`, `<|observation|>`] while the tokenizer's
    eos is `<|endoftext|>`. The generation prompt `<|assistant|>\n` is a prefix of the rendered
    assistant turn.
    """
    specials = ["<|endoftext|>", "[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>",
                "<|observation|>", "<|begin_of_image|>", "<|end_of_image|>", "<|begin_of_video|>",
                "<|end_of_video|>", "<|image|>", "<|video|>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, eos_token="<|endoftext|>", pad_token="<|endoftext|>",
                                    chat_template=GLM4V_CHAT_TEMPLATE)
    # GLM's resize budgets the temporal pair of frames too (t = 2): twice the area of image_size**2
    # keeps the aspect ratio at most image_size**2 pixels per image; at least one merged token.
    budget = {"shortest_edge": 2 * (size.patch_size * 2) ** 2, "longest_edge": 2 * size.image_size**2}
    patches = {"patch_size": size.patch_size, "merge_size": 2, "temporal_patch_size": 2}
    processor = Glm4vProcessor(
        image_processor=Glm4vImageProcessor(size=budget, **patches),
        video_processor=Glm4vVideoProcessor(size=budget, max_image_size={"longest_edge": budget["longest_edge"]},
                                            **patches),
        tokenizer=tokenizer,
        chat_template=GLM4V_CHAT_TEMPLATE,
    )
    head_dim = size.hidden_size // size.num_heads
    # Rotary on half of each head (partial_rotary_factor 0.5); M-RoPE splits that half's
    # frequencies into (temporal, height, width) sections as GLM-4.1V's [8, 12, 12] does.
    rotary_half = head_dim // 4
    mrope = [rotary_half - 2 * (rotary_half // 3), rotary_half // 3, rotary_half // 3]
    eos = [ids["<|endoftext|>"], ids["<|user|>"], ids["<|observation|>"]]
    config = Glm4vConfig(
        text_config={
            "vocab_size": len(tokenizer), "hidden_size": size.hidden_size,
            "intermediate_size": 2 * size.hidden_size, "num_hidden_layers": size.num_layers,
            "num_attention_heads": size.num_heads, "num_key_value_heads": max(1, size.num_heads // 2),
            "max_position_embeddings": 4096,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": mrope,
                                "partial_rotary_factor": 0.5},
            "pad_token_id": ids["<|endoftext|>"], "initializer_range": size.init_std,
        },
        vision_config={
            "depth": size.vision_depth, "hidden_size": size.vision_hidden_size, "num_heads": 2,
            # The vision blocks' MLP width is out_hidden_size; intermediate_size is the merger's.
            "out_hidden_size": size.hidden_size, "intermediate_size": 2 * size.hidden_size,
            "image_size": size.image_size, "patch_size": size.patch_size,
            "spatial_merge_size": 2, "temporal_patch_size": 2, "initializer_range": size.init_std,
        },
        image_token_id=ids["<|image|>"], video_token_id=ids["<|video|>"],
        image_start_token_id=ids["<|begin_of_image|>"], image_end_token_id=ids["<|end_of_image|>"],
        video_start_token_id=ids["<|begin_of_video|>"], video_end_token_id=ids["<|end_of_video|>"],
        tie_word_embeddings=False, initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = Glm4vForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=eos, pad=ids["<|endoftext|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"glm4v": build_glm4v}
