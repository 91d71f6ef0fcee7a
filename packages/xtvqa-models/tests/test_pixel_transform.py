"""`HFModel.score(pixel_transform=...)`: noise on the processor's pixel tensor, one row at a time
(what VCD's diffusion noise needs). Run: uv run nox -s models -- -k pixel_transform"""

import numpy as np
import torch
from xtvqa_infotheory import parse_noise


def test_identity_transform_changes_nothing(hf_models, family, items):
    model = hf_models[family]
    targets = ["12", "yes", "Paris"][: len(items[:3])]
    plain = model.score(items[:3], targets, batch_size=3)
    same = model.score(items[:3], targets, batch_size=3, pixel_transform=lambda pixels, row: pixels)
    for a, b in zip(plain, same, strict=True):
        np.testing.assert_allclose(a.logprobs, b.logprobs, atol=1e-6)


def test_transform_reaches_only_its_own_row(hf_models, family, items):
    model = hf_models[family]
    batch, targets = items[:3], ["12", "yes", "Paris"]
    seen: list[tuple[int, tuple[int, ...]]] = []

    def zero_row_one(pixels: torch.Tensor, row: int) -> torch.Tensor:
        seen.append((row, tuple(pixels.shape)))
        return torch.zeros_like(pixels) if row == 1 else pixels

    plain = model.score(batch, targets, batch_size=2)  # two batches: rows are global indices
    changed = model.score(batch, targets, batch_size=2, pixel_transform=zero_row_one)
    assert [row for row, _ in seen] == [0, 1, 2]
    np.testing.assert_allclose(plain[0].logprobs, changed[0].logprobs, atol=1e-6)
    np.testing.assert_allclose(plain[2].logprobs, changed[2].logprobs, atol=1e-6)
    assert not np.allclose(plain[1].entropies, changed[1].entropies, atol=1e-6)


def test_diffusion_noise_is_seeded_per_row(hf_models, items):
    model = hf_models["qwen2-vl"]
    spec = parse_noise("diffusion:500")
    calls: list[tuple[int, torch.Tensor, torch.Tensor]] = []  # (row, pixels in, pixels out)

    def noise(seed_of_row):
        def transform(pixels: torch.Tensor, row: int) -> torch.Tensor:
            out = spec(pixels, seed=seed_of_row(row))
            calls.append((row, pixels.detach().clone(), out.detach().clone()))
            return out
        return transform

    per_row = noise(lambda row: 100 + row)
    targets = ["12", "yes"]
    plain = model.score(items[:2], targets)
    a = model.score(items[:2], targets, pixel_transform=per_row)
    b = model.score(items[:2], targets, batch_size=1, pixel_transform=per_row)
    for x, y in zip(a, b, strict=True):  # same seeds, different batching: same numbers
        np.testing.assert_allclose(x.entropies, y.entropies, atol=1e-4)
    # The noise does something: every row's tensor changes, and so do its scores.
    assert [row for row, _, _ in calls] == [0, 1, 0, 1]
    for _, before, after in calls:
        assert after.shape == before.shape and not torch.allclose(after, before, atol=1e-3)
    for clean, noised in zip(plain, a, strict=True):
        assert not np.allclose(clean.entropies, noised.entropies, atol=1e-4)

    # One image in two rows: different seeds give different noise (tensors and scores) ...
    twice, calls[:] = [items[0], items[0]], []
    own = model.score(twice, ["12", "12"], batch_size=2, pixel_transform=per_row)
    (_, in0, out0), (_, in1, out1) = calls
    assert torch.equal(in0, in1) and not torch.allclose(out0, out1, atol=1e-3)
    assert not np.allclose(own[0].entropies, own[1].entropies, atol=1e-4)
    # ... and the same seed the same noise.
    calls.clear()
    shared = model.score(twice, ["12", "12"], batch_size=2, pixel_transform=noise(lambda row: 100))
    (_, _, out0), (_, _, out1) = calls
    assert torch.equal(out0, out1) and torch.equal(out0, spec(in0, seed=100))
    np.testing.assert_allclose(shared[0].entropies, shared[1].entropies, atol=1e-5)
    np.testing.assert_allclose(shared[0].entropies, own[0].entropies, atol=1e-4)  # row 0 had seed 100 both times
