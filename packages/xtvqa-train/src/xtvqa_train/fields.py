"""The fields MVCL-MI adds to TRL's `SFTConfig`, declared once and importable without torch.

`MVCLMIConfig` (config.py) is `MVCLFields` + `SFTConfig`; the CLI (`uv run apps/train --help`)
reads these declarations without importing transformers. Besides the objective's own fields,
this is where the paper's Table 5 (MiniCPM-V's own fine-tuning defaults, ANCHORS.md) overrides
SFTConfig's defaults: lr 1e-6, weight decay 0.1, adam beta2 0.95, warmup ratio 0.01 (a float
`warmup_steps` < 1 is a ratio in transformers 5), cosine schedule, max length 2048, 1 epoch, and
bf16 *where supported* (resolved in `MVCLMIConfig.__post_init__`: on a CUDA device with bf16;
SFTConfig would switch bf16 on for a CPU too, where it is slow and not what the paper did).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xtvqa_train.options import KL_KINDS, check_loss_options


@dataclass
class MVCLFields:
    """MVCL-MI's own training arguments and its Table 5 defaults."""

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
        metadata={"help": "Keep CE_ts and CE_st (False = Table 4's 'w/o Cross-CE').",
                  "off": "Leave out the cross views' cross-entropy CE_ts and CE_st: the cross views learn from "
                  "the KL terms alone (Table 4's 'w/o Cross-CE')."},
    )
    use_kl: bool = field(
        default=True,
        metadata={"help": "Keep both KL terms (False = Table 4's 'w/o KL-Loss').",
                  "off": "Leave out both KL terms: cross-entropy on the four views alone (Table 4's 'w/o KL-Loss')."},
    )
    answer_language_instruction: bool = field(
        default=True,
        metadata={"help": "The cross views ts and st ask for their answer's language (\"Answer in French.\", in "
                  "the question's language), as the paper's y^{src-tgt} asks the model to answer in the target "
                  "language. False: ss and st (and ts and tt) share one prompt with two answers.",
                  "off": "Ask the cross views ts and st without naming their answer's language: ss and st (and "
                  "ts and tt) share one prompt with two answers."},
    )
    view_seed: int = field(
        default=0, metadata={"help": "Seed of each record's target-language draw (a hash of seed and record id)."}
    )
    reuse_image_features: bool = field(
        default=True,
        metadata={"help": "Encode each image once and reuse its features for the four views (off under FSDP)."},
    )

    # TrainingArguments fields whose meaning MVCL-MI changes (a record is four rows), or that the
    # CLI shows: re-declared here, with TrainingArguments' defaults, so `--help` needs no torch.
    per_device_train_batch_size: int = field(
        default=8, metadata={"help": "Records per device and step; the model sees four views (rows) of each."}
    )
    max_steps: int = field(
        default=-1, metadata={"help": "Stop after this many optimizer steps (-1: run num_train_epochs). With recipe "
                                   "tiny-base: its cosine schedule ends there (reproducible by seed, unlike "
                                   "--time-budget)."}
    )

    # Table 5 where SFTConfig's defaults differ.
    learning_rate: float = field(default=1e-6, metadata={"help": "Peak AdamW learning rate (Table 5)."})
    weight_decay: float = field(default=0.1, metadata={"help": "AdamW weight decay (Table 5)."})
    adam_beta2: float = field(default=0.95, metadata={"help": "AdamW beta2 (Table 5)."})
    warmup_steps: float = field(
        default=0.01, metadata={"help": "Warmup steps, or a ratio of all steps if < 1 (Table 5: 0.01)."}
    )
    lr_scheduler_type: str = field(default="cosine", metadata={"help": "Learning-rate schedule (Table 5)."})
    num_train_epochs: float = field(default=1.0, metadata={"help": "Epochs over the training records."})
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
