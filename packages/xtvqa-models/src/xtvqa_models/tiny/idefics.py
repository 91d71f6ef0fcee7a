"""Tiny Idefics3 and SmolVLM models."""

from __future__ import annotations

import torch
from transformers import (
    Idefics3Config,
    Idefics3ForConditionalGeneration,
    Idefics3ImageProcessor,
    Idefics3Processor,
    PreTrainedModel,
    ProcessorMixin,
    SmolVLMConfig,
    SmolVLMForConditionalGeneration,
    SmolVLMImageProcessor,
    SmolVLMProcessor,
    SmolVLMVideoProcessor,
)

from xtvqa_models.tiny.common import (
    MESSAGE_PARTS,
    Builder,
    TinySize,
    set_generation_ids,
    tiny_tokenizer,
)


def _idefics_template(bos: str) -> str:
    """The Idefics3/SmolVLM template: `bos` once, then "Role:" directly before an image that
    opens the message and "Role: " otherwise; parts in order; "<end_of_utterance>\\n" per turn;
    the generation prompt is "Assistant:" (no space). An assistant turn's space after the colon
    is inside the generation markers: the model generates it after the generation prompt."""
    return (
        "{{ '" + bos + "' }}"
        "{%- for message in messages -%}"
        + MESSAGE_PARTS +
        "{{ message['role'] | capitalize + ':' }}"
        "{%- set space = '' if parts[0]['type'] == 'image' else ' ' -%}"
        "{%- if message['role'] == 'assistant' -%}{% generation %}{{ space }}"
        "{%- for part in parts -%}{%- if part['type'] == 'text' -%}{{ part['text'] }}"
        "{%- elif part['type'] == 'image' -%}{{ '<image>' }}{%- endif -%}{%- endfor -%}"
        "{{ '<end_of_utterance>' }}{% endgeneration %}"
        "{%- else -%}{{ space }}"
        "{%- for part in parts -%}{%- if part['type'] == 'text' -%}{{ part['text'] }}"
        "{%- elif part['type'] == 'image' -%}{{ '<image>' }}{%- endif -%}{%- endfor -%}"
        "{{ '<end_of_utterance>' }}"
        "{%- endif -%}"
        "{{ '\n' }}"
        "{%- endfor -%}"
        "{%- if add_generation_prompt -%}{{ 'Assistant:' }}{%- endif -%}"
    )


# HuggingFaceM4/Idefics3-8B-Llama3's template (Llama 3 bos) and SmolVLM's (SmolLM2 bos).
IDEFICS3_CHAT_TEMPLATE = _idefics_template("<|begin_of_text|>")
SMOLVLM_CHAT_TEMPLATE = _idefics_template("<|im_start|>")

# The processors' image tokens: crops are tagged <row_i_col_j> (up to 6 x 6), the downscaled
# whole image <global-img>, each wrapped in <fake_token_around_image>.
_IMAGE_SPECIALS = ["<fake_token_around_image>", "<image>", "<global-img>",
                   *[f"<row_{i}_col_{j}>" for i in range(1, 7) for j in range(1, 7)]]


def _image_processor_kwargs(size: TinySize) -> dict:
    """Crops of image_size px and the longest edge resized to twice that, as the published
    processors do with 4 x 364 / 364 (Idefics3) and 4 x 512 / 512 (SmolVLM), scaled down: a square
    image gives 2 x 2 crops + the global image, a 300x90 one 1 x 2 crops + the global image."""
    return {"size": {"longest_edge": 2 * size.image_size},
            "max_image_size": {"longest_edge": size.image_size}, "do_image_splitting": True}


def _configs(size: TinySize, vocab: int, ids: dict[str, int], *, bos: str, eos: str, pad: str,
             patch_size: int, scale_factor: int) -> dict:
    """The text and vision configs shared by Idefics3 and SmolVLM (Llama text, SigLIP-like vision)."""
    return {
        "text_config": {
            "model_type": "llama", "vocab_size": vocab, "hidden_size": size.hidden_size,
            "intermediate_size": 2 * size.hidden_size, "num_hidden_layers": size.num_layers,
            "num_attention_heads": size.num_heads, "num_key_value_heads": max(1, size.num_heads // 2),
            "max_position_embeddings": 4096, "bos_token_id": ids[bos], "eos_token_id": ids[eos],
            "pad_token_id": ids[pad], "tie_word_embeddings": True, "initializer_range": size.init_std,
        },
        "vision_config": {
            "hidden_size": size.vision_hidden_size, "intermediate_size": 2 * size.vision_hidden_size,
            "num_hidden_layers": size.vision_depth, "num_attention_heads": 2,
            "image_size": size.image_size, "patch_size": patch_size,
            "initializer_range": size.init_std,
        },
        "image_token_id": ids["<image>"], "scale_factor": scale_factor, "tie_word_embeddings": True,
        "pad_token_id": ids[pad],
    }


def _image_seq_len(size: TinySize, patch_size: int, scale_factor: int) -> int:
    """<image> tokens per crop: the crop's patches after the pixel shuffle."""
    return (size.image_size // patch_size // scale_factor) ** 2


def build_idefics3(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """An Idefics3: SigLIP ViT on image crops, pixel-shuffle connector, Llama 3 decoder
    (Laurençon et al., 2024).

    The template is the published one (Idefics3-8B-Llama3) for text and image parts: it has no
    system prompt. Its quirk: the generation prompt is "Assistant:" while a rendered assistant
    turn is "Assistant: answer<end_of_utterance>" (a space after the colon when the turn starts
    with text), so the trained model's answer starts with a space; the generation prompt is
    a string prefix of the rendered turn.
    """
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<end_of_utterance>", *_IMAGE_SPECIALS]
    tokenizer, ids = tiny_tokenizer(
        size, seed, specials, bos_token="<|begin_of_text|>", eos_token="<end_of_utterance>",
        pad_token="<|reserved_special_token_0|>", chat_template=IDEFICS3_CHAT_TEMPLATE,
        extra_special_tokens={"image_token": "<image>", "fake_image_token": "<fake_token_around_image>",
                              "global_image_token": "<global-img>",
                              "end_of_utterance_token": "<end_of_utterance>"},
    )
    processor = Idefics3Processor(
        image_processor=Idefics3ImageProcessor(**_image_processor_kwargs(size)), tokenizer=tokenizer,
        image_seq_len=_image_seq_len(size, size.patch_size, 2), chat_template=IDEFICS3_CHAT_TEMPLATE,
    )
    config = Idefics3Config(**_configs(size, len(tokenizer), ids, bos="<|begin_of_text|>",
                                       eos="<end_of_utterance>", pad="<|reserved_special_token_0|>",
                                       patch_size=size.patch_size, scale_factor=2),
                            initializer_range=size.init_std)
    torch.manual_seed(seed)
    model = Idefics3ForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<end_of_utterance>"], pad=ids["<|reserved_special_token_0|>"],
                       bos=ids["<|begin_of_text|>"])
    return model, processor


def build_smolvlm(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A SmolVLM: SigLIP ViT on image crops, pixel-shuffle connector, SmolLM2 (Llama) decoder
    (Marafioti et al., 2025).

    The template is the published one (SmolVLM-Instruct; SmolVLM2's adds only video parts) for
    text and image parts: no system prompt. Same quirk as Idefics3: the generation prompt is
    "Assistant:" while a rendered assistant turn is "Assistant: answer<end_of_utterance>".
    The processor needs the `num2words` package.
    """
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<end_of_utterance>", "<video>",
                *_IMAGE_SPECIALS]
    tokenizer, ids = tiny_tokenizer(
        size, seed, specials, bos_token="<|im_start|>", eos_token="<end_of_utterance>",
        pad_token="<|im_end|>", chat_template=SMOLVLM_CHAT_TEMPLATE,
        extra_special_tokens={"image_token": "<image>", "fake_image_token": "<fake_token_around_image>",
                              "global_image_token": "<global-img>", "video_token": "<video>",
                              "end_of_utterance_token": "<end_of_utterance>"},
    )
    # SmolVLM's model scatters image features in blocks of vision patch_size tokens, so the
    # tokens per crop must be a multiple of it (SmolVLM2: 16 px patches, 512 px crops, 4x4 pixel
    # shuffle, 64 tokens). Here: 4 px patches and one 2x2 grid of tokens per crop (4 tokens).
    patch, per_side = 4, 2
    if size.image_size % (patch * per_side):
        raise ValueError(f"smolvlm needs image_size to be a multiple of {patch * per_side}, got {size.image_size}")
    scale = size.image_size // (patch * per_side)
    pixels = _image_processor_kwargs(size)
    processor = SmolVLMProcessor(
        image_processor=SmolVLMImageProcessor(**pixels),
        video_processor=SmolVLMVideoProcessor(size=pixels["size"], max_image_size=pixels["max_image_size"]),
        tokenizer=tokenizer, image_seq_len=_image_seq_len(size, patch, scale), chat_template=SMOLVLM_CHAT_TEMPLATE,
    )
    config = SmolVLMConfig(**_configs(size, len(tokenizer), ids, bos="<|im_start|>", eos="<end_of_utterance>",
                                      pad="<|im_end|>", patch_size=patch, scale_factor=scale),
                           initializer_range=size.init_std)
    torch.manual_seed(seed)
    model = SmolVLMForConditionalGeneration(config).eval()
    set_generation_ids(model, eos=ids["<end_of_utterance>"], pad=ids["<|im_end|>"], bos=ids["<|im_start|>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"idefics3": build_idefics3, "smolvlm": build_smolvlm}
