"""Mutual information I(Y; V | Q) and its pointwise estimate (paper eqs. 7-8, signs fixed).

The paper's eq. 7 as printed equals H(clean) - H(noised), the negative of the MI it names
(DESIGN.md 5). We implement the definitions:
    MI  = H(Y | V_eps, Q) - H(Y | V, Q)          (nats; > 0 when the image reduces uncertainty)
    PMI = log p(y | V, Q) - log p(y | V_eps, Q)  (the pointwise estimate of the same quantity)
Both are elementwise over tensors, numpy arrays or floats; a NaN in an input or in the result
(e.g. -inf - -inf) raises instead of propagating into a summary.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch

Values = TypeVar("Values", torch.Tensor, np.ndarray, float)


def _has_nan(x: torch.Tensor | np.ndarray | float) -> bool:
    if isinstance(x, torch.Tensor):
        return bool(torch.isnan(x).any()) if x.is_floating_point() else False
    return bool(np.isnan(np.asarray(x, dtype=np.float64)).any())


def _difference(a: Values, b: Values, name: str, a_name: str, b_name: str) -> Values:
    for value, label in ((a, a_name), (b, b_name)):
        if not isinstance(value, torch.Tensor | np.ndarray | float | int) or isinstance(value, bool):
            raise TypeError(f"{name}: {label} must be a tensor, array or float, got {type(value).__name__}")
        if _has_nan(value):
            raise ValueError(f"{name}: {label} contains NaN; fix the upstream score first")
    shape_a, shape_b = np.shape(a), np.shape(b)
    if shape_a != shape_b:
        # No silent broadcasting: [B] against [K, B] is usually a forgotten mean over draws.
        raise ValueError(
            f"{name}: {a_name} shape {tuple(shape_a)} != {b_name} shape {tuple(shape_b)}; "
            "average the noise draws first"
        )
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        ta = torch.as_tensor(a)
        tb = torch.as_tensor(b, device=ta.device)
        out = ta.to(torch.promote_types(ta.dtype, torch.float32)) - tb
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        out = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    else:
        out = float(a) - float(b)
    if _has_nan(out):
        raise ValueError(
            f"{name}: {a_name} - {b_name} is NaN (inf - inf: a probability-0 answer under both "
            "images); such an item has no finite estimate"
        )
    return out


def mutual_information(h_noised: Values, h_clean: Values) -> Values:
    """I(Y; V | Q) ~ H(Y | V_eps, Q) - H(Y | V, Q), elementwise, in nats.

    Pass sequence entropies (sum over the answer's tokens; for the noised condition the mean
    over the K noise draws) or per-token means; both arguments must have the same shape.
    Returns the kind of its inputs (tensor if either is a tensor, else float64 array, else
    float); tensors follow torch's type promotion, at least float32.
    """
    return _difference(h_noised, h_clean, "mutual_information", "h_noised", "h_clean")


def pointwise_mutual_information(logp_clean: Values, logp_noised: Values) -> Values:
    """PMI(y; V | Q) = log p(y | V, Q) - log p(y | V_eps, Q), elementwise, in nats.

    Arguments are answer log-probabilities (the sum of `target_logprobs` over the answer).
    """
    return _difference(
        logp_clean, logp_noised, "pointwise_mutual_information", "logp_clean", "logp_noised"
    )
