"""Aligning target answers after left-padded prompts for one batched teacher-forced forward pass.

The batch layout (TRL's distillation trainer uses the same one):

    row i:  [pad ... pad | prompt_i (left-padded to P) | answer_i | pad ... pad]
             <------------------ P ------------------>  <------ T ------->

Prompts are left-padded to a common length P by the processor, answers right-padded to the
longest answer T. Every answer then starts at column P, so the logits that predict answer
token k of every row sit at column P + k - 1: one slice `logits[:, P-1 : P+T-1]`, which is
`logits[:, -(T+1):-1]` and what `logits_to_keep=T+1` returns (minus its last column). Right
padding after an answer is harmless: causal attention never lets an answer token see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

# Processor outputs with one entry per token ([B, P]); anything else (pixel_values, grids,
# image sizes) is per image and passes through untouched.
TOKEN_ALIGNED_KEYS = ("input_ids", "attention_mask", "mm_token_type_ids", "token_type_ids")


def continuation_ids(tokenizer: Any, prompt: str, target: str) -> list[int]:
    """Token ids of `target` as the continuation of `prompt` (the model's chat prompt string).

    Tokenising prompt + target together and taking the ids after the prompt's gives the tokens
    the model would produce after its generation prompt (lm-evaluation-harness does the same
    for its continuations). If the joint tokenisation merges across the boundary, so that the
    prompt's ids are not a prefix, the target is tokenised on its own instead.
    """
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    joint_ids = tokenizer(prompt + target, add_special_tokens=False)["input_ids"]
    if joint_ids[: len(prompt_ids)] == prompt_ids:
        return list(joint_ids[len(prompt_ids) :])
    return list(tokenizer(target, add_special_tokens=False)["input_ids"])


def append_answers(
    batch: Mapping[str, Any], answers: Sequence[Sequence[int]], *, pad_id: int
) -> tuple[dict[str, Any], torch.Tensor, torch.Tensor]:
    """Append right-padded `answers` to a left-padded processor `batch`.

    Returns `(inputs, targets, mask)`: the model inputs with every token-aligned tensor
    extended to [B, P + T] (answer tokens get attention 1 and modality type 0 = text),
    `targets` [B, T] int64 (pad_id beyond each answer) and `mask` [B, T] bool.
    """
    input_ids = batch["input_ids"]  # [B, P]
    attention = batch["attention_mask"]  # [B, P]
    if len(answers) != input_ids.shape[0]:
        raise ValueError(f"{len(answers)} answers for a batch of {input_ids.shape[0]} prompts")
    if not bool(attention[:, -1].all()):
        raise ValueError(
            "prompts must be left-padded (every row's last prompt column attended); set "
            "tokenizer.padding_side = 'left' before calling the processor"
        )
    device = input_ids.device
    n_rows, n_answer = len(answers), max((len(a) for a in answers), default=0)
    targets = torch.full((n_rows, n_answer), pad_id, dtype=torch.long, device=device)
    mask = torch.zeros((n_rows, n_answer), dtype=torch.bool, device=device)
    for row, ids in enumerate(answers):
        targets[row, : len(ids)] = torch.as_tensor(list(ids), dtype=torch.long, device=device)
        mask[row, : len(ids)] = True
    inputs = dict(batch)
    for key in TOKEN_ALIGNED_KEYS:
        if key not in batch:
            continue
        tail = {"input_ids": targets, "attention_mask": mask}.get(key)
        tail = torch.zeros_like(targets) if tail is None else tail
        inputs[key] = torch.cat([batch[key], tail.to(batch[key].dtype)], dim=1)
    return inputs, targets, mask


def answer_logits(logits: torch.Tensor, n_answer: int) -> torch.Tensor:
    """The logits predicting each answer token: [B, L, V] -> [B, n_answer, V] (a view).

    `logits` are the last L >= n_answer + 1 columns of the [B, P + T] sequence (all of them, or
    `logits_to_keep = n_answer + 1`); column j predicts token j + 1, so the answer's
    predictors are the n_answer columns before the last.
    """
    if logits.shape[1] < n_answer + 1:
        raise ValueError(f"need the last {n_answer + 1} positions' logits, got {logits.shape[1]}")
    return logits[:, -(n_answer + 1) : -1]
