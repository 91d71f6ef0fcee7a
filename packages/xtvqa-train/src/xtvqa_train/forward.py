"""One forward pass over the four views of a `MVCLCollator` batch -> per-view aligned logits.

Two savings over four independent passes (benchmarks/train_views.py measures them together):

- The image is encoded once per record. transformers 5 vision-language models accept
  precomputed vision features (`mm_encoder_outputs`, the mechanism `generate` uses to encode
  images once before prefill); we call the model's `get_image_features` on the B images, repeat
  the per-image features for the four views and pass them in. The four views' gradients then
  add up in the one encoder graph. Models without `mm_encoder_outputs`, or a run that disables
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

from xtvqa_train.loss import IGNORE_INDEX, VIEWS

PIXEL_KEYS = ("pixel_values", "pixel_values_images", "image_patches")


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


def encode_images_once(model: torch.nn.Module, image_inputs: dict[str, Any], n_views: int) -> dict[str, Any]:
    """`mm_encoder_outputs` for the view-major batch from one encoder pass over the B images."""
    encoder = core_model(model).get_image_features
    params = inspect.signature(encoder).parameters
    encoded = encoder(**{k: v for k, v in image_inputs.items() if k in params}, return_dict=True)
    # Every model that takes mm_encoder_outputs reads the features from `pooler_output`
    # (a tuple of per-image [n_tokens_i, D] tensors, or one [B, n_tokens, D] tensor).
    encoded.pooler_output = repeat_views(encoded.pooler_output, n_views)
    return {"image": encoded}


def attention_backends(model: torch.nn.Module) -> contextlib.AbstractContextManager:
    """SDPA without cuDNN on CUDA (module docstring); no restriction elsewhere."""
    if next(model.parameters()).device.type != "cuda":
        return contextlib.nullcontext()
    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH])


def view_logits(
    model: torch.nn.Module, batch: dict[str, Any], *, reuse_image_features: bool = True
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Run the model once on a collated batch; return (logits, labels) per view, aligned so that
    `logits[v][b, i]` ([B, L, V]) predicts `labels[v][b, i]` ([B, L]), as `mvcl_mi_loss` expects."""
    inputs = {k: v for k, v in batch.items() if k not in ("labels", "image_inputs", "record_ids")}
    image_inputs: dict[str, Any] = dict(batch.get("image_inputs") or {})
    labels = batch["labels"]  # [4B, T]
    n_views = len(VIEWS)
    if labels.shape[0] % n_views:
        raise ValueError(f"a MVCL-MI batch has 4 rows per record; got {labels.shape[0]} rows")
    width = labels.shape[1]
    answer_cols = torch.nonzero((labels != IGNORE_INDEX).any(0)).flatten()
    first = max(int(answer_cols[0]) if len(answer_cols) else width - 1, 1)
    keep = width - first + 1  # logit positions first-1 .. T-1

    core = core_model(model)
    if _accepts(core, "logits_to_keep"):
        inputs["logits_to_keep"] = keep
    with attention_backends(core):
        if reuse_image_features and image_inputs and _accepts(core, "mm_encoder_outputs"):
            inputs["mm_encoder_outputs"] = encode_images_once(model, image_inputs, n_views)
            image_inputs = {k: v for k, v in image_inputs.items() if k not in PIXEL_KEYS}
        inputs.update({k: repeat_views(v, n_views) for k, v in image_inputs.items()})
        logits = model(**inputs, use_cache=False).logits  # [4B, keep, V] (or [4B, T, V])
    logits = logits[:, -keep:-1]  # [4B, L, V], L = T - first
    shifted = labels[:, first:]  # [4B, L]
    return dict(zip(VIEWS, logits.chunk(n_views), strict=True)), dict(
        zip(VIEWS, shifted.chunk(n_views), strict=True)
    )
