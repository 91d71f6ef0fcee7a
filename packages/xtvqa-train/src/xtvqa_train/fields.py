"""The fields MVCL-MI adds to TRL's `SFTConfig`, declared once and importable without torch.

`MVCLMIConfig` (config.py) is `MVCLFields` + `SFTConfig`, TRL's `<method>_config.py` pattern;
the command line (`xtvqa_train.settings.parse_train_args`) reads these declarations, whose metadata
are argparse's keywords (help, choices, aliases), without importing transformers' TrainingArguments,
and `__post_init__` checks them (in `MVCLMIConfig` too). Besides the objective's own fields,
this is where the paper's Table 5 (MiniCPM-V's own fine-tuning defaults, ANCHORS.md) overrides
SFTConfig's defaults: lr 1e-6, weight decay 0.1, adam beta2 0.95, warmup ratio 0.01 (a float
`warmup_steps` < 1 is a ratio in transformers 5), cosine schedule, max length 2048, 1 epoch, and
bf16 *where supported* (resolved in `MVCLMIConfig.__post_init__`: on a CUDA device with bf16;
SFTConfig would switch bf16 on for a CPU too, where it is slow and not what the paper did).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from xtvqa_train.options import KL_KINDS, check_loss_options


@dataclass
class MVCLFields:
    """MVCL-MI's own training arguments and its Table 5 defaults."""

    _argument_group_name: ClassVar[str] = "MVCL-MI and the paper's Table 5 (MVCLMIConfig fields)"

    alpha: float = field(default=1.0, metadata={"help": "Weight of KL(P_st || P_tt) in eq. 10."})
    beta: float = field(default=1.0, metadata={"help": "Weight of KL(P_ts || P_ss) in eq. 10."})
    kl: str = field(
        default="reverse",
        metadata={"help": "Divergence: 'reverse' = KL(student || teacher) as eq. 9, 'forward' = "
                  "KL(teacher || student), 'jsd' = Jensen-Shannon.", "choices": list(KL_KINDS)},
    )
    temperature: float = field(
        default=1.0, metadata={"help": "Divides both views' logits before the KL; the KL is scaled by T^2."}
    )
    cross_ce: bool = field(
        default=True,
        metadata={"help": "Keep the cross views' cross-entropy CE_ts and CE_st (--no-cross-ce: the cross views "
                  "learn from the KL terms alone, Table 4's 'w/o Cross-CE')."},
    )
    use_kl: bool = field(
        default=True,
        metadata={"help": "Keep both KL terms of eq. 10 (--no-use-kl: cross-entropy on the four views alone, "
                  "Table 4's 'w/o KL-Loss')."},
    )
    answer_language_instruction: bool = field(
        default=True,
        metadata={"help": "The cross views ts and st ask for their answer's language (\"Answer in French.\", in "
                  "the question's language), as the paper's y^{src-tgt} asks the model to answer in the target "
                  "language (--no-answer-language-instruction: ss and st, and ts and tt, share one prompt "
                  "with two answers)."},
    )
    view_seed: int = field(
        default=0, metadata={"help": "Seed of each record's target-language draw (a hash of seed and record id)."}
    )
    reuse_image_features: bool = field(
        default=True,
        metadata={"help": "Encode each image once and reuse its features for the four views (off under FSDP)."},
    )

    # Two TrainingArguments fields re-declared with its defaults: the batch size because MVCL-MI
    # changes what it counts (a record is four rows), max_steps because the bundled model's
    # tiny-base recipe reads it too; both are shown by `--help` without importing transformers.
    per_device_train_batch_size: int = field(
        default=8, metadata={"help": "Records per device and step; the model sees four views (rows) of each.",
                             "aliases": ["--batch-size"]}
    )
    max_steps: int = field(
        default=-1, metadata={"help": "Stop after this many optimizer steps (-1: run num_train_epochs). With recipe "
                                   "tiny-base: its cosine schedule ends there (reproducible by seed, unlike "
                                   "--time-budget)."}
    )

    # Table 5 where SFTConfig's defaults differ.
    learning_rate: float = field(
        default=1e-6, metadata={"help": "Peak AdamW learning rate (Table 5).", "aliases": ["--lr"]}
    )
    weight_decay: float = field(default=0.1, metadata={"help": "AdamW weight decay (Table 5)."})
    adam_beta2: float = field(default=0.95, metadata={"help": "AdamW beta2 (Table 5)."})
    warmup_steps: float = field(
        default=0.01, metadata={"help": "Warmup steps, or a ratio of all steps if < 1 (Table 5: 0.01)."}
    )
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "Learning-rate schedule (Table 5)."})
    num_train_epochs: float = field(
        default=1.0, metadata={"help": "Epochs over the training records.", "aliases": ["--epochs"]}
    )
    max_length: int | None = field(
        default=2048, metadata={"help": "Longest view in tokens; answers are cut to fit, prompts never (Table 5)."}
    )
    bf16: bool | None = field(
        default=None, metadata={"help": "bf16 mixed precision; default: only where CUDA supports bf16 (Table 5)."}
    )
    # The collator needs every record column; TRL's vision signature would keep only `image`.
    remove_unused_columns: bool = field(
        default=False, metadata={"help": "Must stay False: the MVCL-MI collator reads every record column."}
    )

    def __post_init__(self) -> None:
        self.check_mvcl_fields()
        if hasattr(super(), "__post_init__"):  # in MVCLMIConfig: SFTConfig's, then TrainingArguments'
            super().__post_init__()

    def check_mvcl_fields(self) -> None:
        """Raise ValueError naming the first bad MVCL-MI field."""
        check_loss_options(alpha=self.alpha, beta=self.beta, kl=self.kl, temperature=self.temperature)
        if self.remove_unused_columns:
            raise ValueError(
                "MVCLMIConfig.remove_unused_columns must be False: the MVCL-MI collator builds the four "
                "views from the question and answers columns, which TRL would drop"
            )
        if self.max_length is not None and self.max_length < 1:
            raise ValueError(f"max_length must be a positive number of tokens or None; got {self.max_length}")
