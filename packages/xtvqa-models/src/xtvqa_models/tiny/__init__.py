"""Tiny randomly initialised vision-language models for tests, benchmarks and the default model.

`build_tiny_model(family, out_dir)` writes a model folder (safetensors, config,
processor, tokenizer, chat template) that loads with `load_model(f"hf:{out_dir}")`, the same
path as any hub model. Everything is constructed locally from config classes: no hub access.
The weights are random: the outputs are deterministic nonsense, which is all tests need.
"""

from __future__ import annotations

import os
from pathlib import Path

from xtvqa_models.tiny.families import FAMILIES, TinySize, family_key

__all__ = ["FAMILIES", "TinySize", "build_tiny_model"]

_CARD = """# Tiny {family} (random weights)

Built by `xtvqa_models.tiny.build_tiny_model({family!r}, ..., seed={seed})` for tests and
benchmarks. The weights are RANDOM: its answers are meaningless. It exists so that code paths
(processor, chat template, batching, scoring) run on a CPU in milliseconds, through the same
`hf:` backend as a real model. Tokenizer: byte-level BPE trained on a small embedded corpus in
8 languages (vocabulary {vocab}). Size: {params:,} parameters, images at most {image}x{image} px.
"""


def build_tiny_model(
    family: str,
    out_dir: str | os.PathLike[str],
    *,
    seed: int = 0,
    vocab_size: int = 1024,
    image_size: int = 56,
    patch_size: int = 14,
    hidden_size: int = 64,
    num_layers: int = 2,
    init_std: float = 0.15,
    overwrite: bool = False,
) -> Path:
    """Build a tiny `family` model and `save_pretrained` it (model, processor, tokenizer) to `out_dir`.

    `family`: a key of `FAMILIES`, the family's transformers `model_type` ("qwen2_vl", "llava",
    ...; hyphens are accepted: "qwen2-vl"). Images are resized to at most `image_size`**2 pixels in
    `patch_size` patches. `init_std` is the weights' standard deviation: the default 0.15 makes
    an untrained model's output depend on its input (tests); use 0.02 to train from scratch.
    Deterministic in `seed`. Returns the folder; load it with `load_model(f"hf:{path}")`.
    """
    key = family_key(family)
    if key not in FAMILIES:
        raise ValueError(f"unknown tiny model family {family!r}; choose one of {sorted(FAMILIES)}")
    if image_size % (2 * patch_size) or image_size < 2 * patch_size:
        raise ValueError(
            f"image_size={image_size} must be a positive multiple of 2 x patch_size "
            f"(= {2 * patch_size}): both families merge or tile patches in pairs"
        )
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(f"{out} is not empty; pass overwrite=True or choose a new folder")
    size = TinySize(vocab_size=vocab_size, hidden_size=hidden_size, num_layers=num_layers,
                    image_size=image_size, patch_size=patch_size, init_std=init_std)
    model, processor = FAMILIES[key](size, seed)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    card = _CARD.format(family=key, seed=seed, vocab=model.config.get_text_config().vocab_size,
                        params=model.num_parameters(), image=image_size)
    (out / "README.md").write_text(card, encoding="utf-8")
    return out
