"""token_entropy / sequence_entropy against direct formulas and edge cases (DESIGN.md 5).

Run: uv run nox -s infotheory -- -k entropy
"""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from xtvqa_infotheory import sequence_entropy, token_entropy


def direct_entropy(logits: torch.Tensor) -> torch.Tensor:
    """The textbook formula in float64: -(softmax * log_softmax).sum(-1)."""
    x = logits.double()
    return -(x.softmax(-1) * x.log_softmax(-1)).sum(-1)


@pytest.mark.parametrize("vocab", [1, 2, 7, 1000])
def test_uniform_logits_give_log_vocab(vocab):
    logits = torch.full((2, 3, vocab), 4.25)
    h = token_entropy(logits)
    assert h.shape == (2, 3) and h.dtype == torch.float32
    torch.testing.assert_close(h, torch.full((2, 3), math.log(vocab)), atol=1e-6, rtol=1e-6)


def test_one_hot_logits_give_zero():
    neg_inf = torch.full((1, 2, 50), float("-inf"))
    neg_inf[0, 0, 3] = 1e4
    neg_inf[0, 1, 49] = -5.0  # one finite logit among -inf: still a point mass
    assert torch.equal(token_entropy(neg_inf), torch.zeros(1, 2))
    very_negative = torch.full((1, 1, 50), -1e4)
    very_negative[0, 0, 0] = 1e4
    assert token_entropy(very_negative).abs().max() < 1e-6


def test_matches_direct_formula_and_scipy_on_random_logits():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(4, 5, 301, generator=gen) * 3
    h = token_entropy(logits)
    torch.testing.assert_close(h.double(), direct_entropy(logits), atol=1e-5, rtol=1e-5)
    probs = logits.double().softmax(-1).numpy()
    np.testing.assert_allclose(h.numpy(), scipy.stats.entropy(probs, axis=-1), atol=1e-5)
    assert (h >= 0).all() and (h <= math.log(301) + 1e-6).all()


def test_neg_inf_logits_contribute_zero():
    gen = torch.Generator().manual_seed(1)
    finite = torch.randn(3, 2, 10, generator=gen)
    padded = torch.cat([finite, torch.full((3, 2, 5), float("-inf"))], dim=-1)
    torch.testing.assert_close(token_entropy(padded), token_entropy(finite), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_low_precision_input_is_upcast(dtype):
    # V = 32000: summing p log p in bf16 itself would be off by far more than 1e-3.
    gen = torch.Generator().manual_seed(2)
    low = (torch.randn(2, 3, 32000, generator=gen) * 4).to(dtype)
    h = token_entropy(low, chunk_size=2)
    assert h.dtype == torch.float32
    torch.testing.assert_close(h.double(), direct_entropy(low.double()), atol=1e-3, rtol=0)
    torch.testing.assert_close(h, token_entropy(low.float()), atol=1e-5, rtol=0)


def test_float64_input_returns_float32():
    logits = torch.randn(2, 2, 9, dtype=torch.float64)
    h = token_entropy(logits)
    assert h.dtype == torch.float32
    torch.testing.assert_close(h.double(), direct_entropy(logits), atol=1e-6, rtol=0)


def test_shift_invariance_and_large_magnitudes():
    logits = torch.randn(2, 4, 64, dtype=torch.float64)
    torch.testing.assert_close(
        token_entropy((logits + 1e4).float()), token_entropy(logits.float()), atol=2e-3, rtol=0
    )


@pytest.mark.parametrize("chunk_size", [1, 3, 7, 20, 1000])
def test_chunk_size_does_not_change_result(chunk_size):
    logits = torch.randn(4, 5, 77, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(
        token_entropy(logits, chunk_size=chunk_size), token_entropy(logits), atol=1e-6, rtol=0
    )


def test_input_is_not_modified():
    logits = torch.randn(2, 3, 11)
    logits[0, 0, :5] = float("-inf")
    before = logits.clone()
    token_entropy(logits, chunk_size=2)
    assert torch.equal(logits, before)


def test_mask_zeroes_masked_and_keeps_unmasked():
    logits = torch.randn(2, 4, 13, generator=torch.Generator().manual_seed(4))
    logits[1, 3] = float("nan")  # padding garbage is never read into the result
    mask = torch.tensor([[1, 1, 0, 1], [1, 0, 1, 0]])
    h = token_entropy(logits, mask)
    assert (h[mask == 0] == 0).all()
    full = token_entropy(logits[0:1])  # row 0 has no NaN: compute it unmasked
    torch.testing.assert_close(h[0, mask[0] == 1], full[0, mask[0] == 1])
    torch.testing.assert_close(h[1, [0, 2]], direct_entropy(logits[1, [0, 2]]).float())
    assert torch.equal(token_entropy(logits, mask.bool()), h)


@pytest.mark.parametrize(
    ("mask", "error"),
    [(torch.ones(2, 3, dtype=torch.bool), ValueError), (torch.ones(2, 4, 1), ValueError),
     (torch.full((2, 4), 2), ValueError), (torch.ones(2, 4, dtype=torch.float32), TypeError)],
)
def test_bad_mask_is_rejected(mask, error):
    with pytest.raises(error, match="mask"):
        token_entropy(torch.randn(2, 4, 5), mask)


@pytest.mark.parametrize(
    ("value", "why"), [(float("nan"), "NaN"), (float("inf"), r"\+inf"), (None, "only -inf")]
)
def test_invalid_logits_raise_with_position(value, why):
    logits = torch.randn(2, 3, 6)
    if value is None:
        logits[1, 2] = float("-inf")
    else:
        logits[1, 2, 4] = value
    with pytest.raises(ValueError, match=rf"position \(1, 2\) holds .*{why}"):
        token_entropy(logits, chunk_size=4)


@pytest.mark.parametrize("shape", [(0, 3, 5), (2, 0, 5), (2, 3, 0)])
def test_empty_input_raises(shape):
    with pytest.raises(ValueError, match="empty"):
        token_entropy(torch.zeros(shape))


def test_wrong_kinds_raise():
    with pytest.raises(ValueError, match=r"\[\.\.\., V\]"):
        token_entropy(torch.zeros(5))
    with pytest.raises(TypeError, match="floating-point"):
        token_entropy(torch.zeros(2, 3, 4, dtype=torch.long))
    with pytest.raises(TypeError, match=r"torch\.Tensor"):
        token_entropy(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="chunk_size"):
        token_entropy(torch.zeros(2, 3, 4), chunk_size=0)


def test_sequence_entropy_sum_and_mean():
    logits = torch.randn(3, 4, 20, generator=torch.Generator().manual_seed(5))
    mask = torch.tensor([[1, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]], dtype=torch.bool)
    per_token = direct_entropy(logits).float() * mask
    torch.testing.assert_close(sequence_entropy(logits, mask), per_token.sum(-1))
    torch.testing.assert_close(
        sequence_entropy(logits, mask, "mean"), per_token.sum(-1) / mask.sum(-1)
    )
    torch.testing.assert_close(
        sequence_entropy(logits, None, "mean"), direct_entropy(logits).float().mean(-1)
    )


def test_sequence_entropy_empty_row_rule():
    logits = torch.randn(2, 3, 5)
    mask = torch.tensor([[1, 1, 0], [0, 0, 0]], dtype=torch.bool)
    assert sequence_entropy(logits, mask, "sum")[1] == 0  # an empty sum is 0
    with pytest.raises(ValueError, match=r"rows \[1\] have no unmasked position"):
        sequence_entropy(logits, mask, "mean")
    with pytest.raises(ValueError, match="reduction"):
        sequence_entropy(logits, mask, "max")
    with pytest.raises(ValueError, match=r"\[B, T, V\]"):
        sequence_entropy(torch.randn(3, 5), None)


@pytest.mark.gpu
def test_cuda_matches_cpu():
    logits = torch.randn(2, 8, 5000, generator=torch.Generator().manual_seed(6))
    h = token_entropy(logits.cuda().bfloat16(), chunk_size=3)
    assert h.device.type == "cuda" and h.dtype == torch.float32
    torch.testing.assert_close(h.cpu(), token_entropy(logits.bfloat16()), atol=1e-4, rtol=0)
