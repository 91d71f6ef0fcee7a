"""Full-vocabulary entropy of a model's next-token distributions (DESIGN.md 5; paper eq. 6 fixed).

Step entropy, natural log: H_t = - sum_w p(w | V, Q, y_<t) log p(w | V, Q, y_<t). The paper's
eq. 6 drops the minus sign and sums over the answer's positions instead of the vocabulary; we
implement the definition. The sequence entropy along a teacher-forced answer is sum_t H_t
(DESIGN.md 5), with the per-token mean beside it since answer lengths differ across languages.
"""

from __future__ import annotations

from typing import Literal

import torch

from ._logits import check_logits, check_lse, check_mask, iter_chunks


def token_entropy(
    logits: torch.Tensor, mask: torch.Tensor | None = None, *, chunk_size: int | None = None
) -> torch.Tensor:
    """Entropy in nats of softmax(logits) at every position: [..., V] -> [...] float32.

    - Computed in float32 (float64 input stays float64 until the result) whatever the logits'
      dtype, `chunk_size` flattened positions at a time (default: ~2**24 values per chunk), so
      bf16/fp16 logits are upcast one chunk at a time and the extra memory is a few chunk
      buffers, never B x T x V floats.
    - Stable: log p = x - logsumexp(x). A -inf logit is probability 0 and contributes 0; a
      position whose logits hold a NaN or +inf, or are all -inf, raises ValueError.
    - `mask` ([...], bool or 0/1): positions where it is False are exactly 0 and are not
      checked (padding logits may be anything).
    - Returns a float32 tensor on the logits' device.
    """
    check_logits(logits)
    mask = check_mask(mask, logits)
    out = torch.zeros(logits.shape[:-1].numel(), dtype=torch.float32, device=logits.device)
    for rows, x, m in iter_chunks(logits, mask, chunk_size):
        # x: [n, V] in the compute dtype; may alias the caller's logits (float32 input).
        lse = torch.logsumexp(x, dim=-1, keepdim=True)  # [n, 1]
        check_lse(lse.squeeze(-1), m, rows.start, logits.shape, "token_entropy")
        logp = x - lse  # [n, V]; new buffer, so x (possibly the caller's) is never written
        # -inf logits give log p = -inf and p = 0; clamping to the dtype's lowest finite value
        # keeps p * log p at exactly 0 instead of 0 * -inf = NaN.
        logp.clamp_(min=torch.finfo(logp.dtype).min)
        del x
        plogp = logp.exp().mul_(logp)  # [n, V]
        del logp
        h = plogp.sum(dim=-1).neg_()  # [n]
        # Rounding can leave -1e-7 for a one-hot row; entropy is >= 0 by definition.
        out[rows] = h.clamp_(min=0.0).to(torch.float32)
        del plogp
    out = out.reshape(logits.shape[:-1])
    if mask is not None:
        # where, not multiplication: masked rows may be NaN (garbage padding logits).
        out = torch.where(mask, out, torch.zeros((), dtype=out.dtype, device=out.device))
    return out


def sequence_entropy(
    logits: torch.Tensor,
    mask: torch.Tensor | None,
    reduction: Literal["sum", "mean"] = "sum",
    *,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """Entropy of each answer, [B, T, V] -> [B] float32: sum (or mean) of `token_entropy` over
    the unmasked positions of each row.

    `mask` [B, T] marks the answer tokens (None: every position). Rule for a row with no
    unmasked position: "sum" gives 0 (an empty sum); "mean" raises ValueError naming the rows,
    because a mean over nothing has no value and a NaN must not leak into a summary.
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    check_logits(logits)
    if logits.ndim != 3:
        raise ValueError(f"sequence_entropy needs logits [B, T, V], got shape {tuple(logits.shape)}")
    mask = check_mask(mask, logits)
    h = token_entropy(logits, mask, chunk_size=chunk_size)  # [B, T]
    total = h.sum(dim=-1)
    if reduction == "sum":
        return total
    counts = (
        torch.full_like(total, logits.shape[1]) if mask is None else mask.sum(dim=-1).to(total)
    )
    empty = (counts == 0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(
            f"sequence_entropy(reduction='mean'): rows {empty} have no unmasked position, so "
            "their mean entropy is undefined; drop those rows or use reduction='sum'"
        )
    return total / counts
