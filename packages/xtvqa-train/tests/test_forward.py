"""view_logits: one forward over four views, images encoded once, logits kept on answers only.

Run: uv run pytest packages/xtvqa-train/tests/test_forward.py -q
"""

from __future__ import annotations

import pytest
import torch
from xtvqa_train import VIEWS, mvcl_mi_loss
from xtvqa_train.collator import MVCLCollator
from xtvqa_train.forward import repeat_views, view_logits


@pytest.mark.parametrize("family", ["qwen", "llava"])
def test_reusing_image_features_equals_encoding_every_view(family, request, records):
    model, processor = request.getfixturevalue(family)
    model.train()
    batch = MVCLCollator(processor)(records[:3])
    results = []
    for reuse in (True, False):
        model.zero_grad()
        logits, labels = view_logits(model, batch, reuse_image_features=reuse)
        mvcl_mi_loss(logits, labels).total.backward()
        grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
        results.append((logits, grads))
    (logits_a, grads_a), (logits_b, grads_b) = results
    for view in VIEWS:
        assert torch.allclose(logits_a[view], logits_b[view], atol=1e-5)
    assert grads_a.keys() == grads_b.keys()
    assert any("vision" in n or "visual" in n for n in grads_a)  # the encoder is trained too
    for name in grads_a:
        assert torch.allclose(grads_a[name], grads_b[name], atol=1e-5, rtol=1e-4), name


def test_view_logits_match_a_full_forward_shifted_by_hand(qwen, records):
    model, processor = qwen
    batch = MVCLCollator(processor)(records[:2])
    logits, labels = view_logits(model, batch)
    images = batch["image_inputs"]
    full = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                 mm_token_type_ids=batch["mm_token_type_ids"],
                 pixel_values=repeat_views(images["pixel_values"], 4),
                 image_grid_thw=repeat_views(images["image_grid_thw"], 4)).logits  # [4B, T, V]
    n, width = 2, batch["labels"].shape[1]
    answer_len = labels["ss"].shape[1]
    assert answer_len < width  # the prompt's logits were never built
    for k, view in enumerate(VIEWS):
        rows = slice(k * n, (k + 1) * n)
        # position i predicts token i + 1
        assert torch.equal(labels[view], batch["labels"][rows, width - answer_len :])
        assert torch.allclose(logits[view], full[rows, width - answer_len - 1 : width - 1], atol=1e-5)


def test_a_batch_without_views_of_four_is_rejected(qwen, records):
    model, processor = qwen
    batch = MVCLCollator(processor)(records[:1])
    batch = {**batch, "labels": batch["labels"][:3]}
    with pytest.raises(ValueError, match="4 rows per record"):
        view_logits(model, batch)
