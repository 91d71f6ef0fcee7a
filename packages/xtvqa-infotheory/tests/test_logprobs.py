"""target_logprobs against log_softmax + gather, masks and bad targets.

Run: uv run nox -s infotheory -- -k logprobs
"""

import pytest
import torch
from xtvqa_infotheory import target_logprobs


def gather_reference(logits, targets):
    return logits.double().log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)


def test_equals_log_softmax_gather():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 6, 97, generator=gen) * 5
    targets = torch.randint(0, 97, (3, 6), generator=gen)
    out = target_logprobs(logits, targets)
    assert out.dtype == torch.float32 and out.shape == (3, 6)
    torch.testing.assert_close(out.double(), gather_reference(logits, targets), atol=1e-5, rtol=0)
    assert (out <= 0).all()


@pytest.mark.parametrize("chunk_size", [1, 4, 100])
def test_chunking_and_bf16(chunk_size):
    gen = torch.Generator().manual_seed(1)
    logits = (torch.randn(2, 5, 4000, generator=gen) * 3).bfloat16()
    targets = torch.randint(0, 4000, (2, 5), generator=gen)
    out = target_logprobs(logits, targets, chunk_size=chunk_size)
    torch.testing.assert_close(out.double(), gather_reference(logits, targets), atol=1e-4, rtol=0)


def test_mask_allows_hf_ignore_index():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 4, 10, generator=gen)
    targets = torch.tensor([[1, 2, -100, -100], [3, -100, 5, 9]])
    mask = targets != -100
    out = target_logprobs(logits, targets, mask)
    assert (out[~mask] == 0).all()
    ref = gather_reference(logits, targets.clamp(min=0)).float()
    torch.testing.assert_close(out[mask], ref[mask])


def test_neg_inf_target_logit_is_log_zero():
    logits = torch.tensor([[[0.0, float("-inf"), 0.0]]])
    out = target_logprobs(logits, torch.tensor([[1]]))
    assert out.item() == float("-inf")


def test_bad_targets_raise():
    logits = torch.randn(2, 3, 10)
    with pytest.raises(ValueError, match=r"target id 10 at position \(1, 2\).*\[0, 10\)"):
        target_logprobs(logits, torch.tensor([[0, 1, 2], [3, 4, 10]]))
    with pytest.raises(ValueError, match="target id -100"):
        target_logprobs(logits, torch.full((2, 3), -100))
    with pytest.raises(ValueError, match="targets shape"):
        target_logprobs(logits, torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="integer token ids"):
        target_logprobs(logits, torch.zeros(2, 3))


def test_invalid_logits_raise_unless_masked():
    logits = torch.randn(1, 3, 4)
    logits[0, 1, 2] = float("nan")
    targets = torch.zeros(1, 3, dtype=torch.long)
    with pytest.raises(ValueError, match=r"position \(0, 1\) holds a NaN"):
        target_logprobs(logits, targets)
    out = target_logprobs(logits, targets, torch.tensor([[True, False, True]]))
    assert out[0, 1] == 0 and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="empty"):
        target_logprobs(torch.zeros(0, 3, 4), torch.zeros(0, 3, dtype=torch.long))


@pytest.mark.gpu
def test_cuda_matches_cpu():
    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 8, 5000, generator=gen).bfloat16()
    targets = torch.randint(0, 5000, (2, 8), generator=gen)
    mask = torch.rand(2, 8, generator=gen) > 0.3
    out = target_logprobs(logits.cuda(), targets.cuda(), mask.cuda(), chunk_size=5)
    assert out.device.type == "cuda"
    torch.testing.assert_close(out.cpu(), target_logprobs(logits, targets, mask), atol=1e-4, rtol=0)
