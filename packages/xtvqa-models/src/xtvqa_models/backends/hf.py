"""`hf:<hub id or folder>`: any transformers image-text-to-text model, batched.

Loads `AutoModelForImageTextToText` + `AutoProcessor`, renders prompts with the model's own chat
template, and pads batches on the LEFT so every row's next token is in the last column. With
the attention mask, transformers derives each row's position ids from it (M-RoPE ids for
Qwen2-VL), so a left-padded row computes what it would alone; batch size changes the float
summation order only (lmms-eval #236: batched greedy output can drift from batch size 1; the
tests check it does not on the tiny models in float32).

`score()` runs one forward pass per batch without labels and turns only the answer positions'
logits into per-token log-probabilities and full-vocabulary entropies on the model's device in
float32 (xtvqa_infotheory); only the [B, T] results are copied to the CPU.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from xtvqa_data import EvalItem
from xtvqa_infotheory import target_logprobs, token_entropy

from xtvqa_models.base import Generation, TokenScores, VisionLanguageModel
from xtvqa_models.chat import (
    ChatTemplateError,
    adds_special_tokens,
    assistant_turn,
    render_prompt,
    rgb_image,
)
from xtvqa_models.image_features import (
    encode_images,
    encoder_keys,
    merge_encoder_outputs,
    transform_pixels,
)
from xtvqa_models.prompts import PromptConfig
from xtvqa_models.registry import looks_like_path
from xtvqa_models.teacher_forcing import answer_logits, append_answers, continuation_ids


def resolve_dtype(dtype: str | torch.dtype) -> str | torch.dtype:
    """'auto' (the checkpoint's dtype), a torch dtype, or its name ('bfloat16', 'float32', ...)."""
    if isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    resolved = getattr(torch, str(dtype), None)
    if not isinstance(resolved, torch.dtype) or not resolved.is_floating_point:
        raise ValueError(f"hf: unknown dtype {dtype!r}; use 'auto', 'float32', 'bfloat16' or 'float16'")
    return resolved


def check_reachable(model: str, revision: str | None = None) -> None:
    """Fail at once, in one line, where loading `model` could only fail after minutes of retries:
    a local path that does not exist (a name with more than two parts, or starting with / . ~),
    or a hub id that is neither in the local cache nor reachable (one request, no retries)."""
    import os

    from huggingface_hub import HfApi, try_to_load_from_cache
    from huggingface_hub.errors import (
        GatedRepoError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if Path(model).expanduser().exists():
        return
    if looks_like_path(model):
        raise OSError(f"hf: no model folder {model}")
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes"):
        return  # transformers says what is missing from the cache
    if isinstance(try_to_load_from_cache(model, "config.json", revision=revision), str):
        return
    try:
        HfApi().model_info(model, revision=revision, timeout=10)
    except (RepositoryNotFoundError, RevisionNotFoundError) as err:
        raise OSError(f"hf: {model!r} is neither a local folder nor a model on the Hub ({type(err).__name__})") from err
    except GatedRepoError:
        return  # transformers explains gated access and tokens
    except Exception as err:
        raise OSError(f"hf: {model!r} is not in the local Hugging Face cache and the Hub cannot be reached "
                      f"({type(err).__name__}: {err}); download it where there is a network, or set "
                      "HF_HOME to a cache that holds it") from err


def check_architecture(model: str, config: Any) -> None:
    """Refuse, before any weight is read, a model the toolkit cannot run: one transformers does
    not load as image-text-to-text, or an encoder-decoder (teacher forcing and batching here
    assume one decoder reading the prompt and the answer)."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING

    model_type = getattr(config, "model_type", type(config).__name__)
    if type(config) not in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING and not getattr(config, "auto_map", None):
        raise ValueError(f"hf: {model!r} is a {model_type!r} model, which transformers does not load as an "
                         "image-text-to-text model (AutoModelForImageTextToText): pass a vision-language model")
    if getattr(config, "is_encoder_decoder", False):
        raise ValueError(f"hf: {model!r} is an encoder-decoder ({model_type!r}); the toolkit runs decoder-only "
                         "vision-language models (prompt and answer in one decoder)")


def _batches(n: int, batch_size: int) -> range:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    return range(0, n, batch_size)


class HFModel(VisionLanguageModel):
    """A transformers vision-language model behind the batched interface.

    Options: `dtype` ("auto" = the checkpoint's), `device` ("cuda" when available, else
    "cpu") or `device_map` (accelerate placement, e.g. "auto"; then `device` is ignored),
    `trust_remote_code` (False unless asked: it runs the repository's Python code),
    `revision` (a hub branch, tag or commit), `attn_implementation`, `prompt`.
    """

    def __init__(
        self,
        model: str,
        *,
        dtype: str | torch.dtype = "auto",
        device: str | None = None,
        device_map: str | dict[str, Any] | None = None,
        trust_remote_code: bool = False,
        revision: str | None = None,
        attn_implementation: str | None = None,
        prompt: PromptConfig | None = None,
    ):
        from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor

        self.spec = f"hf:{model}"
        self.model_id = model
        # An explicit prompt wins; else the model folder's own xtvqa_prompt.json; else the default.
        self.prompt = prompt or PromptConfig.from_model_dir(model) or PromptConfig()
        common = {"revision": revision, "trust_remote_code": bool(trust_remote_code)}
        check_reachable(model, revision)
        try:
            config = AutoConfig.from_pretrained(model, **common)
            check_architecture(model, config)
            self.processor = AutoProcessor.from_pretrained(model, **common)
            self.model = AutoModelForImageTextToText.from_pretrained(
                model, config=config, dtype=resolve_dtype(dtype), device_map=device_map,
                attn_implementation=attn_implementation, **common,
            )
        except OSError as err:
            raise OSError(
                f"hf: could not load {model!r}: {err}\nA hub id must be in the local cache when "
                "HF_HUB_OFFLINE=1; a local folder must hold a model saved with save_pretrained."
            ) from err
        if device_map is None:
            self.model.to(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model.eval()
        self.tokenizer = getattr(self.processor, "tokenizer", None)
        if self.tokenizer is None:
            raise TypeError(f"hf: the processor of {model!r} has no tokenizer; is it a vision-language model?")
        if not (getattr(self.processor, "chat_template", None) or self.tokenizer.chat_template):
            raise ValueError(f"hf: {model!r} has no chat template; pass a chat model (an '-Instruct' checkpoint)")
        # Left padding: the next token of every row is the last column (generation and scoring).
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:  # e.g. Llama tokenizers; the mask hides padding
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # The hub commit the weights came from (None for a local folder).
        self.revision = getattr(self.model.config, "_commit_hash", None) or revision
        self.dtype = str(self.model.dtype).removeprefix("torch.")
        self._options = {"device_map": device_map, "trust_remote_code": bool(trust_remote_code),
                         "attn_implementation": self.model.config._attn_implementation}
        forward = inspect.signature(self.model.forward).parameters
        self._keeps_logits = "logits_to_keep" in forward
        # The processor outputs the forward names (never `labels`: no loss is wanted).
        self._forward_inputs = {name for name, p in forward.items()
                                if p.kind is not p.VAR_KEYWORD and name != "labels"}
        self._encodes_once = "mm_encoder_outputs" in forward
        try:  # what the template writes before an answer, which a scored answer continues with
            self._answer_prefix = assistant_turn(self.processor).prefix
        except ChatTemplateError:  # a template training refuses still evaluates: no prefix known
            self._answer_prefix = ""

    @property
    def device(self) -> torch.device:
        return self.model.device

    def describe(self) -> dict[str, object]:
        """What results.json records beside spec, model id and revision."""
        return {"backend": "hf", "dtype": self.dtype, "device": str(self.device),
                "architecture": type(self.model).__name__, **self._options}

    # ---- inputs -------------------------------------------------------------------------

    def _encode(self, items: Sequence[EvalItem], texts: Sequence[str]) -> dict[str, Any]:
        """The processor's left-padded batch on the model's device, reduced to what the model's
        forward takes; names an item it rejects.

        Images go in as one list per sample (`[[image_0], [image_1], ...]`), the structure every
        transformers processor accepts and the only one some take (Gemma 3, SmolVLM, LFM2-VL
        count images per sample). Outputs the forward does not name (PaliGemma's
        backward-compatible `labels`, offsets, counts) are dropped, as `generate` would refuse them.
        """
        images = [[rgb_image(item)] for item in items]
        special = adds_special_tokens(self.tokenizer, texts)
        try:
            batch = self.processor(text=list(texts), images=images, padding=True, return_tensors="pt",
                                   add_special_tokens=special)
        except Exception:
            # Find the culprit: one item at a time is slower but only runs on failure.
            for item, text, image in zip(items, texts, images, strict=True):
                try:
                    self.processor(text=[text], images=[image], return_tensors="pt", add_special_tokens=special)
                except Exception as err:
                    raise ValueError(
                        f"item {item.key}: the processor of {self.model_id!r} rejected its image "
                        f"({image[0].width}x{image[0].height} px, mode {item.image.mode}): {err}"
                    ) from err
            raise
        return {k: v.to(self.device) if isinstance(v, torch.Tensor) else v
                for k, v in batch.items() if k in self._forward_inputs}

    def _prompt_text(self, item: EvalItem) -> str:
        """The item's prompt string: the user turn rendered with the model's chat template."""
        return render_prompt(self.processor, item, self.prompt)

    # ---- generation ---------------------------------------------------------------------

    @torch.inference_mode()
    def generate(
        self, items: Sequence[EvalItem], *, max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[Generation]:
        """Greedy answers; prompt stripped, special tokens skipped, whitespace stripped."""
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        eos = self.model.generation_config.eos_token_id
        stop = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        if self.tokenizer.eos_token_id is not None:
            stop.add(self.tokenizer.eos_token_id)
        results: list[Generation] = []
        for start in _batches(len(items), batch_size):
            batch_items = items[start : start + batch_size]
            inputs = self._encode(batch_items, [self._prompt_text(it) for it in batch_items])
            out = self.model.generate(
                **inputs, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                pad_token_id=self.tokenizer.pad_token_id,
            )
            new_tokens = out[:, inputs["input_ids"].shape[1] :].cpu()  # [B, <= max_new_tokens]
            texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
            for row, text in zip(new_tokens.tolist(), texts, strict=True):
                n = next((i for i, tok in enumerate(row) if tok in stop), None)
                finish = "stop" if n is not None else "length"
                ids = tuple(row if n is None else row[:n])
                results.append(Generation(text=text.strip(), n_tokens=len(ids), meta={"finish_reason": finish},
                                          token_ids=ids))
        return results

    # ---- teacher-forced scoring ---------------------------------------------------------

    @functools.cached_property
    def placeholder_token_ids(self) -> frozenset[int]:
        """The image/video placeholder ids the model's config and processor name (transformers'
        `image_token_id` / `image_token_index` / `video_token_id` / `video_token_index`)."""
        names = ("image_token_id", "image_token_index", "video_token_id", "video_token_index")
        found = {getattr(source, name, None) for source in (self.model.config, self.processor) for name in names}
        return frozenset(i for i in found if isinstance(i, int) and not isinstance(i, bool) and i >= 0)

    @torch.inference_mode()
    def score(
        self, items: Sequence[EvalItem], targets: Sequence[str], *, batch_size: int = 8,
        pixel_transform: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
        target_ids: Sequence[Sequence[int] | None] | None = None,
    ) -> list[TokenScores]:
        """Per-token log p and entropy of each target's tokens as the answer to its item.

        `pixel_transform(pixel_values_of_row, row)` rewrites each item's processed image tensors
        before the forward pass (row = index into `items`): VCD's diffusion noise acts there,
        on the processor's normalised pixels of every tile or crop of the item's image processed
        alone (no batch padding; masked padding kept), so the noise and the scores of an item do
        not depend on the rest of its batch (`_with_transformed_images`).

        The target is tokenised as the continuation of the generation prompt, after what the chat
        template writes before an answer (`AssistantTurn.prefix`: LLaVA-NeXT's space)
        (`continuation_ids`; the prefix's tokens are scored with the answer's, as a generated
        answer holds them too); the end-of-turn token is not scored
        (which would measure "the answer is complete", a decision outside the answer's content).
        So `sum_logprob` is log p(y | V, Q) of the answer tokens (DESIGN.md 5). `target_ids[i]`,
        where given, is scored as is instead (a generation's `token_ids`: the answer exactly as the
        model produced it).
        """
        if len(items) != len(targets):
            raise ValueError(f"score: {len(items)} items but {len(targets)} targets")
        if target_ids is not None and len(target_ids) != len(items):
            raise ValueError(f"score: {len(items)} items but {len(target_ids)} target_ids")
        results: list[TokenScores] = []
        for start in _batches(len(items), batch_size):
            batch_items = items[start : start + batch_size]
            texts = [self._prompt_text(it) for it in batch_items]
            given = [None] * len(batch_items) if target_ids is None else target_ids[start : start + batch_size]
            answers = [list(ids) if ids is not None else continuation_ids(self.tokenizer, text, self._answer_prefix + str(target))
                       for text, target, ids in zip(texts, targets[start : start + batch_size], given, strict=True)]
            transform = None if pixel_transform is None else _offset(pixel_transform, start)
            results.extend(self._score_batch(batch_items, texts, answers, transform))
        return results

    def _score_batch(
        self, items: Sequence[EvalItem], texts: Sequence[str], answers: list[list[int]],
        pixel_transform: Callable[[torch.Tensor, int], torch.Tensor] | None = None,
    ) -> list[TokenScores]:
        n_answer = max(len(a) for a in answers)
        if n_answer == 0:  # every target empty: nothing to score, no forward pass needed
            return [_scores([], np.zeros(0), np.zeros(0)) for _ in answers]
        if pixel_transform is not None and not self._encodes_once and len(items) > 1:
            # No way to hand the model per-row image features: one row per forward, so each row's
            # pixels are its own, unpadded, whatever else was asked.
            return [score for row in range(len(items))
                    for score in self._score_batch(items[row : row + 1], texts[row : row + 1], answers[row : row + 1],
                                                   _offset(pixel_transform, row))]
        batch = self._encode(items, texts)
        inputs, targets, mask = append_answers(self.model, batch, answers, pad_id=self.tokenizer.pad_token_id)
        if pixel_transform is not None and self._encodes_once:
            inputs = self._with_transformed_images(inputs, items, texts, pixel_transform)
        elif pixel_transform is not None:  # one row (above): the batch holds its image alone
            inputs = transform_pixels(inputs, lambda pixels: pixel_transform(pixels, 0))
        if self._keeps_logits:  # skip the LM head over the prompt: [B, T + 1, V] only
            inputs["logits_to_keep"] = n_answer + 1
        logits = answer_logits(self.model(**inputs).logits, n_answer)  # [B, T, V]
        # float32 on the device; only [B, T] leaves it.
        logprobs = target_logprobs(logits, targets, mask).cpu().numpy()
        entropies = token_entropy(logits, mask).cpu().numpy()
        return [_scores(ids, logprobs[i, : len(ids)], entropies[i, : len(ids)])
                for i, ids in enumerate(answers)]

    def _with_transformed_images(
        self, inputs: dict[str, Any], items: Sequence[EvalItem], texts: Sequence[str],
        transform: Callable[[torch.Tensor, int], torch.Tensor],
    ) -> dict[str, Any]:
        """`inputs` with the images replaced by `transform`ed ones, each row's seen alone.

        Each row's image is processed on its own (`image_inputs_alone`: every tile and crop it
        has, none of the padding a batch adds: Idefics3's all-zero crops, Pixtral's padded
        canvas), its pixel tensors are transformed, and the model's own image encoder turns them
        into features (`get_image_features`, as `generate` encodes images before prefill). The
        rows' features go to the batched forward as `mm_encoder_outputs`, so an item's noised
        pixels and scores are the same whatever else is in its batch.
        """
        features = []
        for row, (item, text) in enumerate(zip(items, texts, strict=True)):
            alone = self._encode([item], [text])
            alone = transform_pixels(alone, lambda pixels, row=row: transform(pixels, row))
            features.append(encode_images(self.model, alone))
        keys = encoder_keys(self.model)
        inputs = {k: v for k, v in inputs.items() if k not in keys}
        inputs["mm_encoder_outputs"] = merge_encoder_outputs(features)
        return inputs

    def close(self) -> None:
        self.model = None  # type: ignore[assignment]
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _offset(transform: Callable[[torch.Tensor, int], torch.Tensor], start: int):
    return lambda pixels, row: transform(pixels, start + row)


def _scores(ids: Sequence[int], logprobs: np.ndarray, entropies: np.ndarray) -> TokenScores:
    return TokenScores(
        token_ids=np.asarray(ids, dtype=np.int64),
        logprobs=np.asarray(logprobs, dtype=np.float32),
        entropies=np.asarray(entropies, dtype=np.float32),
    )
