"""Aligning target answers after left-padded prompts for one batched teacher-forced forward pass.

The batch layout (TRL's distillation trainer uses the same one):

    row i:  [pad ... pad | prompt_i (left-padded to P) | answer_i | pad ... pad]
             <------------------ P ------------------>  <------ T ------->

Prompts are left-padded to a common length P by the processor, answers right-padded to the
longest answer T. Every answer then starts at column P, so the logits that predict answer
token k of every row sit at column P + k - 1: one slice `logits[:, P-1 : P+T-1]`, which is
`logits[:, -(T+1):-1]` and what `logits_to_keep=T+1` returns (minus its last column). Right
padding after an answer gets attention 0, and no answer token sees a later one (`append_answers`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from transformers.utils import ModelOutput


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
    model: Any, batch: Mapping[str, Any], answers: Sequence[Sequence[int]], *, pad_id: int
) -> tuple[dict[str, Any], torch.Tensor, torch.Tensor]:
    """The forward inputs of a left-padded processor `batch` followed by right-padded `answers`,
    exactly as `model.generate` would feed the model after generating those answer tokens.

    transformers' generation hooks do the family-specific work: `_prepare_position_ids_for_generation`
    gives the prompt's position ids (Qwen2-VL's 3-D M-RoPE ids included), each answer token extends
    the token-aligned inputs as `_update_model_kwargs_for_generation` does after a generated
    token (attention, positions, token types: PaliGemma marks generated tokens as its causal
    suffix, Gemma 3 as text; Mllama's cross-attention mask gains a row), and
    `prepare_inputs_for_generation` applies the family's last touches (PaliGemma's 1-based
    positions). So a teacher-forced answer token sees what it sees when generated, and never a
    later answer token. Right padding after an answer gets attention 0.

    Returns `(inputs, targets, mask)`: the model inputs over [B, P + T], `targets` [B, T] int64
    (pad_id beyond each answer) and `mask` [B, T] bool.
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
    kwargs = {k: v for k, v in batch.items() if k != "input_ids"}
    if "position_ids" not in kwargs and "position_ids" in inspect.signature(model.forward).parameters:
        kwargs["position_ids"] = model._prepare_position_ids_for_generation(input_ids, {"input_ids": input_ids, **kwargs})
    for _ in range(n_answer):  # one generated token at a time, as generate() extends them
        kwargs = model._update_model_kwargs_for_generation(ModelOutput(), kwargs, is_encoder_decoder=False,
                                                           num_new_tokens=1)
    kwargs["attention_mask"] = torch.cat([attention, mask.to(attention.dtype)], dim=1)
    full = torch.cat([input_ids, targets], dim=1)
    inputs = model.prepare_inputs_for_generation(full, is_first_iteration=True, use_cache=False, **kwargs)
    return dict(inputs), targets, mask


def answer_logits(logits: torch.Tensor, n_answer: int) -> torch.Tensor:
    """The logits predicting each answer token: [B, L, V] -> [B, n_answer, V] (a view).

    `logits` are the last L >= n_answer + 1 columns of the [B, P + T] sequence (all of them, or
    `logits_to_keep = n_answer + 1`); column j predicts token j + 1, so the answer's
    predictors are the n_answer columns before the last.
    """
    if logits.shape[1] < n_answer + 1:
        raise ValueError(f"need the last {n_answer + 1} positions' logits, got {logits.shape[1]}")
    return logits[:, -(n_answer + 1) : -1]
