"""xtvqa-train: MVCL-MI fine-tuning (paper eqs. 9-10) with TRL, PEFT and accelerate.

`mvcl_mi_loss` is a pure function of logits and labels; `MVCLCollator` builds the four views of
each record; `MVCLMITrainer` / `MVCLMIConfig` wire them into TRL's SFTTrainer; `train` runs a
whole fine-tuning from `TrainSettings`. Every name is imported on first use (PEP 562), so
`import xtvqa_train` (and the CLI's `--help`) loads neither torch nor TRL.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "KL_KINDS": "xtvqa_train.options",
    "VIEWS": "xtvqa_train.options",
    "LossParts": "xtvqa_train.loss",
    "MVCLSkipWarning": "xtvqa_train.loss",
    "mvcl_mi_loss": "xtvqa_train.loss",
    "MVCLCollator": "xtvqa_train.collator",
    "MVCLMIConfig": "xtvqa_train.config",
    "MVCLMITrainer": "xtvqa_train.trainer",
    "TrainSettings": "xtvqa_train.settings",
    "train": "xtvqa_train.run",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xtvqa_train' has no attribute {name!r}")
