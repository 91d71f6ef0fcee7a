"""A byte-level BPE tokenizer trained locally (no hub download) for the tiny models.

Byte-level BPE encodes any string, so no question in any language maps to an unknown token.
Digits are split one per token (as Qwen2 and Llama 3 tokenizers do), so a tiny model reading a
year or a price predicts digit by digit instead of memorising number chunks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast


def train_bpe(lines: Iterable[str], *, vocab_size: int, special_tokens: Sequence[str],
              individual_digits: bool = True, normalizer: normalizers.Normalizer | None = None) -> Tokenizer:
    """Train a byte-level BPE on `lines`; `special_tokens` get the first ids and are never split.

    The vocabulary is at most `vocab_size` (smaller when the corpus runs out of merges).
    `individual_digits=False` keeps digit runs whole, so BPE can learn frequent numbers as one
    token each (a tiny model then copies or compares a number as one embedding). `normalizer`
    rewrites text before it is split (encoding only: decoding gives the normalized text).
    """
    n_base = 256 + len(special_tokens)
    if vocab_size < n_base:
        raise ValueError(
            f"vocab_size={vocab_size} is smaller than the 256 byte symbols plus "
            f"{len(special_tokens)} special tokens ({n_base}); use at least {n_base}"
        )
    tokenizer = Tokenizer(models.BPE())
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=individual_digits),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(special_tokens),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(lines, trainer)
    return tokenizer


def wrap_tokenizer(
    tokenizer: Tokenizer,
    *,
    eos_token: str,
    pad_token: str,
    bos_token: str | None = None,
    extra_special_tokens: dict[str, str] | None = None,
    chat_template: str | None = None,
    model_max_length: int = 2048,
) -> PreTrainedTokenizerFast:
    """The transformers tokenizer around a trained `tokenizers.Tokenizer`.

    `extra_special_tokens` become named attributes (e.g. `{"image_token": "<image>"}` gives
    `tokenizer.image_token`), which the LLaVA and Qwen2-VL processors read.
    """
    vocab = tokenizer.get_vocab()
    named = [eos_token, pad_token, *([bos_token] if bos_token else [])]
    named += list((extra_special_tokens or {}).values())
    missing = [t for t in named if t not in vocab]
    if missing:
        raise ValueError(f"special tokens {missing} are not in the trained vocabulary")
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos_token,
        eos_token=eos_token,
        pad_token=pad_token,
        extra_special_tokens=extra_special_tokens or {},
        chat_template=chat_template,
        model_max_length=model_max_length,
        padding_side="left",
        clean_up_tokenization_spaces=False,
    )
