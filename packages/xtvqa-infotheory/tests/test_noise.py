"""gaussian_noise, diffusion_noise (VCD schedule) and the --noise spec parser.

Run: uv run nox -s infotheory -- -k noise
"""

import math

import numpy as np
import pytest
import scipy.stats
import torch
from PIL import Image
from xtvqa_infotheory import (
    NoiseSpec,
    diffusion_alpha_bar,
    diffusion_coefficients,
    diffusion_noise,
    gaussian_noise,
    parse_noise,
)


def grey(mode="RGB", size=(64, 48), value=128):
    return Image.new(mode, size, (value,) * len(mode) if len(mode) > 1 else value)


# ---- Gaussian pixel noise ------------------------------------------------------------------

@pytest.mark.parametrize(
    "image",
    [grey(), grey("L"), np.full((16, 16, 3), 90, np.uint8), torch.full((3, 8, 8), 90, dtype=torch.uint8),
     torch.full((3, 8, 8), 0.4)],
    ids=["pil-rgb", "pil-l", "numpy-uint8", "tensor-uint8", "tensor-float"],
)
def test_deterministic_by_seed_and_same_kind(image):
    a, b = gaussian_noise(image, seed=7), gaussian_noise(image, seed=7)
    c = gaussian_noise(image, seed=8)
    as_array = (lambda x: np.asarray(x, dtype=np.float64)) if isinstance(image, Image.Image) else (
        lambda x: np.asarray(x.numpy() if isinstance(x, torch.Tensor) else x, dtype=np.float64))
    assert type(a) is type(image)
    np.testing.assert_array_equal(as_array(a), as_array(b))
    assert not np.array_equal(as_array(a), as_array(c))
    if isinstance(image, Image.Image):
        assert (a.mode, a.size) == (image.mode, image.size)
    else:
        assert a.dtype == image.dtype and a.shape == image.shape


@pytest.mark.parametrize(
    "image",
    [grey(), grey("RGBA"), np.arange(256, dtype=np.uint8).reshape(16, 16),
     torch.arange(256, dtype=torch.uint8).reshape(1, 16, 16), torch.linspace(0, 1, 50)],
    ids=["pil-rgb", "pil-rgba", "numpy", "tensor-uint8", "tensor-float"],
)
def test_sigma_zero_is_identity(image):
    out = gaussian_noise(image, sigma=0.0, seed=None)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(image))


def test_clipped_never_wraps():
    bright = np.full((64, 64), 250, np.uint8)
    out = gaussian_noise(bright, sigma=30, seed=0)
    assert out.dtype == np.uint8 and out.max() == 255
    # uint8 wrap-around (the authors' bug) would turn 250 + 10 into 4: nothing may go dark.
    assert out.min() > 100
    dark = gaussian_noise(np.zeros((64, 64), np.uint8), mean=-50, sigma=5, seed=0)
    assert (dark == 0).all()
    ones = gaussian_noise(torch.full((1000,), 0.98), sigma=40, seed=0)
    assert ones.max() == 1.0 and ones.min() >= 0.0


def test_noise_std_is_sigma_on_mid_grey():
    # sigma 20 on 128 never reaches 0 or 255 (6.4 sigma away): the std is sigma itself.
    out = np.asarray(gaussian_noise(grey(size=(200, 200)), sigma=20, seed=1), dtype=np.float64)
    assert out.std() == pytest.approx(20, rel=0.02)
    assert out.mean() == pytest.approx(128, abs=0.3)
    # sigma 80 (the paper's) is clipped: compare with the std of clip(round(128 + N(0, 80))).
    out = np.asarray(gaussian_noise(grey(size=(200, 200)), sigma=80, seed=2), dtype=np.float64)
    levels = np.arange(256)
    cdf = scipy.stats.norm.cdf(levels + 0.5, loc=128, scale=80)
    probs = np.diff(np.r_[0.0, cdf[:-1], 1.0])
    mean = (probs * levels).sum()
    expected = math.sqrt((probs * (levels - mean) ** 2).sum())
    assert out.std() == pytest.approx(expected, rel=0.02)
    unit = gaussian_noise(torch.full((200, 200), 0.5), sigma=20, seed=3)
    assert unit.std().item() == pytest.approx(20 / 255, rel=0.02)


def test_alpha_untouched_and_same_noise_as_array():
    rgba = Image.fromarray(np.dstack([np.full((32, 32, 3), 128, np.uint8),
                                      np.arange(32 * 32).reshape(32, 32).astype(np.uint8)]))
    out = np.asarray(gaussian_noise(rgba, seed=4))
    np.testing.assert_array_equal(out[..., 3], np.asarray(rgba)[..., 3])
    assert not np.array_equal(out[..., :3], np.asarray(rgba)[..., :3])
    la = gaussian_noise(grey("LA"), seed=4)
    assert la.mode == "LA" and (np.asarray(la)[..., 1] == 128).all()
    rgb = grey()
    np.testing.assert_array_equal(
        np.asarray(gaussian_noise(rgb, seed=5)), gaussian_noise(np.asarray(rgb), seed=5)
    )


def test_low_precision_tensor_keeps_dtype():
    out = gaussian_noise(torch.full((4, 4), 0.5, dtype=torch.bfloat16), sigma=10, seed=0)
    assert out.dtype == torch.bfloat16 and out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize("mode", ["P", "CMYK", "1", "I;16", "F"])
def test_unsupported_pil_mode_raises(mode):
    with pytest.raises(ValueError, match=rf"mode '{mode}' is not supported.*convert"):
        gaussian_noise(Image.new(mode, (4, 4)))


def test_bad_pixels_and_parameters_raise():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gaussian_noise(torch.full((4,), 128.0))  # 0-255 floats are ambiguous: refused
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        gaussian_noise(np.array([-0.5, 0.2]))  # normalised pixel values belong to diffusion
    with pytest.raises(TypeError, match="uint8"):
        gaussian_noise(np.zeros((4, 4), np.int16))
    with pytest.raises(TypeError, match="uint8"):
        gaussian_noise(torch.zeros(4, dtype=torch.int32))
    with pytest.raises(TypeError, match="PIL image, numpy array or torch tensor"):
        gaussian_noise([[0, 1]])
    with pytest.raises(ValueError, match="sigma"):
        gaussian_noise(grey(), sigma=-1)


# ---- VCD diffusion noise -------------------------------------------------------------------

def vcd_alphas_bar_sqrt():
    """VCD's add_diffusion_noise schedule, restated in torch float32 as VCD computes it."""
    betas = torch.sigmoid(torch.linspace(-6, 6, 1000)) * (0.5e-2 - 1e-5) + 1e-5
    alphas_prod = torch.cumprod(1 - betas, dim=0)
    return torch.sqrt(alphas_prod), torch.sqrt(1 - alphas_prod)


def test_schedule_matches_vcd_and_anchor():
    a, b = diffusion_coefficients(500)
    assert a == pytest.approx(0.863, abs=5e-4) and b == pytest.approx(0.505, abs=5e-4)
    vcd_a, vcd_b = vcd_alphas_bar_sqrt()
    for step in (0, 1, 250, 500, 999):  # VCD indexes alphas_bar_sqrt[t] directly, no t - 1
        a, b = diffusion_coefficients(step)
        assert a == pytest.approx(vcd_a[step].item(), abs=1e-5)
        assert b == pytest.approx(vcd_b[step].item(), abs=1e-5)
        assert a * a + b * b == pytest.approx(1.0, abs=1e-12)
    alpha_bar = diffusion_alpha_bar()
    assert alpha_bar.shape == (1000,) and (alpha_bar.diff() < 0).all()


def test_diffusion_noise_is_the_forward_process():
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 2
    out = diffusion_noise(x, step=500, seed=3)
    a, b = diffusion_coefficients(500)
    eps = (out - a * x) / b  # recover the noise: standard normal
    assert eps.mean().abs() < 0.02 and eps.std().item() == pytest.approx(1.0, abs=0.02)
    assert torch.equal(out, diffusion_noise(x, step=500, seed=3))
    assert not torch.equal(out, diffusion_noise(x, step=500, seed=4))
    # No clipping: a normalised [-1, 1] image leaves that range (VCD does not clamp).
    bounded = diffusion_noise(torch.rand(3, 64, 64) * 2 - 1, step=500, seed=5)
    assert bounded.max() > 1.5 and bounded.min() < -1.5
    late = diffusion_noise(x, step=999, seed=3)
    # VCD's betas stop at 5e-3, so even the last step keeps 0.285 of the image.
    a_late, b_late = diffusion_coefficients(999)
    assert a_late == pytest.approx(0.285, abs=1e-3)
    expected_std = math.sqrt(a_late**2 * x.var().item() + b_late**2)
    assert late.std().item() == pytest.approx(expected_std, rel=0.02)


def test_diffusion_keeps_dtype_and_kind():
    x = torch.randn(3, 8, 8).bfloat16()
    assert diffusion_noise(x, seed=0).dtype == torch.bfloat16
    arr = np.random.default_rng(0).normal(size=(3, 8, 8)).astype(np.float32)
    out = diffusion_noise(arr, seed=0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_array_equal(out, diffusion_noise(torch.from_numpy(arr), seed=0).numpy())


def test_diffusion_bad_input_raises():
    with pytest.raises(ValueError, match=r"step must be an int in \[0, 999\]"):
        diffusion_noise(torch.zeros(3), step=1000)
    with pytest.raises(ValueError, match="step"):
        diffusion_noise(torch.zeros(3), step=-1)
    with pytest.raises(TypeError, match="float"):
        diffusion_noise(torch.zeros(3, dtype=torch.uint8))
    with pytest.raises(ValueError, match="num_steps"):
        diffusion_alpha_bar(0)


# ---- --noise spec ----------------------------------------------------------------------------

def test_parse_noise_round_trip_and_stage():
    g = parse_noise("gaussian:80")
    assert g == NoiseSpec("gaussian", 80.0) and str(g) == "gaussian:80" and g.stage == "image"
    d = parse_noise(" Diffusion:500 ")
    assert d == NoiseSpec("diffusion", 500) and str(d) == "diffusion:500"
    assert d.stage == "pixel_values"
    assert parse_noise("gaussian") == g and parse_noise("diffusion") == d
    assert str(parse_noise("gaussian:12.5")) == "gaussian:12.5"
    assert parse_noise(str(parse_noise("diffusion:250"))) == parse_noise("diffusion:250")


def test_spec_applies_the_noise():
    image = grey()
    np.testing.assert_array_equal(
        np.asarray(parse_noise("gaussian:30")(image, seed=1)),
        np.asarray(gaussian_noise(image, sigma=30, seed=1)),
    )
    x = torch.randn(3, 4, 4)
    assert torch.equal(parse_noise("diffusion:200")(x, seed=2), diffusion_noise(x, 200, seed=2))


@pytest.mark.parametrize(
    ("spec", "match"),
    [("gausian:80", "did you mean 'gaussian'"), ("blur:3", "unknown noise kind"),
     ("gaussian:abc", "not a number"), ("gaussian:-1", "sigma"), ("gaussian:999", "0-255"),
     ("gaussian:255.5", "0-255"), ("diffusion:1000", "step"),
     ("diffusion:2.5", "integer"), ("", "non-empty")],
)
def test_parse_noise_errors(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_noise(spec)


@pytest.mark.gpu
def test_noise_on_cuda_matches_cpu_by_seed():
    x = torch.randn(3, 16, 16)
    cuda = diffusion_noise(x.cuda(), step=500, seed=9)
    assert cuda.device.type == "cuda"
    torch.testing.assert_close(cuda.cpu(), diffusion_noise(x, step=500, seed=9))
    pixels = torch.full((3, 16, 16), 100, dtype=torch.uint8)
    out = gaussian_noise(pixels.cuda(), seed=9)
    assert out.device.type == "cuda" and out.dtype == torch.uint8
    assert torch.equal(out.cpu(), gaussian_noise(pixels, seed=9))
