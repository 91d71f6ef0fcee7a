"""Gaussian pixel noise: one of the two corruptions that stand in for V_eps (DESIGN.md 5).

- `gaussian_noise`: the paper's "I_eps = eps + I", i.i.d. N(mean, sigma) on 0-255 pixels before
  the processor (the authors' sigma 80). Unlike the authors' script (ANCHORS.md: unseeded, added
  to uint8 so values wrap around 255 -> 0) we compute in float, round, clip to the valid range
  and take a seed.
- `diffusion_noise` (diffusion.py) is the other corruption, on the processor's pixel tensor.

Value conventions (documented in the README): uint8 arrays/tensors and PIL images are 0-255;
float arrays/tensors are the torchvision [0, 1] convention and `sigma`/`mean` (always given in
0-255 units) are divided by 255 for them. Float input outside [0, 1] is rejected rather than
guessed at (0-255 floats: cast to uint8; normalised pixel tensors: use `diffusion_noise`).
"""

from __future__ import annotations

import math
import sys
from typing import Any, TypeVar

import numpy as np
import torch

# PIL images, numpy arrays or tensors. Pillow is not a dependency of this package: a PIL image
# can only exist if the caller imported PIL, so we look it up in sys.modules (`_pil_image_module`).
Pixels = TypeVar("Pixels", bound=Any)

# PIL modes we noise, and how many leading bands are colour (the rest, alpha, is left alone).
_COLOUR_BANDS = {"L": 1, "LA": 1, "RGB": 3, "RGBA": 3}


def _pil_image_module() -> Any:
    """PIL.Image if the caller has imported Pillow, else None (then no input is a PIL image)."""
    return sys.modules.get("PIL.Image")


def _normal(shape: tuple[int, ...], mean: float, sigma: float, seed: int | None) -> np.ndarray:
    # numpy draws for every input kind, so the same seed gives the same noise for a PIL image
    # and for np.asarray of it. float64 draws: exact enough for rounding to 0-255.
    return np.random.default_rng(seed).normal(mean, sigma, size=shape)


def _check_params(sigma: float, mean: float) -> None:
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"gaussian_noise: sigma must be a finite number >= 0, got {sigma!r}")
    if not math.isfinite(mean):
        raise ValueError(f"gaussian_noise: mean must be finite, got {mean!r}")


def _noise_uint8(pixels: np.ndarray, mean: float, sigma: float, seed: int | None) -> np.ndarray:
    noised = _normal(pixels.shape, mean, sigma, seed)
    noised += pixels
    np.rint(noised, out=noised)
    return np.clip(noised, 0, 255, out=noised).astype(np.uint8)


def _noise_unit_float(pixels: np.ndarray, mean: float, sigma: float, seed: int | None) -> np.ndarray:
    lo, hi = (float(pixels.min()), float(pixels.max())) if pixels.size else (0.0, 1.0)
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo < 0.0 or hi > 1.0:
        raise ValueError(
            f"gaussian_noise: float pixels must lie in [0, 1] (torchvision convention), got "
            f"range [{lo}, {hi}]; for 0-255 values pass uint8, for a processor's normalised "
            "pixel_values use diffusion_noise"
        )
    noised = pixels + _normal(pixels.shape, mean / 255.0, sigma / 255.0, seed)
    return np.clip(noised, 0.0, 1.0).astype(pixels.dtype)


def _noise_array(pixels: np.ndarray, mean: float, sigma: float, seed: int | None) -> np.ndarray:
    if pixels.dtype == np.uint8:
        return _noise_uint8(pixels, mean, sigma, seed)
    if np.issubdtype(pixels.dtype, np.floating):
        return _noise_unit_float(pixels, mean, sigma, seed)
    raise TypeError(
        f"gaussian_noise: pixel arrays must be uint8 (0-255) or float in [0, 1], got dtype "
        f"{pixels.dtype}"
    )


def gaussian_noise(image: Pixels, sigma: float = 80.0, mean: float = 0.0, seed: int | None = None) -> Pixels:
    """Add i.i.d. Gaussian noise N(mean, sigma) (0-255 units) to every pixel; same kind back.

    - PIL images of mode L, LA, RGB or RGBA (alpha bands untouched); any other mode raises
      ValueError (convert it first, e.g. `image.convert("RGB")`).
    - numpy arrays and torch tensors of any shape: uint8 (0-255) or float in [0, 1] (noise
      scaled by 1/255); every element is noised. A tensor keeps its dtype and device.
    - x' = clip(round(x + eps)) computed in float: never wraps around (a 250 pixel plus noise is
      at most 255). `seed` makes it deterministic; sigma 0 with mean 0 is the identity.
    """
    sigma, mean = float(sigma), float(mean)
    _check_params(sigma, mean)
    pil = _pil_image_module()
    if pil is not None and isinstance(image, pil.Image):
        bands = _COLOUR_BANDS.get(image.mode)
        if bands is None:
            raise ValueError(
                f"gaussian_noise: PIL mode {image.mode!r} is not supported (L, LA, RGB, RGBA); "
                f"convert it first, e.g. image.convert('RGB')"
            )
        pixels = np.asarray(image)
        # fromarray infers the mode back from the shape: [H, W] -> L, [H, W, 2|3|4] -> LA|RGB|RGBA.
        if pixels.ndim == 2:
            return pil.fromarray(_noise_uint8(pixels, mean, sigma, seed))
        out = pixels.copy()  # [H, W, bands]
        out[..., :bands] = _noise_uint8(pixels[..., :bands], mean, sigma, seed)
        return pil.fromarray(out)
    if isinstance(image, np.ndarray):
        return _noise_array(image, mean, sigma, seed)
    if isinstance(image, torch.Tensor):
        if image.dtype != torch.uint8 and not image.is_floating_point():
            raise TypeError(
                f"gaussian_noise: pixel tensors must be uint8 (0-255) or float in [0, 1], got "
                f"dtype {image.dtype}"
            )
        # bf16/fp16 have no numpy dtype: noise in float32, cast back.
        host = image.detach().cpu()
        host = host if host.dtype == torch.uint8 else host.to(torch.float32)
        noised = torch.from_numpy(_noise_array(host.numpy(), mean, sigma, seed))
        return noised.to(device=image.device, dtype=image.dtype)
    raise TypeError(
        f"gaussian_noise: expected a PIL image, numpy array or torch tensor, got "
        f"{type(image).__name__}"
    )
