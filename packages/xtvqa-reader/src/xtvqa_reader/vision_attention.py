"""Batched vision attention for Qwen2-VL-style vision towers whose images are all one size.

Without flash attention, transformers' Qwen2-VL vision attention splits the packed patch
sequence at `cu_seqlens` and calls SDPA once per image: 256 small kernel launches per layer for a
batch of 256, 73 of the 81 ms of a tiny-base training step on an H200 (benchmarks/reader_step.py).
Flash attention would take the whole packed batch in one call, but it is a compiled extension
that cannot be installed offline. When every image has the same number of patches (the tiny
reader's are all 28 px: 4 patches), the packed sequence is simply `[n_images, L]`, and one SDPA
call over a batch of images is the same attention; that is all `uniform_varlen_attention` does.
It falls back to SDPA image by image when the lengths differ.

`same_size_image_features` does the same for the rotary positions of the patches, which
transformers builds image by image too (a Python loop of small device ops per image): for a
batch of same-size images it builds one image's and tiles them.

transformers passes `cu_seqlens` only to attention implementations whose name contains "flash"
(`utils.generic.is_flash_attention_requested`), hence the registered name; it is set on the
vision tower alone (`use_batched_vision_attention`), never saved in a config, and changes no
number beyond float rounding (tests/test_vision_attention.py).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F
from transformers import AttentionInterface
from transformers.vision_utils import get_vision_position_ids

NAME = "xtvqa_flash_uniform_sdpa"


def uniform_varlen_attention(module, query, key, value, attention_mask=None, *, scaling=None, dropout=0.0,
                             cu_seq_lens_q=None, cu_seq_lens_k=None, is_causal=False, **_kwargs):
    """Attention over packed sequences `[1, heads, total, head_dim]` delimited by `cu_seq_lens_q`
    (= `cu_seq_lens_k`), each sequence attending to itself only. Returns `(out [1, total, heads,
    head_dim], None)`, the layout of transformers' flash attention functions."""
    if attention_mask is not None or cu_seq_lens_q is None:
        raise ValueError("uniform_varlen_attention takes packed sequences (cu_seq_lens_q), not attention masks")
    if cu_seq_lens_k is not None and cu_seq_lens_k is not cu_seq_lens_q and not torch.equal(cu_seq_lens_k,
                                                                                           cu_seq_lens_q):
        raise ValueError("uniform_varlen_attention needs the same sequences for queries and keys")
    _, heads, total, dim = query.shape
    lengths = cu_seq_lens_q[1:] - cu_seq_lens_q[:-1]
    count = lengths.numel()
    dropout = dropout if module.training else 0.0
    if count and total % count == 0 and bool((lengths == total // count).all()):
        length = total // count

        def grouped(x):  # [1, H, n * L, D] -> [n, H, L, D]
            return x[0].reshape(heads, count, length, dim).transpose(0, 1)

        out = F.scaled_dot_product_attention(grouped(query), grouped(key), grouped(value), dropout_p=dropout,
                                             scale=scaling, is_causal=is_causal)  # [n, H, L, D]
        return out.transpose(1, 2).reshape(1, count * length, heads, dim), None
    outs = [F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, scale=scaling, is_causal=is_causal)
            for q, k, v in zip(*(x.split(lengths.tolist(), dim=2) for x in (query, key, value)), strict=True)]
    return torch.cat(outs, dim=2).transpose(1, 2), None


AttentionInterface.register(NAME, uniform_varlen_attention)


def use_batched_vision_attention(model, enabled: bool = True) -> str:
    """Switch `model`'s vision tower to `uniform_varlen_attention` (or back to SDPA); returns the
    implementation it had. The text model keeps its own. Saved configs should not carry NAME:
    switch back before `save_pretrained` (a loader without this module does not know it)."""
    vision_config = model.config.vision_config
    before = vision_config._attn_implementation
    vision_config._attn_implementation = NAME if enabled else "sdpa"
    return before


def same_size_image_features(model, pixel_values: torch.Tensor, image_grid_thw: torch.Tensor):
    """`model.model.get_image_features(pixel_values, image_grid_thw, return_dict=True)` for a
    Qwen2-VL whose images all have one grid: the vision tower's rotary position ids built for the
    first image and tiled (transformers' own `get_vision_position_ids`, so the same ids), passed
    to the tower as precomputed. None when the grids differ (or the model is not such a model);
    the caller then lets the model encode the images itself."""
    inner = getattr(model, "model", None)
    visual = getattr(inner, "visual", None)
    if visual is None or not hasattr(visual, "spatial_merge_size") or len(image_grid_thw) == 0:
        return None
    if not bool((image_grid_thw == image_grid_thw[:1]).all()):
        return None
    one = get_vision_position_ids(image_grid_thw[:1], visual.spatial_merge_size)
    return inner.get_image_features(pixel_values, image_grid_thw, position_ids=one.repeat(len(image_grid_thw), 1),
                                    return_dict=True)
