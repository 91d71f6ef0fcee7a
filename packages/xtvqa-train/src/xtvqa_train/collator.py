"""`MVCLCollator`: records -> one padded batch holding the four views of each record.

Layout (B records, V = 4 views, view-major so that any per-image tensor of the processor is
replicated for the views by repeating it whole along dim 0):

    rows [0, B)      ss of records 0..B-1
    rows [B, 2B)     ts ...
    rows [2B, 3B)    st ...
    rows [3B, 4B)    tt ...

Each row is a left-padded prompt followed by a right-padded completion (TRL's prompt-completion
layout, see ANCHORS.md): every answer starts at the same column P, so the k-th answer token of
every view sits in column P + k and the loss can keep only the last L + 1 logit positions.
Labels are -100 on the prompt, on padding and on what the chat template writes after the end
of turn (the tokenizer's eos; Qwen2's template adds a newline that is never generated).

The image is preprocessed once per record: one processor call on the B images gives the pixel
tensors and, through `return_text_replacement_offsets`, the expanded image-placeholder string of
each image, which is then spliced into all four prompts (`ProcessorMixin.get_text_with_replacements`).
A processor that does not report those offsets (a custom `__call__`) is called once per view
instead, and still returns one copy of the pixel tensors.

Returned keys: `input_ids`, `attention_mask`, `labels` [4B, P + L] (and the processor's token
types, `mm_token_type_ids` or, for processors that name them so (Gemma 3), `token_type_ids`), `image_inputs` (the processor's image tensors for the B records,
e.g. `pixel_values` and `image_grid_thw` for Qwen2-VL), `record_ids` (B strings).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import ProcessorMixin
from trl.data_utils import apply_chat_template
from xtvqa_data import EvalItem, Record
from xtvqa_data.dataset import row_to_record
from xtvqa_models.chat import adds_special_tokens, assistant_turn
from xtvqa_models.prompts import PromptConfig

from xtvqa_train.loss import IGNORE_INDEX, VIEWS
from xtvqa_train.views import record_views, usable

TEXT_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids", "token_type_ids")


class TruncationWarning(UserWarning):
    """A view's answer was cut (or dropped) to fit `max_length`."""


def as_record(example: Record | Mapping[str, Any]) -> Record:
    """A `Record`, or an arrow row in the xtvqa-data schema with its image undecoded."""
    if isinstance(example, Record):
        return example
    if isinstance(example, Mapping) and isinstance(example.get("image"), Mapping):
        return row_to_record(dict(example))
    raise TypeError(
        f"MVCLCollator takes Records or xtvqa-data rows with undecoded images (image = {{bytes, path}}); "
        f"got {type(example).__name__}{' with a decoded image' if isinstance(example, Mapping) else ''}. "
        "Pass the dataset through MVCLMITrainer (it casts the image column), or "
        "`ds.cast_column('image', datasets.Image(decode=False))`"
    )


def _aligned_row(row: torch.Tensor, width_p: int, width_c: int) -> torch.Tensor:
    """One prompt's token-aligned rows [n, ...] placed as the collated row [width_p + width_c, ...]:
    zeros on the left padding, the prompt, then its last row repeated as generation extends it."""
    out = row.new_zeros((width_p + width_c, *row.shape[1:]))
    out[width_p - len(row) : width_p] = row
    out[width_p:] = row[-1]
    return out


def token_aligned_keys(batch: Mapping[str, Any]) -> list[str]:
    """The batch's tensors with one entry per token ([rows, columns, ...] like `input_ids`):
    ids, masks, token types and any such processor output (Mllama's cross-attention mask)."""
    shape = batch["input_ids"].shape
    return [k for k, v in batch.items()
            if k != "labels" and isinstance(v, torch.Tensor) and v.dim() >= 2 and v.shape[:2] == shape]


@dataclass
class MVCLCollator:
    """Builds the four MVCL-MI views of each record (module docstring) with the model's chat template."""

    processor: ProcessorMixin
    prompt: PromptConfig = field(default_factory=PromptConfig)
    max_length: int | None = 2048
    seed: int = 0
    # The cross views ask for their answer's language (views.py); False: every view gets the
    # evaluation prompt of its question.
    answer_language_instruction: bool = True

    def __post_init__(self) -> None:
        tokenizer = self.processor.tokenizer
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        if pad is None:
            raise ValueError("the processor's tokenizer has neither a pad nor an eos token; set tokenizer.pad_token")
        self.pad_token_id = int(pad)
        self.turn = assistant_turn(self.processor)  # refuses a template that trains another prompt

    def chat(self, record: Record, question_lang: str, answer: str,
             answer_lang: str | None = None) -> tuple[str, str]:
        """(prompt, completion) strings of one view, rendered with the processor's chat template;
        an `answer_lang` other than the question's is asked for in the prompt's last line."""
        text = self.prompt.text(EvalItem(record, question_lang), answer_lang=answer_lang)
        example = {
            "prompt": [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}],
            "completion": [{"role": "assistant", "content": self.turn.content(answer)}],
        }
        rendered = apply_chat_template(example, self.processor)
        return rendered["prompt"], rendered["completion"]

    def __call__(self, examples: Sequence[Record | Mapping[str, Any]]) -> dict[str, Any]:
        pairs = usable([as_record(e) for e in examples], self.seed)
        if not pairs:
            raise ValueError(
                "MVCL-MI: no record in this batch has a second language with a question and an answer; "
                "filter the dataset first (MVCLMITrainer does)"
            )
        n = len(pairs)
        # view-major rows: row k * n + b is view VIEWS[k] of record b
        views = [record_views(record, t) for record, t in pairs]
        rows = [(pairs[b][0], views[b][k]) for k in range(len(VIEWS)) for b in range(n)]
        ask = self.answer_language_instruction
        rendered = [self.chat(record, view.question_lang, view.answer, view.answer_lang if ask else None)
                    for record, view in rows]
        prompts = [p for p, _ in rendered]
        prompt_ids, type_ids, type_key, image_inputs, extra = self._tokenise_prompts(prompts, [r.image for r, _ in pairs])
        tokenizer = self.processor.tokenizer
        completion_ids = [self._closed(c) for c in tokenizer([c for _, c in rendered], add_special_tokens=False)["input_ids"]]
        completion_ids = self._fit(prompt_ids, completion_ids, rows)

        width_p = max(map(len, prompt_ids))
        width_c = max(map(len, completion_ids))
        input_ids, attention, labels, mm_types = [], [], [], []
        for i, (p, c) in enumerate(zip(prompt_ids, completion_ids, strict=True)):
            left, right = width_p - len(p), width_c - len(c)
            input_ids.append([self.pad_token_id] * left + p + c + [self.pad_token_id] * right)
            attention.append([0] * left + [1] * (len(p) + len(c)) + [0] * right)
            labels.append([IGNORE_INDEX] * width_p + self._targets(c) + [IGNORE_INDEX] * right)
            if type_ids is not None:
                mm_types.append([0] * left + list(type_ids[i]) + [0] * (len(c) + right))
        batch: dict[str, Any] = {
            "input_ids": torch.tensor(input_ids, dtype=torch.long),
            "attention_mask": torch.tensor(attention, dtype=torch.long),
            "labels": torch.tensor(labels, dtype=torch.long),
        }
        if type_ids is not None:
            batch[type_key] = torch.tensor(mm_types, dtype=torch.long)
        for key, rows in extra.items():  # left-padded with 0; the last prompt row over the completion
            batch[key] = torch.stack([_aligned_row(row, width_p, width_c) for row in rows])
        batch["image_inputs"] = image_inputs
        batch["record_ids"] = [record.id for record, _ in pairs]
        return batch

    def _closed(self, completion: list[int]) -> list[int]:
        """A completion the template ends with no end-of-turn (GLM-4.1V's: the next turn's header
        stops generation) gets the tokenizer's eos, a token generation stops at, so the model
        learns to stop."""
        eos = self.processor.tokenizer.eos_token_id
        return completion if eos is None or eos in completion else [*completion, eos]

    def _targets(self, completion: list[int]) -> list[int]:
        """Labels of one completion: its tokens up to and including the end of turn (the
        tokenizer's eos); what a chat template writes after it (Qwen2's newline) is never
        generated, so it is not trained (and a model pre-trained without it is not pulled to it)."""
        eos = self.processor.tokenizer.eos_token_id
        if eos is None or eos not in completion:
            return list(completion)
        end = completion.index(eos) + 1
        return list(completion[:end]) + [IGNORE_INDEX] * (len(completion) - end)

    def _tokenise_prompts(self, prompts: list[str], images: list) -> tuple[list[list[int]], list | None, str, dict, dict]:
        """Token ids of the 4B prompts (image placeholders expanded), their token types (or None)
        and the name the processor gives those, the B images' tensors, and the rows of any other
        token-aligned processor output (Mllama's cross-attention mask: [prompt length, ...] each)."""
        n = len(images)
        # As the hf: backend tokenises prompts: no second BOS after a template that writes one.
        special = adds_special_tokens(self.processor.tokenizer, prompts)
        images = [[image] for image in images]  # one list per sample, as every processor accepts
        first = self.processor(images=images, text=prompts[:n], padding=True, return_tensors="pt",
                               return_text_replacement_offsets=True, add_special_tokens=special)
        image_inputs = {k: v for k, v in first.items() if k not in (*TEXT_KEYS, "text_replacement_offsets", "labels")}
        aligned = {k for k, v in image_inputs.items()
                   if isinstance(v, torch.Tensor) and v.dim() >= 2 and v.shape[:2] == first["input_ids"].shape}
        image_inputs = {k: v for k, v in image_inputs.items() if k not in aligned}
        offsets = first.get("text_replacement_offsets")
        if offsets is not None and "token_type_ids" not in first and not aligned:
            # One expanded placeholder string per image, reused by the record's four views.
            per_record = [[o["replacement"] for o in row] for row in offsets]
            flat = [rep for _ in VIEWS for reps in per_record for rep in reps]
            expanded, _ = self.processor.get_text_with_replacements(list(prompts), flat)
            ids = self.processor.tokenizer(expanded, add_special_tokens=special)["input_ids"]
            types = self.processor.create_mm_token_type_ids(ids) if "mm_token_type_ids" in first else None
            return ids, types, "mm_token_type_ids", image_inputs, {}
        # Fallback: a processor with its own __call__ (or token-aligned outputs of its own)
        # tokenises each view with the images itself; unpadded rows.
        type_key = "token_type_ids" if "token_type_ids" in first else "mm_token_type_ids"
        ids, types, extra = [], [], {key: [] for key in aligned}
        for k in range(len(VIEWS)):
            out = self.processor(images=images, text=prompts[k * n : (k + 1) * n], add_special_tokens=special)
            rows = [list(map(int, row)) for row in out["input_ids"]]
            ids += rows
            types += [list(map(int, row)) for row in out.get(type_key) or []]
            for key in aligned:
                extra[key] += [torch.as_tensor(out[key][i])[: len(row)] for i, row in enumerate(rows)]
        return ids, (types or None), type_key, image_inputs, extra

    def _fit(self, prompt_ids: list[list[int]], completion_ids: list[list[int]], rows) -> list[list[int]]:
        """Cut completions so that no row exceeds max_length (prompts, holding the image tokens, are never cut).

        The bound is per row: the padded batch is as wide as its longest prompt plus its longest
        answer, which may come from two rows (padding costs memory, not what a row attends to)."""
        if self.max_length is None:
            return completion_ids
        out, cut = [], []
        for p, c, (record, view) in zip(prompt_ids, completion_ids, rows, strict=True):
            room = max(self.max_length - len(p), 0)
            if len(c) > room:
                cut.append(f"{record.id}:{view.name} ({len(c)} -> {room} answer tokens)")
                c = c[:room]
            out.append(c)
        if cut:
            warnings.warn(
                f"max_length={self.max_length} cut the answers of {len(cut)} view(s): {', '.join(cut[:6])}; "
                "their KL pairs are skipped. Raise max_length or shrink the images",
                TruncationWarning,
                stacklevel=3,
            )
        return out
