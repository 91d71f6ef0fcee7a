"""`MVCLMITrainer`: TRL's `SFTTrainer` with the MVCL-MI loss (paper eq. 10).

Why SFTTrainer and what it takes to make it carry four views per record:
- SFTTrainer gives us its model/PEFT set-up (LoRA through `peft_config`, the ZeRO-3 adapter
  dtype fix, DDP's `find_unused_parameters` for VLMs), its metric averaging over logging steps
  (`self._metrics`, flushed in `log`), and its model card. GKD/distillation trainers assume
  teacher and student see the same input ids, and `compute_loss_func` sees one forward only
  (ANCHORS.md), so the loss lives in our own `compute_loss`.
- Its dataset preparation is bypassed the supported way: a dataset with an `image` column is
  a vision dataset, which SFTTrainer leaves untokenised for the collator; our `MVCLCollator`
  builds the views. `remove_unused_columns=False` (MVCLMIConfig enforces it) keeps the
  question/answers columns that TRL's vision signature would drop.
- Its `compute_loss` calls the model with `labels` on a fused LM head that returns no logits;
  ours calls the model without labels (`forward.view_logits`) and never takes that path.
- The loss is a mean per micro-batch, not normalised by the token count of the accumulated
  batch, so `loss_is_scaled_for_ga = False` lets `Trainer` divide it by the accumulation steps.
- Resuming: transformers' `Trainer._load_from_checkpoint` loads `model.safetensors` with a raw
  `load_state_dict`, but `save_pretrained` wrote the legacy key names of models with a weight
  conversion mapping (Qwen2-VL: `model.layers.*` for `model.language_model.layers.*`), so every
  weight is "missing" and training silently continues from the initial weights
  (huggingface/transformers#43701, open). We reload full checkpoints through `from_pretrained`,
  which applies the mapping.

Datasets: a `RecordDataset`, a list of `Record`s, or a `datasets.Dataset` in the xtvqa-data
schema. Records without a second language are dropped up front with a warning (DESIGN.md 6).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import datasets
import torch
from accelerate.utils import extract_model_from_parallel as extract
from trl import SFTTrainer
from xtvqa_data import FEATURES, Record, RecordDataset
from xtvqa_data.storage import record_to_row
from xtvqa_models.prompts import PromptConfig

from xtvqa_train.collator import MVCLCollator
from xtvqa_train.config import MVCLMIConfig
from xtvqa_train.forward import attention_backends, view_logits
from xtvqa_train.loss import LossParts, mvcl_mi_loss
from xtvqa_train.views import MissingLanguageWarning


def training_rows(data: RecordDataset | Sequence[Record] | datasets.Dataset) -> datasets.Dataset:
    """The records as an arrow dataset with undecoded images, without records lacking a second
    language (found from the question/answers columns, no image decoded)."""
    if isinstance(data, RecordDataset):
        data = data.hf
    elif not isinstance(data, datasets.Dataset):
        data = datasets.Dataset.from_list([record_to_row(r) for r in data], features=FEATURES)
    missing = [c for c in ("id", "image", "image_lang", "question", "answers") if c not in data.column_names]
    if missing:
        raise ValueError(f"training data lacks the xtvqa-data columns {missing}; load it with xtvqa_data.load")
    data = data.cast_column("image", datasets.Image(decode=False))
    keep, dropped = [], []
    columns = zip(data["id"], data["image_lang"], data["question"], data["answers"], strict=True)
    for i, (rid, lang, question, answers) in enumerate(columns):
        with_answer = {a["lang"] for a in answers or ()}
        if any(q["lang"] != lang and q["lang"] in with_answer for q in question or ()):
            keep.append(i)
        else:
            dropped.append(rid)
    if dropped:
        warnings.warn(
            f"MVCL-MI: dropped {len(dropped)} of {len(data)} records with no second language that has "
            f"both a question and an answer (e.g. {', '.join(map(repr, dropped[:5]))})",
            MissingLanguageWarning,
            stacklevel=3,
        )
    if not keep:
        raise ValueError("no training record has a second language with a question and an answer; MVCL-MI needs them")
    return data.select(keep) if dropped else data


class MVCLMITrainer(SFTTrainer):
    """SFTTrainer whose loss is `mvcl_mi_loss` over the four views of each record (module docstring)."""

    _tag_names: ClassVar[list[str]] = ["trl", "sft", "mvcl-mi", "xtvqa"]

    def __init__(
        self,
        model: Any,
        args: MVCLMIConfig | None = None,
        train_dataset: RecordDataset | Sequence[Record] | datasets.Dataset | None = None,
        eval_dataset: RecordDataset | Sequence[Record] | datasets.Dataset | None = None,
        processing_class: Any = None,
        *,
        prompt: PromptConfig | None = None,
        data_collator: MVCLCollator | None = None,
        peft_config: Any = None,
        callbacks: list | None = None,
    ):
        args = args if args is not None else MVCLMIConfig(output_dir="mvcl-mi")
        if not isinstance(args, MVCLMIConfig):
            raise TypeError(f"MVCLMITrainer needs an MVCLMIConfig; got {type(args).__name__}")
        if train_dataset is None:
            raise ValueError("MVCLMITrainer needs a train_dataset of records")
        train_dataset = training_rows(train_dataset)
        eval_dataset = training_rows(eval_dataset) if eval_dataset is not None else None

        def collator(processor) -> MVCLCollator:  # the views as args set them
            return MVCLCollator(processor, prompt=prompt or PromptConfig(), max_length=args.max_length,
                                seed=args.view_seed, answer_language_instruction=args.answer_language_instruction)

        if data_collator is None and processing_class is not None:
            data_collator = collator(processing_class)
        super().__init__(model, args=args, data_collator=data_collator, train_dataset=train_dataset,
                         eval_dataset=eval_dataset, processing_class=processing_class,
                         peft_config=peft_config, callbacks=callbacks)
        if not isinstance(self.data_collator, MVCLCollator):  # SFTTrainer built its own
            self.data_collator = collator(self.processing_class)
        self.loss_is_scaled_for_ga = False  # a per-micro-batch mean: Trainer divides by the GA steps
        # Under FSDP the vision tower's shards are gathered only inside the root module's forward.
        self.reuse_image_features = args.reuse_image_features and not self.is_fsdp_enabled
        self.records_seen = 0  # records this process trained on (its shard of the data)

    def training_step(self, model, *args, **kwargs):
        # The SDPA backend choice (forward.attention_backends) must also hold in backward, where
        # gradient checkpointing recomputes the forward: a recomputation on another backend
        # saves different tensors and fails the checkpoint's check.
        with attention_backends(model):
            return super().training_step(model, *args, **kwargs)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        logits, labels = view_logits(model, inputs, reuse_image_features=self.reuse_image_features)
        args = self.args
        parts = mvcl_mi_loss(logits, labels, alpha=args.alpha, beta=args.beta, kl=args.kl,
                             temperature=args.temperature, cross_ce=args.cross_ce, use_kl=args.use_kl)
        self._record(parts, labels)
        if self.model.training:
            self.records_seen += len(inputs.get("record_ids", ()))
        return (parts.total, {"loss_parts": parts}) if return_outputs else parts.total

    def _record(self, parts: LossParts, labels: dict[str, torch.Tensor]) -> None:
        """Append every loss part (mean over processes) to the metrics SFTTrainer averages per log."""
        mode = "train" if self.model.training else "eval"
        names = LossParts.names()
        values = torch.stack([getattr(parts, n).detach().float() for n in names])
        # One row per process (its mean parts), not per sample: `gather`, since `gather_for_metrics`
        # trims the last batch of an epoch to the dataset's remainder and would drop processes' rows.
        values = self.accelerator.gather(values[None]).reshape(-1, len(names)).mean(0)
        for name, value in zip(names, values.tolist(), strict=True):
            self._metrics[mode][name].append(value)
        n_answer = sum(int((lb != -100).sum()) for lb in labels.values())
        self._metrics[mode]["answer_tokens"].append(float(n_answer))

    def _load_from_checkpoint(self, resume_from_checkpoint, model=None):
        """Full-weight checkpoints go through `from_pretrained` (module docstring, transformers#43701);
        adapters (PEFT), FSDP and DeepSpeed checkpoints keep transformers' own loading."""
        unwrapped = extract(model if model is not None else self.model)
        folder = Path(resume_from_checkpoint)
        full = any((folder / name).is_file() for name in ("model.safetensors", "model.safetensors.index.json"))
        is_peft = hasattr(unwrapped, "get_base_model")
        if not full or is_peft or self.is_fsdp_enabled or self.is_deepspeed_enabled:
            return super()._load_from_checkpoint(resume_from_checkpoint, model)
        reloaded = type(unwrapped).from_pretrained(folder, dtype=next(unwrapped.parameters()).dtype)
        unwrapped.load_state_dict(reloaded.state_dict())  # strict: every key must match now
        del reloaded

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        """Evaluation reports the MVCL-MI loss (and its parts); the views' logits are not returned."""
        inputs = self._prepare_inputs(inputs)
        with torch.no_grad(), self.compute_loss_context_manager():
            loss = self.compute_loss(model, inputs)
        return loss.detach(), None, None
