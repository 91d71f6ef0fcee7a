"""Images encoded apart from the language model's forward pass, the way `generate` does it.

transformers 5 vision-language models take precomputed image features (`mm_encoder_outputs`):
`generate` encodes the images once with the model's `get_image_features` before the prefill
(`_prepare_multimodal_encoder_kwargs_for_generation`) and repeats them for beams
(`_expand_multimodal_outputs`). The toolkit uses the same mechanism twice:

- scoring under pixel noise encodes each row's noised image on its own and hands the batched
  forward the rows' features together (`merge_encoder_outputs`), so an item's noise and scores
  do not depend on what else is in its batch;
- MVCL-MI training encodes each record's image once for its four views.

What the forward reads from the features is `pooler_output` (one [n_tokens, D] tensor per image,
or one [n_images, n_tokens, D] tensor) and, for DeepStack models (Qwen3-VL), `deepstack_features`
(per layer, the same layout); those are what gets merged.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import torch


def is_pixels(value: Any) -> bool:
    """Whether a processor output is image data (a floating-point tensor), not sizes, grids or masks."""
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def transform_pixels(inputs: Mapping[str, Any], transform: Any) -> dict[str, Any]:
    """`inputs` (one image's processor outputs) with `transform` applied to its pixel tensors,
    the padding a pixel mask marks left as it was.

    A processor that pads inside an image returns a mask of the real pixels or patches
    (`pixel_attention_mask`: Idefics3's padded crops, LFM2-VL's padded NaFlex patches), shaped as
    the pixels less one axis (channels); noise there would turn padding into image content.
    """
    masks = [v for k, v in inputs.items()  # the image's own masks, not the text's attention mask
             if "mask" in k and k != "attention_mask" and isinstance(v, torch.Tensor) and not v.is_floating_point()]
    out = {}
    for key, value in inputs.items():
        if not is_pixels(value):
            out[key] = value
            continue
        changed = transform(value).to(value.dtype)
        for mask in masks:
            keep = _expand_mask(mask, value)
            if keep is not None:
                changed = torch.where(keep, changed, value)
        out[key] = changed
    return out


def _expand_mask(mask: torch.Tensor, pixels: torch.Tensor) -> torch.Tensor | None:
    """`mask` with the one axis it lacks inserted where its shape lines up with `pixels`'s."""
    if mask.dim() != pixels.dim() - 1:
        return None
    for axis in range(pixels.dim()):
        shape = pixels.shape[:axis] + pixels.shape[axis + 1:]
        if tuple(shape) == tuple(mask.shape):
            return mask.bool().unsqueeze(axis)
    return None


def encoder_keys(model: torch.nn.Module) -> set[str]:
    """The processor outputs the model's image encoder takes (`get_image_features`' parameters),
    the keys `generate` hands the encoder and then drops from the forward's inputs."""
    encoder = getattr(model.base_model, "get_image_features", None) or model.get_image_features
    return {name for name, p in inspect.signature(encoder).parameters.items() if p.kind is not p.VAR_KEYWORD}


def encode_images(model: torch.nn.Module, image_inputs: Mapping[str, Any]) -> dict[str, Any]:
    """`mm_encoder_outputs` of `image_inputs` through the model's own pre-prefill encoding."""
    keys = encoder_keys(model)
    encoded = model._prepare_multimodal_encoder_kwargs_for_generation({k: v for k, v in image_inputs.items() if k in keys})
    return encoded["mm_encoder_outputs"]


def _concat(parts: Sequence[Any]) -> Any:
    """Rows' per-image features in order: tensors along dim 0, tuples and lists concatenated."""
    if all(isinstance(p, torch.Tensor) for p in parts):
        if len({tuple(p.shape[1:]) for p in parts}) == 1:
            return torch.cat(list(parts), dim=0)
        return [image for p in parts for image in p]  # per-image tensors of different sizes
    if all(isinstance(p, list | tuple) for p in parts):
        merged = [image for p in parts for image in p]
        return tuple(merged) if isinstance(parts[0], tuple) else merged
    raise TypeError(f"cannot merge image features of types {sorted({type(p).__name__ for p in parts})}")


def merge_encoder_outputs(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One `mm_encoder_outputs` for a batch from each row's own (rows in batch order)."""
    merged: dict[str, Any] = {}
    for modality in rows[0]:
        outputs = [row[modality] for row in rows]
        first = outputs[0]
        out = type(first)(pooler_output=_concat([o.pooler_output for o in outputs]))
        deepstack = getattr(first, "deepstack_features", None)
        if deepstack is not None:
            layers = [o.deepstack_features for o in outputs]
            out.deepstack_features = [_concat([layer[i] for layer in layers]) for i in range(len(deepstack))]
        merged[modality] = out
    return merged
