"""Shared checks and chunking for the per-position functions over logits [..., V].

A vision-language model's logits for a batch of answers are [B, T, V] with V up to ~150k
(Qwen2-VL), so a float32 copy of all of them (B=16, T=64: 614 MB) must never exist at once.
Every per-position function flattens the leading dimensions to N = B*T rows and walks them in
chunks of `chunk_size` rows; each chunk is upcast to float32 on its own (bf16/fp16 logits never
get a full float32 copy) and validated through its log-sum-exp, which is finite exactly when
the row is usable (see `check_lse`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

# Default rows per chunk: about 2**24 float32 values (64 MiB) per chunk buffer. The entropy
# holds at most three such buffers at once (float32 copy, log p, p log p), so the extra memory
# stays near 200 MiB whatever B*T is (benchmarks/entropy_memory.py measures it).
CHUNK_ELEMENTS = 1 << 24


def compute_dtype(logits: torch.Tensor) -> torch.dtype:
    """float64 logits are kept in float64; every other float dtype is computed in float32."""
    return torch.float64 if logits.dtype == torch.float64 else torch.float32


def check_logits(logits: torch.Tensor, name: str = "logits") -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor [..., V], got {type(logits).__name__}")
    if not logits.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {logits.dtype}")
    if logits.ndim < 2:
        raise ValueError(
            f"{name} must have shape [..., V] with at least one position dimension "
            f"(e.g. [B, T, V]), got shape {tuple(logits.shape)}"
        )
    if logits.numel() == 0:
        raise ValueError(
            f"{name} is empty (shape {tuple(logits.shape)}): an empty batch, no positions or an "
            "empty vocabulary has no entropy; skip the call instead"
        )


def check_mask(mask: torch.Tensor | None, logits: torch.Tensor) -> torch.Tensor | None:
    """The mask as a bool tensor on the logits' device, shape logits.shape[:-1]; None stays None."""
    if mask is None:
        return None
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a torch.Tensor or None, got {type(mask).__name__}")
    if tuple(mask.shape) != tuple(logits.shape[:-1]):
        raise ValueError(
            f"mask shape {tuple(mask.shape)} does not match the logits' positions "
            f"{tuple(logits.shape[:-1])} (logits shape {tuple(logits.shape)})"
        )
    if mask.dtype != torch.bool:
        if mask.is_floating_point() or mask.is_complex():
            raise TypeError(f"mask must be bool or 0/1 integers, got dtype {mask.dtype}")
        if ((mask != 0) & (mask != 1)).any():
            raise ValueError("mask must hold only 0 and 1 (or be a bool tensor)")
        mask = mask != 0
    return mask.to(logits.device)


def resolve_chunk_size(chunk_size: int | None, vocab: int) -> int:
    if chunk_size is None:
        return max(1, CHUNK_ELEMENTS // vocab)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int (rows per chunk), got {chunk_size!r}")
    return chunk_size


def iter_chunks(
    logits: torch.Tensor, mask: torch.Tensor | None, chunk_size: int | None
) -> Iterator[tuple[slice, torch.Tensor, torch.Tensor | None]]:
    """Yield (row slice, float32 chunk [n, V], mask chunk [n] or None) over the flattened rows.

    `reshape` is a view for the contiguous logits a model returns; the float32 chunk is a copy
    only when the logits are not float32 already (never modify it in place then).
    """
    vocab = logits.shape[-1]
    flat = logits.reshape(-1, vocab)  # [N, V]
    flat_mask = None if mask is None else mask.reshape(-1)  # [N]
    step = resolve_chunk_size(chunk_size, vocab)
    dtype = compute_dtype(logits)
    for start in range(0, flat.shape[0], step):
        rows = slice(start, min(start + step, flat.shape[0]))
        yield rows, flat[rows].to(dtype), None if flat_mask is None else flat_mask[rows]


def check_lse(
    lse: torch.Tensor, mask: torch.Tensor | None, first_row: int, shape: torch.Size, name: str
) -> None:
    """Raise unless every unmasked row's log-sum-exp is finite.

    torch.logsumexp is NaN for a row holding a NaN, +inf for a row holding +inf and -inf for a
    row that is all -inf; it is finite for every usable row (single -inf entries are fine: they
    are probability 0). Masked rows are padding and are not checked.
    """
    bad = ~torch.isfinite(lse)
    if mask is not None:
        bad &= mask
    if bool(bad.any()):
        local = int(bad.nonzero()[0, 0])
        value = float(lse[local])
        where = tuple(int(i) for i in np.unravel_index(first_row + local, tuple(shape[:-1])))
        why = "a NaN" if value != value else ("a +inf" if value > 0 else "only -inf values")
        raise ValueError(
            f"{name}: position {where} holds {why} in its logits, so its distribution is "
            "undefined; check the model's dtype/overflow or mask that position out"
        )
