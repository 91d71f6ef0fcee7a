"""VCD's forward-diffusion noise: the other corruption that stands in for V_eps (DESIGN.md 5).

Visual Contrastive Decoding (Leng et al., 2024; github.com/DAMO-NLP-SG/VCD,
vcd_utils/vcd_add_noise.py, `add_diffusion_noise`) corrupts the processor's already-normalised
pixel tensor with the DDPM forward process x_t = sqrt(alpha_bar_t) x + sqrt(1 - alpha_bar_t) eps,
1000 steps, a sigmoid beta schedule, default step 500, no clipping. We reproduce it and add a
seed. Processors that tile images (MiniCPM-V slices, Qwen2-VL patches) must be noised per tile
tensor; Gaussian pixel noise on the PIL image (gaussian.py) avoids that.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np
import torch

PixelTensor = TypeVar("PixelTensor", np.ndarray, torch.Tensor)


def diffusion_alpha_bar(num_steps: int = 1000) -> torch.Tensor:
    """alpha_bar_t = prod_{s<=t} (1 - beta_s), t = 0..num_steps-1, float64 [num_steps].

    VCD's schedule (github.com/DAMO-NLP-SG/VCD, vcd_utils/vcd_add_noise.py,
    `add_diffusion_noise`): betas = sigmoid(linspace(-6, 6, num_steps)) * (0.5e-2 - 1e-5) + 1e-5,
    alphas_prod = cumprod(1 - betas). VCD computes it in float32; float64 here differs by < 1e-6.
    """
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"diffusion noise: num_steps must be a positive int, got {num_steps!r}")
    betas = torch.sigmoid(torch.linspace(-6, 6, num_steps, dtype=torch.float64))
    betas = betas * (0.5e-2 - 1e-5) + 1e-5
    return torch.cumprod(1 - betas, dim=0)


def diffusion_coefficients(step: int = 500, num_steps: int = 1000) -> tuple[float, float]:
    """(sqrt(alpha_bar[step]), sqrt(1 - alpha_bar[step])): x_t = a x + b eps; 500 -> (0.863, 0.505).

    Indexed like VCD's `q_x(x_0, t)`: `alphas_bar_sqrt[t]` with t = noise_step in
    0..num_steps-1 directly (no t - 1 shift), so step 0 already adds a little noise.
    """
    alpha_bar = diffusion_alpha_bar(num_steps)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < num_steps:
        raise ValueError(
            f"diffusion noise: step must be an int in [0, {num_steps - 1}] (VCD indexing), got {step!r}"
        )
    a = float(alpha_bar[step])
    return math.sqrt(a), math.sqrt(1.0 - a)


def diffusion_noise(
    pixel_values: PixelTensor, step: int = 500, num_steps: int = 1000, seed: int | None = None
) -> PixelTensor:
    """VCD's forward diffusion q(x_t | x_0) on a processor's pixel tensor, any shape; no clipping.

    Apply it to the normalised `pixel_values` the processor returns (per tile for processors
    that tile images). Float tensors keep their dtype and device (computed in float32); float
    numpy arrays are supported too. `seed=None` draws from torch's global RNG like VCD's
    `torch.randn_like`; an int seed draws from a private CPU generator, so the same seed gives
    the same noise on every device.
    """
    coef_x, coef_eps = diffusion_coefficients(step, num_steps)
    if isinstance(pixel_values, np.ndarray):
        if not np.issubdtype(pixel_values.dtype, np.floating):
            raise TypeError(f"diffusion_noise: pixel_values must be float, got dtype {pixel_values.dtype}")
        out = diffusion_noise(torch.from_numpy(pixel_values), step, num_steps, seed)
        return out.numpy()
    if not isinstance(pixel_values, torch.Tensor) or not pixel_values.is_floating_point():
        raise TypeError(
            "diffusion_noise: pixel_values must be a float tensor or array (the processor's "
            f"normalised output), got {getattr(pixel_values, 'dtype', type(pixel_values).__name__)}"
        )
    x = pixel_values.detach().to(torch.float32)
    if seed is None:
        eps = torch.randn_like(x)
    else:
        generator = torch.Generator(device="cpu").manual_seed(seed)
        eps = torch.randn(x.shape, generator=generator, dtype=torch.float32).to(x.device)
    return (coef_x * x + coef_eps * eps).to(pixel_values.dtype)
