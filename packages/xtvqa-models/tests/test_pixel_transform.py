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

    def noise(seed_offset):
        return lambda pixels, row: spec(pixels, seed=100 + row + seed_offset)

    a = model.score(items[:2], ["12", "yes"], pixel_transform=noise(0))
    b = model.score(items[:2], ["12", "yes"], batch_size=1, pixel_transform=noise(0))
    for x, y in zip(a, b, strict=True):  # same seeds, different batching: same numbers
        np.testing.assert_allclose(x.entropies, y.entropies, atol=1e-4)

