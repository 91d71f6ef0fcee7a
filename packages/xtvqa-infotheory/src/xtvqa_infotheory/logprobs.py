"""Log-probabilities of given target tokens under teacher forcing (the PMI's ingredient).

log p(y_t | V, Q, y_<t) = x[y_t] - logsumexp(x), chunked over positions like `token_entropy`
so a [B, T, V] float32 copy of the logits never exists. Summed over an answer it is
log p(y | V, Q), the term of PMI = log p(y|V,Q) - log p(y|V_eps,Q) (DESIGN.md 5).
"""

from __future__ import annotations

import torch

from ._logits import check_logits, check_lse, check_mask, iter_chunks


def target_logprobs(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mask: torch.Tensor | None = None,
    *,
    chunk_size: int | None = None,
) -> torch.Tensor:
    """log softmax(logits)[..., targets] at every position: [..., V], [...] -> [...] float32.

    `logits[..., t, :]` must already be the distribution that predicts `targets[..., t]` (shift
    a causal LM's logits by one before calling). Masked positions (mask False) are exactly 0
    and their targets are ignored, so Hugging Face's -100 label padding is fine under a mask;
    an unmasked target outside [0, V) raises ValueError. A target whose logit is -inf gets
    log p = -inf (probability 0), which is a value, not an error. Invalid logits (NaN, +inf,
    all -inf) at unmasked positions raise ValueError, as in `token_entropy`.
    """
    check_logits(logits)
    if not isinstance(targets, torch.Tensor):
        raise TypeError(f"targets must be a torch.Tensor of token ids, got {type(targets).__name__}")
    if targets.is_floating_point() or targets.is_complex() or targets.dtype == torch.bool:
        raise TypeError(f"targets must be integer token ids, got dtype {targets.dtype}")
    if tuple(targets.shape) != tuple(logits.shape[:-1]):
        raise ValueError(
            f"targets shape {tuple(targets.shape)} does not match the logits' positions "
            f"{tuple(logits.shape[:-1])} (logits shape {tuple(logits.shape)})"
        )
    mask = check_mask(mask, logits)
    vocab = logits.shape[-1]
    targets = targets.to(device=logits.device, dtype=torch.long)
    bad = (targets < 0) | (targets >= vocab)
    if mask is not None:
        bad &= mask
    if bool(bad.any()):
        where = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(
            f"target_logprobs: target id {int(targets[where])} at position {where} is outside "
            f"the vocabulary [0, {vocab}); mask padding (e.g. -100) out or fix the tokenizer"
        )
    # Masked targets may be -100: gather index 0 there and zero the result below.
    safe = targets.masked_fill(~mask, 0) if mask is not None else targets
    flat_targets = safe.reshape(-1, 1)  # [N, 1]
    out = torch.zeros(flat_targets.shape[0], dtype=torch.float32, device=logits.device)
    for rows, x, m in iter_chunks(logits, mask, chunk_size):
        lse = torch.logsumexp(x, dim=-1)  # [n]
        check_lse(lse, m, rows.start, logits.shape, "target_logprobs")
        picked = x.gather(-1, flat_targets[rows]).squeeze(-1)  # [n]
        out[rows] = (picked - lse).to(torch.float32)
    out = out.reshape(logits.shape[:-1])
    if mask is not None:
        out = torch.where(mask, out, torch.zeros((), dtype=out.dtype, device=out.device))
    return out
