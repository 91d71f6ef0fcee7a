"""mutual_information and pointwise_mutual_information: signs, kinds, NaN refusal.

Run: uv run nox -s infotheory -- -k mi
"""

import numpy as np
import pytest
import torch
from xtvqa_infotheory import (
    mutual_information,
    pointwise_mutual_information,
    sequence_entropy,
    target_logprobs,
)


@pytest.mark.parametrize("value", [torch.tensor([1.5, 0.2, 3.0]), np.array([1.5, 0.2]), 0.7])
def test_identical_inputs_give_zero(value):
    mi = mutual_information(value, value)
    pmi = pointwise_mutual_information(value, value)
    assert type(mi) is type(value) and type(pmi) is type(value)
    assert np.all(np.asarray(mi) == 0) and np.all(np.asarray(pmi) == 0)


def test_signs_follow_the_definitions():
    # The image reduces uncertainty: H(noised) > H(clean) -> MI > 0 (the paper's eq. 7 as
    # printed would give the negative); the clean answer is likelier -> PMI > 0.
    assert mutual_information(h_noised=2.0, h_clean=0.5) == pytest.approx(1.5)
    assert pointwise_mutual_information(logp_clean=-0.1, logp_noised=-2.1) == pytest.approx(2.0)
    out = mutual_information(torch.tensor([2.0]), torch.tensor([0.5]))
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    mixed = mutual_information(torch.tensor([2.0]), np.array([0.5]))  # any tensor -> tensor
    assert isinstance(mixed, torch.Tensor) and mixed.item() == pytest.approx(1.5)


def test_from_logits_end_to_end():
    # Clean logits peaked on the answer, noised logits flat: MI and PMI both positive.
    vocab, targets = 50, torch.tensor([[3, 7, 1]])
    clean = torch.zeros(1, 3, vocab).scatter(-1, targets.unsqueeze(-1), 8.0)
    noised = torch.zeros(1, 3, vocab)
    mask = torch.ones(1, 3, dtype=torch.bool)
    mi = mutual_information(sequence_entropy(noised, mask), sequence_entropy(clean, mask))
    pmi = pointwise_mutual_information(
        target_logprobs(clean, targets).sum(-1), target_logprobs(noised, targets).sum(-1)
    )
    assert mi.item() > 0 and pmi.item() > 0
    assert sequence_entropy(noised, mask).item() == pytest.approx(3 * np.log(vocab), rel=1e-6)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="shape"):
        mutual_information(torch.zeros(4), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="h_clean contains NaN"):
        mutual_information(np.zeros(2), np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="inf - inf"):
        pointwise_mutual_information(float("-inf"), float("-inf"))
    with pytest.raises(TypeError, match="tensor, array or float"):
        mutual_information([1.0], [1.0])
