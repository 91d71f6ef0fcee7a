"""One forward pass over the four views of a `MVCLCollator` batch -> per-view aligned logits.

Two savings over four independent passes (benchmarks/train_views.py measures them together):

- The image is encoded once per record. transformers 5 vision-language models accept
  precomputed vision features (`mm_encoder_outputs`, the mechanism `generate` uses to encode
  images once before prefill); the B images go through that same encoding
  (`xtvqa_models.image_features.encode_images`), and `_expand_multimodal_outputs`, which
  repeats features for beams, repeats them for the four views (DeepStack features too), on
  record-major rows. The four views' gradients then add up in the one encoder graph. Models without `mm_encoder_outputs`, or a run that disables
  it (FSDP, where the vision tower's parameters are only gathered inside the root module's
  forward), get the B images' pixel tensors repeated four times instead: same result, four
  encoder passes.
- The LM head runs on the answer region only: answers start at the same column P in every row
  (left-padded prompts, right-padded completions), so `logits_to_keep = T - P + 1` keeps the
  positions P-1..T-1 and the [4B, T, V] logits are never built for the prompt, which holds the
  hundreds of image tokens. The last kept position predicts nothing and is dropped.

The model is called WITHOUT labels: TRL's SFTTrainer patches the forward so that a call with
labels may take a fused path that returns no logits (ANCHORS.md), and the loss needs them.

On CUDA the forward runs with PyTorch's cuDNN attention backend excluded: its backward returns
NaN query gradients for a padded batch whose length is 64 mod 128 on H100/H200
(pytorch/pytorch#196678, reported on torch 2.11-2.13). MVCL-MI batches are always padded, and
we hit it on an H200 with torch 2.11 (every gradient NaN from the first step); flash,
memory-efficient and math attention stay available. With gradient checkpointing the backward
recomputes the forward, so run the backward inside `attention_backends(model)` too
(`MVCLMITrainer.training_step` does).
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import torch
from accelerate.utils import extract_model_from_parallel
from torch.nn.attention import SDPBackend, sdpa_kernel
from xtvqa_models.image_features import encode_images, encoder_keys, is_pixels
from xtvqa_models.teacher_forcing import append_answers

from xtvqa_train.collator import token_aligned_keys
from xtvqa_train.loss import IGNORE_INDEX, VIEWS


def core_model(model: torch.nn.Module) -> torch.nn.Module:
    """The transformers model inside DDP/DeepSpeed/compile and PEFT wrappers."""
    model = extract_model_from_parallel(model)
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _accepts(module: torch.nn.Module, name: str) -> bool:
    return name in inspect.signature(module.forward).parameters


def repeat_views(value: Any, n_views: int) -> Any:
    """Repeat a per-image tensor (or tuple/list of per-image tensors) for the view-major rows."""
    if isinstance(value, torch.Tensor):
        return value.repeat(n_views, *([1] * (value.dim() - 1))) if value.dim() else value
    if isinstance(value, list | tuple):
        return type(value)(list(value) * n_views)
    return value


def attention_backends(model: torch.nn.Module) -> contextlib.AbstractContextManager:
    """SDPA without cuDNN on CUDA (module docstring); no restriction elsewhere."""
    if next(model.parameters()).device.type != "cuda":
        return contextlib.nullcontext()
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])


def _record_major(n_records: int, n_views: int) -> torch.Tensor:
    """Row order b * n_views + k for the view-major rows k * n_records + b."""
    return torch.arange(n_views * n_records).view(n_views, n_records).t().flatten()


def _reorder(inputs: dict[str, Any], order: torch.Tensor) -> dict[str, Any]:
    """Every per-row tensor of `inputs` in `order` (position ids: batch on dim 1 when 3-D, as
    transformers' `_expand_inputs_for_generation` has it)."""
    n_rows = len(order)
    out = {}
    for key, value in inputs.items():
        dim = 1 if key == "position_ids" and isinstance(value, torch.Tensor) and value.dim() == 3 else 0
        if isinstance(value, torch.Tensor) and value.dim() > dim and value.shape[dim] == n_rows:
            value = value.index_select(dim, order.to(value.device))
        out[key] = value
    return out


def view_logits(
    model: torch.nn.Module, batch: dict[str, Any], *, reuse_image_features: bool = True
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Run the model once on a collated batch; return (logits, labels) per view, aligned so that
    `logits[v][b, i]` ([B, L, V]) predicts `labels[v][b, i]` ([B, L]), as `mvcl_mi_loss` expects.

    The inputs are what `generate` would feed the model after producing each completion
    (`xtvqa_models.teacher_forcing.append_answers`: positions, token types and masks of the
    completion as the family's generation hooks extend them), so training sees the answer tokens
    as evaluation does, and never a later one (PaliGemma's prefix attention included)."""
    image_inputs: dict[str, Any] = dict(batch.get("image_inputs") or {})
    labels = batch["labels"]  # [4B, T]
    n_views = len(VIEWS)
    if labels.shape[0] % n_views:
        raise ValueError(f"a MVCL-MI batch has 4 rows per record; got {labels.shape[0]} rows")
    n_records, width = labels.shape[0] // n_views, labels.shape[1]
    answer_cols = torch.nonzero((labels != IGNORE_INDEX).any(0)).flatten()
    first = max(int(answer_cols[0]) if len(answer_cols) else width - 1, 1)
    keep = width - first + 1  # logit positions first-1 .. T-1

    core = core_model(model)
    prompt = {k: batch[k][:, :first] for k in token_aligned_keys(batch)}
    attended = batch["attention_mask"][:, first:].bool()
    completions = [row[m].tolist() for row, m in zip(batch["input_ids"][:, first:], attended, strict=True)]
    reuse = bool(reuse_image_features and image_inputs and _accepts(core, "mm_encoder_outputs"))
    keys = encoder_keys(core) if reuse else set()
    # Every view's row gets its record's image inputs, for the position ids (Qwen's grids) and the
    # forward; pixels the encoder takes once are not copied for the views.
    prompt.update({k: repeat_views(v, n_views) for k, v in image_inputs.items() if not (k in keys and is_pixels(v))})
    # Padding after a completion is masked out; its id is irrelevant.
    inputs, _, _ = append_answers(core, prompt, completions, pad_id=0)
    order = None
    if reuse:
        # Each record's image encoded once, its features repeated for its four views the way
        # generate repeats them for beams, on record-major rows.
        encoded = encode_images(core, image_inputs)
        encoded = core._expand_multimodal_outputs(prompt["input_ids"][:n_records], encoded, expand_size=n_views)
        order = _record_major(n_records, n_views)
        inputs = _reorder({k: v for k, v in inputs.items() if k not in keys}, order)
        inputs["mm_encoder_outputs"] = encoded
    if _accepts(core, "logits_to_keep"):
        inputs["logits_to_keep"] = keep
    with attention_backends(core):
        logits = model(**inputs).logits  # [4B, keep, V] (or [4B, T, V])
    if order is not None:  # back to view-major rows
        logits = logits.index_select(0, torch.argsort(order).to(logits.device))
    logits = logits[:, -keep:-1]  # [4B, L, V], L = T - first
    shifted = labels[:, first:]  # [4B, L]
    return dict(zip(VIEWS, logits.chunk(n_views), strict=True)), dict(
        zip(VIEWS, shifted.chunk(n_views), strict=True)
    )
