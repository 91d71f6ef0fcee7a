"""Tiny Gemma 3 and PaliGemma models."""

from __future__ import annotations

import torch
from transformers import (
    Gemma2Config,
    Gemma3Config,
    Gemma3ForConditionalGeneration,
    Gemma3ImageProcessor,
    Gemma3Processor,
    Gemma3TextConfig,
    PaliGemmaConfig,
    PaliGemmaForConditionalGeneration,
    PaliGemmaProcessor,
    PreTrainedModel,
    ProcessorMixin,
    SiglipImageProcessor,
    SiglipVisionConfig,
)

from xtvqa_models.tiny.common import (
    MESSAGE_PARTS,
    Builder,
    TinySize,
    set_generation_ids,
    tiny_tokenizer,
)

# Gemma 3's published template (google/gemma-3-4b-it, chat_template.json): a system message is
# folded into the first user turn, the assistant is "model", text parts are trimmed and an image
# part is "<start_of_image>" (the processor expands it to "\n\n<start_of_image>" + soft tokens +
# "<end_of_image>\n\n").
GEMMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- if messages[0]['content'] is string -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- else -%}{%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}{%- endif -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}{%- set first_user_prefix = '' -%}{%- set loop_messages = messages -%}{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{%- endif -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    + MESSAGE_PARTS +
    "{%- if role == 'model' -%}{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] | trim }}{%- endfor -%}"
    "{{ '<end_of_turn>' }}{% endgeneration %}"
    "{%- else -%}"
    "{%- for part in parts -%}"
    "{%- if part['type'] == 'image' -%}{{ '<start_of_image>' }}"
    "{%- elif part['type'] == 'text' -%}{{ part['text'] | trim }}{%- endif -%}"
    "{%- endfor -%}"
    "{{ '<end_of_turn>' }}"
    "{%- endif -%}"
    "{{ '\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)

# PaliGemma has no published chat template: it is a prefix-LM whose processor builds the
# sequence itself, "<image>" * n + "<bos>" + prefix + "\n" for a prompt, and appends
# `suffix` + "<eos>" as the causal part for training. This minimal template writes what the
# processor expects as its `text`: the image placeholder(s) then the user's text, with an EMPTY
# generation prompt; the processor inserts "<bos>" after the last "<image>" and appends the
# "\n" that separates prefix and answer. An assistant turn is rendered as answer + "<eos>" (the
# suffix as PaliGemma is trained on it), with no separator: the "\n" is the processor's.
PALIGEMMA_CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    + MESSAGE_PARTS +
    "{%- if message['role'] == 'assistant' -%}"
    "{% generation %}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{{ eos_token }}{% endgeneration %}"
    "{%- else -%}"
    "{%- for part in parts if part['type'] == 'image' -%}{{ '<image>' }}{%- endfor -%}"
    "{%- for part in parts if part['type'] == 'text' -%}{{ part['text'] }}{%- endfor -%}"
    "{%- endif -%}"
    "{%- endfor -%}"
)

# Gemma's specials in Gemma's order where it has one (pad 0, eos 1, bos 2, unk 3).
_GEMMA_SPECIALS = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>"]


def _siglip(size: TinySize) -> SiglipVisionConfig:
    """A SigLIP tower at the pixel budget (its weights use SigLIP's own initialisers)."""
    return SiglipVisionConfig(
        hidden_size=size.vision_hidden_size, intermediate_size=2 * size.vision_hidden_size,
        num_hidden_layers=size.vision_depth, num_attention_heads=2,
        image_size=size.image_size, patch_size=size.patch_size, vision_use_head=False,
    )


def _unscale_embeddings(model: PreTrainedModel, size: TinySize) -> None:
    """Draw the (tied) token embeddings at init_std / sqrt(hidden_size).

    Gemma multiplies input embeddings by sqrt(hidden_size); at init_std they would dwarf what two
    random layers add, and the tied head would echo the last input token whatever the image. So
    after the scaling the inputs have init_std, as the other families' do.
    """
    with torch.no_grad():
        model.get_input_embeddings().weight.normal_(0.0, size.init_std / size.hidden_size**0.5)


def build_gemma3(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A Gemma 3: SigLIP ViT, soft tokens average-pooled and projected, Gemma 3 decoder with
    interleaved sliding-window and global layers (Gemma 3 technical report, 2025).

    Template: the published one (system prompt folded into the first user turn included); the
    generation prompt "<start_of_turn>model\\n" is a prefix of the rendered assistant turn. Each
    image is 4 soft tokens (4 x 4 patches pooled 2 x 2) inside "\\n\\n<start_of_image>" ...
    "<end_of_image>\\n\\n". Pan-and-scan is off (the published default; the processor's
    defaults turn it off whatever the image processor says), so every image is one 56 x 56
    view. The projector's weight, which transformers initialises to zero, is drawn at
    `init_std` so that the untrained model's output depends on the image; the token embeddings
    as `_unscale_embeddings` says.
    """
    specials = [*_GEMMA_SPECIALS, "<start_of_image>", "<end_of_image>", "<image_soft_token>"]
    named = {"boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"}
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                    extra_special_tokens=named, chat_template=GEMMA3_CHAT_TEMPLATE)
    n_side = size.image_size // size.patch_size  # patches per side
    tokens_per_side = max(1, n_side // 2)  # pooled 2 x 2, as the real 64 x 64 patches pool 4 x 4 to 16 x 16
    mm_tokens = tokens_per_side**2
    processor = Gemma3Processor(
        image_processor=Gemma3ImageProcessor(size={"height": size.image_size, "width": size.image_size}),
        tokenizer=tokenizer, image_seq_length=mm_tokens, chat_template=GEMMA3_CHAT_TEMPLATE,
    )
    head_dim = size.hidden_size // size.num_heads
    config = Gemma3Config(
        text_config=Gemma3TextConfig(
            vocab_size=len(tokenizer), hidden_size=size.hidden_size, intermediate_size=2 * size.hidden_size,
            num_hidden_layers=size.num_layers, num_attention_heads=size.num_heads,
            num_key_value_heads=max(1, size.num_heads // 2), head_dim=head_dim, query_pre_attn_scalar=head_dim,
            max_position_embeddings=4096,
            # Local layers see 16 tokens (shorter than a prompt, so the window matters), then global.
            sliding_window=16,
            layer_types=["sliding_attention" if i % 2 == 0 else "full_attention" for i in range(size.num_layers)],
            bos_token_id=ids["<bos>"], eos_token_id=[ids["<eos>"], ids["<end_of_turn>"]], pad_token_id=ids["<pad>"],
            tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        vision_config=_siglip(size),
        mm_tokens_per_image=mm_tokens,
        boi_token_index=ids["<start_of_image>"], eoi_token_index=ids["<end_of_image>"],
        image_token_index=ids["<image_soft_token>"],
        tie_word_embeddings=True, initializer_range=size.init_std,
    )
    torch.manual_seed(seed)
    model = Gemma3ForConditionalGeneration(config).eval()
    with torch.no_grad():
        model.model.multi_modal_projector.mm_input_projection_weight.normal_(0.0, size.init_std)
    _unscale_embeddings(model, size)
    # gemma-3-it stops on <eos> or <end_of_turn> (its generation_config: [1, 106]).
    set_generation_ids(model, eos=[ids["<end_of_turn>"], ids["<eos>"]], pad=ids["<pad>"], bos=ids["<bos>"])
    return model, processor


def build_paligemma(size: TinySize, seed: int) -> tuple[PreTrainedModel, ProcessorMixin]:
    """A PaliGemma 2 (mix style): SigLIP ViT, linear projector, Gemma 2 decoder as a prefix-LM
    (image and prompt attend bidirectionally, the answer causally) (PaliGemma 2, 2024).

    Template: PaliGemma publishes NONE; this is a minimal one that renders, for a user turn,
    "<image>" per image part then the text, and an EMPTY generation prompt, so that
    `processor(text=rendered, images=...)` gives exactly what `processor(text=prompt,
    images=...)` gives: "<image>" * 16 + "<bos>" + prompt + "\\n" (the processor inserts the
    "<bos>" and appends the "\\n"). No task prefix ("answer en ...") is added: the prompt text
    carries it if wanted. An assistant turn renders as answer + "<eos>" right after the user
    text (the generation prompt is empty, so it is a prefix of the rendered conversation), so a
    prompt through the processor followed by the completion's tokens is exactly
    `processor(text=prompt, images=..., suffix=answer)`'s sequence (prefix, "\\n", answer,
    "<eos>"). Quirks kept: the prefix/answer separator "\\n" comes from the processor, not the
    template, so a whole rendered conversation passed to the processor gets it at the END
    (after "<eos>") instead; and PaliGemma's token_type_ids mean prefix (0: bidirectional) vs
    suffix (1: causal, what `suffix` marks and what generated tokens get), not text vs image.
    The processor adds PaliGemma's 1,024 "<locNNNN>" and 128 "<segNNN>" tokens to the
    vocabulary, as the real one has. 16 image tokens (4 x 4 patches, no pooling). Token
    embeddings as `_unscale_embeddings` says.
    """
    specials = [*_GEMMA_SPECIALS, "<image>"]
    tokenizer, ids = tiny_tokenizer(size, seed, specials, bos_token="<bos>", eos_token="<eos>", pad_token="<pad>",
                                    extra_special_tokens={"image_token": "<image>"},
                                    chat_template=PALIGEMMA_CHAT_TEMPLATE)
    n_patches = (size.image_size // size.patch_size) ** 2
    # The whole image squashed to image_size x image_size (SigLIP: bicubic, mean = std = 0.5).
    image_processor = SiglipImageProcessor(size={"height": size.image_size, "width": size.image_size})
    image_processor.image_seq_length = n_patches  # PaliGemma's processor reads it from here
    processor = PaliGemmaProcessor(image_processor=image_processor, tokenizer=tokenizer,
                                   chat_template=PALIGEMMA_CHAT_TEMPLATE)
    head_dim = size.hidden_size // size.num_heads
    config = PaliGemmaConfig(
        text_config=Gemma2Config(
            vocab_size=len(processor.tokenizer), hidden_size=size.hidden_size,
            intermediate_size=2 * size.hidden_size, num_hidden_layers=size.num_layers,
            num_attention_heads=size.num_heads, num_key_value_heads=max(1, size.num_heads // 2),
            head_dim=head_dim, query_pre_attn_scalar=head_dim, max_position_embeddings=4096,
            sliding_window=16, bos_token_id=ids["<bos>"], eos_token_id=ids["<eos>"], pad_token_id=ids["<pad>"],
            tie_word_embeddings=True, initializer_range=size.init_std,
        ),
        vision_config=_siglip(size),
        image_token_index=ids["<image>"], vocab_size=len(processor.tokenizer),
        projection_dim=size.hidden_size, hidden_size=size.hidden_size, tie_word_embeddings=True,
    )
    config.initializer_range = size.init_std
    torch.manual_seed(seed)
    model = PaliGemmaForConditionalGeneration(config).eval()
    _unscale_embeddings(model, size)
    set_generation_ids(model, eos=ids["<eos>"], pad=ids["<pad>"], bos=ids["<bos>"])
    return model, processor


BUILDERS: dict[str, Builder] = {"gemma3": build_gemma3, "paligemma": build_paligemma}
