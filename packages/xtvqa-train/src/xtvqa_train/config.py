"""`MVCLMIConfig`: TRL's `SFTConfig` plus MVCL-MI's fields (declared in fields.py).

TRL's `<method>_config.py` pattern: only the method's own fields and the defaults it changes
(the paper's Table 5), validated in `__post_init__`; everything else is `SFTConfig` /
`TrainingArguments`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from trl import SFTConfig

from xtvqa_train.fields import MVCLFields


def bf16_supported() -> bool:
    """True on a CUDA device that computes in bfloat16 (Ampere or newer)."""
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


@dataclass
class MVCLMIConfig(MVCLFields, SFTConfig):
    """Training arguments of `MVCLMITrainer`; see `SFTConfig` / `TrainingArguments` for the rest."""

    def __post_init__(self) -> None:
        if self.bf16 is None:  # Table 5's bf16, where the hardware has it
            self.bf16 = bf16_supported() and not self.fp16
        if self.packing or self.padding_free:
            raise ValueError(
                "MVCL-MI batches hold four aligned views per record: packing and padding_free are not supported"
            )
        super().__post_init__()  # MVCLFields' checks, then SFTConfig's
