"""Names and option checks of the MVCL-MI objective, with no torch import (the CLI reads them).

Views are named (question language, answer language): s = the image's language, t = another.
"""

from __future__ import annotations

import math

VIEWS: tuple[str, ...] = ("ss", "ts", "st", "tt")
KL_KINDS: tuple[str, ...] = ("reverse", "forward", "jsd")


def check_loss_options(*, alpha: float, beta: float, kl: str, temperature: float) -> None:
    """Raise `ValueError` naming the bad option (shared by `mvcl_mi_loss` and `MVCLMIConfig`)."""
    if kl not in KL_KINDS:
        raise ValueError(f"kl must be one of {', '.join(KL_KINDS)}; got {kl!r}")
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0; got {temperature!r}")
