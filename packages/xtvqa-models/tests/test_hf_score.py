"""Teacher-forced scoring on the tiny models: batching-invariant and equal to a direct
computation from the model's own logits.

Run: uv run pytest packages/xtvqa-models/tests/test_hf_score.py -q
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from xtvqa_models.chat import render_prompt, rgb_image

# Answers of different lengths and scripts, an empty one included.
TARGETS = ["1997", "oui", "二〇一九年", "", "Price 8.00 dollars", "yes", "是", "non", "2011", "A"]


def _targets(n: int) -> list[str]:
    return [TARGETS[i % len(TARGETS)] for i in range(n)]


def test_batched_score_equals_per_item_score(hf_models, family, items):
    model = hf_models[family]
    targets = _targets(len(items))
    one = model.score(items, targets, batch_size=1)
    batched = model.score(items, targets, batch_size=7)
    for a, b in zip(one, batched, strict=True):
        np.testing.assert_array_equal(a.token_ids, b.token_ids)
        np.testing.assert_allclose(b.logprobs, a.logprobs, atol=1e-4, rtol=0)
        np.testing.assert_allclose(b.entropies, a.entropies, atol=1e-4, rtol=0)


def _direct(model, item, target: str) -> tuple[np.ndarray, np.ndarray]:
    """log p and entropy of each answer token from one unpadded forward over prompt + answer,
    in float64, with no code from the backend's scoring path."""
    prompt = render_prompt(model.processor, item, model.prompt)
    batch = model.processor(text=[prompt], images=[rgb_image(item)], return_tensors="pt").to(model.device)
    answer = model.tokenizer(prompt + target, add_special_tokens=False)["input_ids"][
        len(model.tokenizer(prompt, add_special_tokens=False)["input_ids"]):
    ]
    ids = torch.cat([batch["input_ids"], torch.tensor([answer], device=model.device)], dim=1)
    inputs = {**batch, "input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if "mm_token_type_ids" in batch:
        inputs["mm_token_type_ids"] = torch.cat(
            [batch["mm_token_type_ids"], torch.zeros((1, len(answer)), dtype=torch.long, device=model.device)],
            dim=1,
        )
    with torch.no_grad():
        logits = model.model(**inputs).logits[0].double()  # [L, V]
    n_prompt = batch["input_ids"].shape[1]
    logp = torch.log_softmax(logits, dim=-1)
    steps = range(n_prompt - 1, n_prompt - 1 + len(answer))  # position t predicts token t + 1
    lp = np.array([float(logp[t, tok]) for t, tok in zip(steps, answer, strict=True)])
    ent = np.array([float(-(logp[t].exp() * logp[t]).sum()) for t in steps])
    return lp, ent


def test_score_equals_direct_computation(hf_models, family, items):
    model = hf_models[family]
    picked = [items[0], items[4], items[8]]
    targets = ["1997", "二〇一九年", "Price 8.00"]
    scores = model.score(picked, targets, batch_size=3)
    for item, target, got in zip(picked, targets, scores, strict=True):
        lp, ent = _direct(model, item, target)
        assert got.n_tokens == len(lp) > 0
        np.testing.assert_allclose(got.logprobs, lp, atol=1e-4)
        np.testing.assert_allclose(got.entropies, ent, atol=1e-4)
        assert math.isclose(got.sum_logprob, lp.sum(), abs_tol=1e-4)


def test_scores_obey_the_definitions(hf_models, family, items):
    model = hf_models[family]
    vocab = model.model.config.get_text_config().vocab_size
    for s in model.score(items[:6], _targets(6), batch_size=6):
        assert s.logprobs.dtype == np.float32 and s.entropies.dtype == np.float32
        assert np.all(s.logprobs <= 0)
        assert np.all((s.entropies >= 0) & (s.entropies <= math.log(vocab) + 1e-4))


def test_token_ids_are_the_continuation_tokens(hf_models, family, items):
    model = hf_models[family]
    item = items[1]
    prompt = render_prompt(model.processor, item, model.prompt)

    def processor_ids(text: str) -> list[int]:  # what the model reads for this text and image
        return model.processor(text=[text], images=[rgb_image(item)], return_tensors="pt")["input_ids"][0].tolist()

    for target in ("二〇一九年", "Price 8.00 dollars"):
        [s] = model.score([item], [target])
        # Expected without continuation_ids: the processor's ids of prompt + answer as one text,
        # after the prompt's own ids (image tokens expanded), and the answer tokenised alone.
        prompt_ids, joint_ids = processor_ids(prompt), processor_ids(prompt + target)
        assert joint_ids[: len(prompt_ids)] == prompt_ids
        expected = joint_ids[len(prompt_ids) :]
        assert expected == model.tokenizer(target, add_special_tokens=False)["input_ids"] and expected
        assert s.token_ids.tolist() == expected
        assert s.n_tokens == len(expected) and model.tokenizer.decode(s.token_ids.tolist()) == target


def test_empty_targets_score_nothing(hf_models, items):
    scores = hf_models["llava"].score(items[:3], ["", "", ""])
    assert [s.n_tokens for s in scores] == [0, 0, 0]
    assert scores[0].sum_logprob == 0.0 and math.isnan(scores[0].mean_entropy)


def test_logits_to_keep_path_equals_full_logits(hf_models, family, items, monkeypatch):
    model = hf_models[family]
    assert model._keeps_logits  # both tiny families support logits_to_keep
    kept = model.score(items[:5], _targets(5), batch_size=5)
    monkeypatch.setattr(model, "_keeps_logits", False)
    full = model.score(items[:5], _targets(5), batch_size=5)
    for a, b in zip(kept, full, strict=True):
        np.testing.assert_allclose(a.logprobs, b.logprobs, atol=1e-5)
        np.testing.assert_allclose(a.entropies, b.entropies, atol=1e-5)


def test_the_image_changes_the_scores(hf_models, items):
    # The premise of the MI analysis: another image gives another answer distribution.
    model = hf_models["qwen2-vl"]
    a, b = model.score([items[0], items[0].with_image(items[3].image)], ["1997", "1997"])
    assert not np.allclose(a.entropies, b.entropies)


def test_length_mismatch_is_an_error(hf_models, items):
    with pytest.raises(ValueError, match="2 items but 1 targets"):
        hf_models["llava"].score(items[:2], ["x"])
