"""A tiny Qwen2-VL that reads OCR tokens, with a tokenizer trained on the generator's own text.

The bundled default model cannot learn to read pixels within a CPU budget (measured in
shared/PROBES.md), so it reads the image's OCR tokens from its prompt, as the paper's starred
models in Table 1 do. `xtvqa_models.tiny.build_tiny_model` gives the architecture (ViT with 2x2
patch merging, M-RoPE decoder, chat template); this module swaps its small embedded tokenizer for
a byte-level BPE trained on the reader's own prompts (OCR lines, questions, instructions) and
answers in all eight languages, so that a Chinese or Russian word is a token or two (not one
per UTF-8 byte) and every number up to 2100 is one token, and writes `xtvqa_prompt.json` so
that the `hf:` backend puts the OCR tokens in the prompt, one string per line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from tokenizers import normalizers
from transformers import AutoProcessor, Qwen2VLForConditionalGeneration, Qwen2VLProcessor
from xtvqa_data import EvalItem, Record
from xtvqa_models.prompts import PromptConfig
from xtvqa_models.tiny import build_tiny_model
from xtvqa_models.tiny.corpus import corpus_lines
from xtvqa_models.tiny.families import QWEN2_VL_CHAT_TEMPLATE
from xtvqa_models.tiny.tokenizer import train_bpe, wrap_tokenizer

# The Qwen2-VL specials in the order build_tiny_model gives them (ids 0..6 in both tokenizers).
SPECIALS = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
)


@dataclass(frozen=True)
class ReaderSize:
    """Shape of the OCR-reading model. A 28x28 image is one merged visual token: the pixels carry
    almost nothing at this size, and every visual token costs attention in every layer."""

    vocab_size: int = 4096
    hidden_size: int = 256
    num_layers: int = 4
    image_size: int = 28
    patch_size: int = 14
    whole_numbers: bool = True  # digit runs stay whole for BPE (frequent numbers: one token)


# The prompt the reader is trained with and declares in its folder: one OCR string per line. A
# string then starts its line exactly as an answer starts its turn and as a quoted name starts in
# the question (no leading space), so BPE gives the name the same tokens in all three places and
# answering is copying (with " " between strings, "Lisbon" and " Lisbon" are different tokens).
# The strings are lines ("Ice cream", "IC 9538" whole), as the generator draws them: an OCR
# engine's lines are given to it whole too, not split into words.
READER_PROMPT = PromptConfig(use_ocr_tokens=True, ocr_separator="\n", ocr_granularity="line")

# French guillemets enclose a name in spaces (« Judo »); the tokenizer drops them so the name is
# the token it is in the OCR lines. Encoding only: answers never contain guillemets.
GUILLEMETS = normalizers.Sequence(
    [
        normalizers.Replace("« ", "«"),
        normalizers.Replace(" »", "»"),
        normalizers.Replace("«\u00a0", "«"),
        normalizers.Replace("\u00a0»", "»"),
    ]
)


def generator_corpus(records: Iterable[Record], prompt: PromptConfig = READER_PROMPT) -> Iterator[str]:
    """Tokenizer training text: the reader's prompts (`prompt`: OCR lines, question, instruction)
    in every question language of each record, every answer, and the numbers up to 2100."""
    # Every number up to 2100 and every zero-padded digit, often enough for BPE to keep them whole.
    numbers = " ".join([*map(str, range(2101)), *(f"{i:02d}" for i in range(10))])
    yield from [numbers] * 8
    yield from corpus_lines(0)
    for record in records:
        for lang in record.question:
            yield prompt.text(EvalItem(record, lang))
        for answers in record.answers.values():
            yield from answers


def build_ocr_reader(
    out_dir: str | Path,
    corpus_records: Iterable[Record],
    *,
    size: ReaderSize = ReaderSize(),
    seed: int = 0,
    prompt: PromptConfig = READER_PROMPT,
) -> tuple[torch.nn.Module, Qwen2VLProcessor]:
    """A randomly initialised (std 0.02) tiny Qwen2-VL with a generator-trained tokenizer (trained
    on the records' prompts as `prompt` writes them).

    Returns (model, processor); `save_reader` writes them. `out_dir` only names the model in
    errors; nothing is written there yet.
    """
    bpe = train_bpe(
        generator_corpus(corpus_records, prompt),
        vocab_size=size.vocab_size,
        special_tokens=SPECIALS,
        individual_digits=not size.whole_numbers,
        normalizer=GUILLEMETS,
    )
    tokenizer = wrap_tokenizer(
        bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", chat_template=QWEN2_VL_CHAT_TEMPLATE
    )
    with tempfile.TemporaryDirectory(prefix="xtvqa-reader-") as scratch:
        build_tiny_model(
            "qwen2-vl",
            scratch,
            seed=seed,
            vocab_size=1024,
            hidden_size=size.hidden_size,
            num_layers=size.num_layers,
            image_size=size.image_size,
            patch_size=size.patch_size,
            init_std=0.02,
            overwrite=True,
        )
        base = AutoProcessor.from_pretrained(scratch)
        model = Qwen2VLForConditionalGeneration.from_pretrained(scratch)
    for token, expected in zip(SPECIALS, range(len(SPECIALS)), strict=True):
        if (
            tokenizer.convert_tokens_to_ids(token) != expected
            or base.tokenizer.convert_tokens_to_ids(token) != expected
        ):
            raise RuntimeError(
                f"{out_dir}: special token {token} is not id {expected} in both tokenizers"
            )
    processor = Qwen2VLProcessor(
        image_processor=base.image_processor,
        video_processor=base.video_processor,
        tokenizer=tokenizer,
        chat_template=QWEN2_VL_CHAT_TEMPLATE,
    )
    model.resize_token_embeddings(bpe.get_vocab_size(), mean_resizing=False)
    torch.manual_seed(seed)
    torch.nn.init.normal_(model.get_input_embeddings().weight, std=0.02)  # tied with the LM head
    return model, processor


def mimetic_init(model: torch.nn.Module, *, seed: int = 0, value_out: float = 0.0) -> torch.nn.Module:
    """Mimetic initialisation of the decoder's attention (Trockman & Kolter, ICML 2023): each
    head's query projection starts as its key projection plus half as much noise, so that
    W_q^T W_k is near a (low-rank) identity and a token attends to tokens like itself from step
    0, the matching half of associative recall (a quoted name finding its OCR line). Random
    projections with entries N(0, 1/d): after the RMSNorm a token's score with itself is
    ~ sqrt(head_dim), with another token ~ +-1. Biases of q, k (and v) start at zero.

    `value_out` > 0 also makes each head's output projection the transpose of its value
    projection, scaled so that the sum over heads is ~ `value_out` times the identity: the
    attended token's embedding is added to the residual stream (a copy). Changes `model` in
    place (the vision tower is left alone) and returns it."""
    text = model.config.get_text_config()
    d, heads, groups = text.hidden_size, text.num_attention_heads, text.num_key_value_heads
    hd = d // heads
    gen = torch.Generator().manual_seed(seed)

    def projection() -> torch.Tensor:
        return torch.randn(hd, d, generator=gen) / d**0.5

    with torch.no_grad():
        for layer in model.model.language_model.layers:
            attn = layer.self_attn
            keys = [projection() for _ in range(groups)]
            values = [projection() for _ in range(groups)]
            group_of = [h * groups // heads for h in range(heads)]
            attn.k_proj.weight.copy_(torch.cat(keys))
            attn.q_proj.weight.copy_(torch.cat([keys[g] + 0.5 * projection() for g in group_of]))
            for proj in (attn.q_proj, attn.k_proj, attn.v_proj):
                if proj.bias is not None:
                    proj.bias.zero_()
            if value_out:
                attn.v_proj.weight.copy_(torch.cat(values))
                # sum_h O_h V_g(h) = c * sum_h V^T V ~ c * heads * hd / d * I
                scale = value_out * d / (heads * hd)
                attn.o_proj.weight.copy_(torch.cat([values[g].T * scale for g in group_of], dim=1))
    return model


def save_reader(
    model: torch.nn.Module,
    processor: Qwen2VLProcessor,
    out_dir: str | Path,
    *,
    dtype: torch.dtype = torch.float32,
    prompt: PromptConfig = READER_PROMPT,
) -> Path:
    """Write model (safetensors, in `dtype`), processor, tokenizer, chat template and `prompt` as
    `xtvqa_prompt.json` (the reader's own by default)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.to(dtype).save_pretrained(out)
    model.to(torch.float32)
    processor.save_pretrained(out)
    prompt.save(out)  # the hf backend reads it: OCR tokens in the prompt
    return out
