"""The batch layout for teacher forcing: left-padded prompts, right-padded answers.

Run: uv run pytest packages/xtvqa-models/tests/test_teacher_forcing.py -q
"""

from __future__ import annotations

import pytest
import torch
from xtvqa_models.teacher_forcing import answer_logits, append_answers, continuation_ids

PAD = 0


def _batch(model):
    # Two prompts left-padded to P = 4: row 0 has 4 tokens, row 1 has 2 (text only).
    return {
        "input_ids": torch.tensor([[5, 6, 7, 8], [PAD, PAD, 9, 10]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1]]),
    }


def test_append_answers_layout(hf_models):
    model = hf_models["llava"].model
    inputs, targets, mask = append_answers(model, _batch(model), [[11, 12, 13], [14]], pad_id=PAD)
    assert inputs["input_ids"].tolist() == [[5, 6, 7, 8, 11, 12, 13], [PAD, PAD, 9, 10, 14, PAD, PAD]]
    assert inputs["attention_mask"].tolist() == [[1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 0, 0]]
    # Positions as generate() gives them: counted from each row's first attended token.
    assert inputs["position_ids"].tolist() == [[0, 1, 2, 3, 4, 5, 6], [0, 0, 0, 1, 2, 3, 4]]
    assert targets.tolist() == [[11, 12, 13], [14, PAD, PAD]]
    assert mask.tolist() == [[True, True, True], [True, False, False]]
    assert inputs["attention_mask"].dtype == torch.long


def test_append_answers_extends_token_types_as_generation_does(hf_models):
    """Token-aligned processor outputs grow as `generate` grows them (Qwen2-VL: text type 0, and
    3-D M-RoPE positions continuing after the prompt's largest)."""
    model = hf_models["qwen2-vl"].model
    batch = {**_batch(model), "mm_token_type_ids": torch.tensor([[0, 1, 0, 0], [0, 0, 1, 0]])}
    inputs, _, _ = append_answers(model, batch, [[11, 12], [14]], pad_id=PAD)
    assert inputs["mm_token_type_ids"].tolist() == [[0, 1, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]]
    positions = inputs["position_ids"]  # [3 or 4, B, P + T]
    assert positions.shape[-2:] == (2, 6)
    assert positions[..., 0, 4:].tolist() == [[4, 5]] * positions.shape[0]


def test_answer_logits_are_the_predictors_of_the_answer_tokens():
    # Fake logits whose "value" at column j is j: the predictor of answer token k (at column
    # P + k) is column P + k - 1.
    n_prompt, n_answer = 4, 3
    logits = torch.arange(n_prompt + n_answer, dtype=torch.float32).view(1, -1, 1).expand(2, -1, 5)
    picked = answer_logits(logits, n_answer)
    assert picked[0, :, 0].tolist() == [3.0, 4.0, 5.0]
    # The same columns when the model only returned the last n_answer + 1 (logits_to_keep).
    assert torch.equal(answer_logits(logits[:, -(n_answer + 1):], n_answer), picked)
    with pytest.raises(ValueError, match="need the last 4"):
        answer_logits(logits[:, -3:], n_answer)


def test_right_padded_prompts_are_refused(hf_models):
    model = hf_models["llava"].model
    batch = _batch(model)
    batch["attention_mask"] = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    with pytest.raises(ValueError, match="left-padded"):
        append_answers(model, batch, [[1], [2]], pad_id=PAD)
    with pytest.raises(ValueError, match="1 answers for a batch of 2"):
        append_answers(model, _batch(model), [[1]], pad_id=PAD)


class _CharTokenizer:
    """One id per character, except that "ab" merges into one token (a boundary merge)."""

    def __call__(self, text, add_special_tokens=False):
        ids, i = [], 0
        while i < len(text):
            if text[i : i + 2] == "ab":
                ids.append(1000)
                i += 2
            else:
                ids.append(ord(text[i]))
                i += 1
        return {"input_ids": ids}


def test_continuation_ids_joint_and_fallback():
    tok = _CharTokenizer()
    assert continuation_ids(tok, "Q:\n", "xab") == [ord("x"), 1000]
    # "…a" + "b…" merges across the boundary: the prompt's ids are no longer a prefix, so the
    # target is tokenised on its own.
    assert continuation_ids(tok, "Qa", "bc") == [ord("b"), ord("c")]
    assert continuation_ids(tok, "Q", "") == []
