"""`--noise` spec strings ("gaussian:80", "diffusion:500") parsed once into a callable config.

The analysis CLI takes one string per run and records it in the run folder; `str(spec)` is the
canonical form written there, so a run's noise setting survives a round trip. The two kinds
apply at different stages of a model's input pipeline, which `stage` tells the caller:
Gaussian noise on the PIL image before the processor, diffusion noise on the processor's
`pixel_values` after it.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Literal

from .diffusion import diffusion_coefficients, diffusion_noise
from .gaussian import gaussian_noise

# kind -> (stage it applies at, default level, what the level means)
KINDS: dict[str, tuple[str, float, str]] = {
    "gaussian": ("image", 80.0, "sigma in 0-255 pixel units"),
    "diffusion": ("pixel_values", 500, "diffusion step in [0, 999] (VCD schedule)"),
}


@dataclass(frozen=True)
class NoiseSpec:
    """One noise setting. Call it on an input (PIL image / pixel tensor) with a seed.

    kind: "gaussian" (level = sigma, 0-255 units) or "diffusion" (level = step of 1000).
    """

    kind: Literal["gaussian", "diffusion"]
    level: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"noise kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if self.kind == "gaussian" and not (math.isfinite(self.level) and 0 <= self.level <= 255):
            raise ValueError(f"gaussian noise: sigma must be in 0-255 (pixel units), got {self.level!r}")
        if self.kind == "diffusion":
            if self.level != int(self.level):
                raise ValueError(f"diffusion noise: step must be an integer, got {self.level!r}")
            object.__setattr__(self, "level", int(self.level))
            diffusion_coefficients(self.level)  # raises for a step outside [0, 999]

    @property
    def stage(self) -> Literal["image", "pixel_values"]:
        """Where to apply it: on the PIL image before the processor, or on `pixel_values` after."""
        return KINDS[self.kind][0]  # type: ignore[return-value]

    def __call__(self, x: Any, seed: int | None = None) -> Any:
        if self.kind == "gaussian":
            return gaussian_noise(x, sigma=self.level, seed=seed)
        return diffusion_noise(x, step=int(self.level), seed=seed)

    def __str__(self) -> str:
        level = int(self.level) if float(self.level).is_integer() else self.level
        return f"{self.kind}:{level}"


def parse_noise(spec: str) -> NoiseSpec:
    """"gaussian:80" -> NoiseSpec("gaussian", 80.0); "diffusion" alone takes the default level.

    Errors name the accepted kinds and suggest the closest one for a typo.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"noise spec must be a non-empty string like 'gaussian:80', got {spec!r}")
    kind, _, level_text = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        close = difflib.get_close_matches(kind, KINDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        choices = ", ".join(f"'{k}:<{meaning}>'" for k, (_, _, meaning) in KINDS.items())
        raise ValueError(f"unknown noise kind {kind!r} in {spec!r}{hint}; use {choices}")
    if not level_text.strip():
        return NoiseSpec(kind, KINDS[kind][1])  # type: ignore[arg-type]
    try:
        level = float(level_text)
    except ValueError:
        raise ValueError(
            f"noise spec {spec!r}: level {level_text!r} is not a number ({KINDS[kind][2]})"
        ) from None
    return NoiseSpec(kind, level)  # type: ignore[arg-type]
