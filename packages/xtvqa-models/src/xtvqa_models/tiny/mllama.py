"""Tiny Llama 3.2 Vision (mllama) models."""

from __future__ import annotations

import math

import torch
from transformers import (
    MllamaConfig,
    MllamaForConditionalGeneration,
    MllamaImageProcessor,
    MllamaProcessor,
    MllamaTextConfig,
    MllamaVisionConfig,
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

# Llama 3.2 Vision Instruct's template (meta-llama/Llama-3.2-11B-Vision-Instruct), tools removed:
# "<|image|>" where the image part is, no system block when a message holds an image (and an
# error for a system message with images), the dated system block otherwise.
MLLAMA_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if not date_string is defined -%}{%- set date_string = '26 Jul 2024' -%}{%- endif -%}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- if messages[0]['content'] is string -%}{%- set system_message = messages[0]['content'] | trim -%}"
    "{%- else -%}{%- set system_message = messages[0]['content'][0]['text'] | trim -%}{%- endif -%}"
    "{%- set messages = messages[1:] -%}"
    "{%- else -%}{%- set system_message = '' -%}{%- endif -%}"
    "{%- set image_ns = namespace(has_images=false) -%}"
    "{%- for message in messages -%}{%- if message['content'] is not string -%}"
    "{%- for part in message['content'] if part['type'] == 'image' -%}{%- set image_ns.has_images = true -%}"
    "{%- endfor -%}{%- endif -%}{%- endfor -%}"
    "{%- if image_ns.has_images and not system_message == '' -%}"
    "{{ raise_exception('Prompting with images is incompatible with system messages.') }}"
    "{%- endif -%}"
    "{%- if not image_ns.has_images -%}"
    "{{ '<|start_header_id|>system<|end_header_id|>\n\n' }}"
    "{{ 'Cutting Knowledge Date: December 2023\n' }}{{ 'Today Date: ' + date_string + '\n\n' }}"
    "{{ system_message }}{{ '<|eot_id|>' }}"
    "{%- endif -%}"
    "{%- for message in messages -%}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' }}"
    + MESSAGE_PARTS +
    "{%- if message['role'] == 'assistant' -%}{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ '<|eot_id|>' }}{% endgeneration %}"
    "{%- else -%}"
    "{%- for part in parts -%}"
    "{%- if part['type'] == 'image' -%}{{ '<|image|>' }}"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] }}{%- endif -%}"
    "{%- endfor -%}"
    "{{ '<|eot_id|>' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif -%}"
)


def build_mllama(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Llama 3.2 Vision: tiled ViT (local + gated global encoder, tile and aspect-ratio
    embeddings) read by gated cross-attention layers of a Llama 3 decoder (Llama 3.2, 2024).

    Template: the published one reduced (tool calling and tool turns removed; the system block
    with its dates, rendered only when no message holds an image, and the error for a system
    message with an image are kept). The generation prompt
    "<|start_header_id|>assistant<|end_header_id|>\\n\\n" is a prefix of the rendered assistant
    turn. The image is ONE "<|image|>" token in the text (no soft tokens): the decoder's
    cross-attention layers read the tiles through `cross_attention_mask` [B, T, images, tiles].
    Tiles of (image_size + 2 patches) px square, at most 4 per image, in the grid the image fits
    with the least upscaling (a 70 x 70 image: 1 tile; 90 x 60 and 60 x 150: 2; 200 x 56: 3;
    300 x 90: 4 side by side; 120 x 120: 2 x 2); pixel_values are padded to 4 tiles per image.
    Decoder: num_layers self-attention layers with one cross-attention layer after the first
    (the real ones interleave one every five). transformers initialises every tanh gate of the
    cross-attention layers and of the tile/aspect-ratio embeddings to zero (the image would be
    ignored); here they are pi/4 (tanh = 0.66), as transformers sets the global encoder's gates.
    """
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|finetune_right_pad_id|>", "<|start_header_id|>",
                "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>", "<|image|>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>",
                                    pad_token="<|finetune_right_pad_id|>",
                                    extra_special_tokens={"image_token": "<|image|>"},
                                    chat_template=MLLAMA_CHAT_TEMPLATE)
    # Tiles of 84 px (at the defaults): a 70 x 70 image fits one; Mllama upscales an image to
    # the tile grid it fits with the least upscaling, so 56 px tiles would give it 2 x 2.
    tile, max_tiles = size.image_size + 2 * size.patch_size, 4
    image_processor = MllamaImageProcessor(size={"height": tile, "width": tile}, max_image_tiles=max_tiles)
    processor = MllamaProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                chat_template=MLLAMA_CHAT_TEMPLATE)
    n_layers = size.num_layers + 1
    config = MllamaConfig(
        vision_config=MllamaVisionConfig(
            hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
            num_hidden_layers=max(2, size.vision_depth), num_global_layers=1, attention_heads=2,
            # The last hidden state plus one intermediate layer's, concatenated (the real one takes 5).
            intermediate_layers_indices=[0], vision_output_dim=2 * size.vision_hidden_size,
            image_size=tile, patch_size=size.patch_size, max_num_tiles=max_tiles,
            initializer_range=size.init_std,
        ),
        text_config=MllamaTextConfig(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size, intermediate_size=2 * size.hidden_size,
            num_hidden_layers=n_layers, cross_attention_layers=[1],
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            max_position_embeddings=4096, rope_parameters={"rope_type": "default", "rope_theta": 500000.0},
            bos_token_id=ids["<|begin_of_text|>"], eos_token_id=[ids["<|end_of_text|>"], ids["<|eom_id|>"],
                                                               ids["<|eot_id|>"]],
            pad_token_id=ids["<|finetune_right_pad_id|>"], tie_word_embeddings=False,
            initializer_range=size.init_std,
        ),
        image_token_index=ids["<|image|>"],
    )
    config.initializer_range = size.init_std
    torch.manual_seed(seed)
    model = MllamaForConditionalGeneration(config).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith(("cross_attn_attn_gate", "cross_attn_mlp_gate", "embedding.gate")):
                param.fill_(math.pi / 4)
    # Llama 3.2 Vision Instruct stops on <|end_of_text|>, <|eom_id|> or <|eot_id|>.
    set_generation_ids(model, eos=[ids["<|eot_id|>"], ids["<|eom_id|>"], ids["<|end_of_text|>"]],
                       pad=ids["<|finetune_right_pad_id|>"], bos=ids["<|begin_of_text|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"mllama": build_mllama}
