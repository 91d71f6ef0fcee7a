"""Batched vision attention (`vision_attention`): the same numbers as transformers' SDPA path.

Run: uv run pytest packages/xtvqa-reader/tests/test_vision_attention.py -q
"""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F
from xtvqa_data.synth import generate
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader
from xtvqa_reader.pretrain import AnswerDataset, LanguageMix, answer_loss, collate_answers
from xtvqa_reader.vision_attention import (
    NAME,
    uniform_varlen_attention,
    use_batched_vision_attention,
)


class _Module(torch.nn.Module):
    pass


def _direct(query, key, value, lengths, scaling):
    """Each packed sequence's softmax attention to itself, written out."""
    outs, start = [], 0
    for n in lengths:
        q, k, v = (x[0, :, start : start + n].double() for x in (query, key, value))
        outs.append(torch.softmax(q @ k.transpose(-1, -2) * scaling, dim=-1) @ v)  # [H, n, D]
        start += n
    return torch.cat(outs, dim=1).transpose(0, 1).unsqueeze(0)  # [1, total, H, D]


@pytest.mark.parametrize("lengths", [[4] * 6, [4, 9, 1, 4], [7]])
def test_packed_attention_matches_per_sequence_softmax(lengths):
    torch.manual_seed(0)
    heads, dim, total = 3, 8, sum(lengths)
    query, key, value = (torch.randn(1, heads, total, dim) for _ in range(3))
    cu = torch.tensor([0, *torch.tensor(lengths).cumsum(0).tolist()], dtype=torch.int32)
    out, weights = uniform_varlen_attention(_Module().eval(), query, key, value, scaling=dim**-0.5,
                                            cu_seq_lens_q=cu, cu_seq_lens_k=cu)
    assert weights is None and out.shape == (1, total, heads, dim)
    torch.testing.assert_close(out.double(), _direct(query, key, value, lengths, dim**-0.5), atol=1e-5, rtol=1e-5)


def test_uniform_lengths_take_one_batched_call(monkeypatch):
    calls = []
    sdpa = F.scaled_dot_product_attention
    monkeypatch.setattr(F, "scaled_dot_product_attention", lambda *a, **k: calls.append(a[0].shape) or sdpa(*a, **k))
    query = key = value = torch.randn(1, 2, 5 * 4, 8)
    cu = torch.arange(0, 21, 4, dtype=torch.int32)
    uniform_varlen_attention(_Module().eval(), query, key, value, scaling=0.3, cu_seq_lens_q=cu, cu_seq_lens_k=cu)
    assert calls == [torch.Size([5, 2, 4, 8])]


def test_masks_and_different_key_sequences_are_refused():
    x = torch.randn(1, 2, 8, 4)
    cu = torch.tensor([0, 4, 8], dtype=torch.int32)
    with pytest.raises(ValueError, match="packed"):
        uniform_varlen_attention(_Module(), x, x, x, attention_mask=torch.ones(1, 1, 8, 8), cu_seq_lens_q=cu)
    with pytest.raises(ValueError, match="same sequences"):
        uniform_varlen_attention(_Module(), x, x, x, cu_seq_lens_q=cu, cu_seq_lens_k=torch.tensor([0, 2, 8]))


def test_reader_gives_the_same_loss_and_gradients_and_keeps_its_saved_config(tmp_path):
    records = list(generate(16, seed=1000, split="train", resize_to=28))
    model, processor = build_ocr_reader("toy", records, size=ReaderSize(vocab_size=800, hidden_size=32, num_layers=1))
    dataset = AnswerDataset(records, processor, mix=LanguageMix(), epochs=1, seed=0, prompt=READER_PROMPT,
                            image_size=28)
    batch = collate_answers([dataset[k] for k in range(16)], processor.tokenizer.pad_token_id, text_positions=True)
    model.train()

    def loss_and_grads():
        model.zero_grad()
        loss = answer_loss(model, batch)[0]
        loss.backward()
        return loss.detach(), {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}

    loss, grads = loss_and_grads()
    assert use_batched_vision_attention(model) == "sdpa"
    assert model.model.visual.blocks[0].attn.config._attn_implementation == NAME
    assert model.config.text_config._attn_implementation == "sdpa"
    batched_loss, batched_grads = loss_and_grads()
    torch.testing.assert_close(batched_loss, loss, atol=1e-5, rtol=1e-5)
    assert batched_grads.keys() == grads.keys() and any("visual" in n for n in grads)
    for name, grad in grads.items():
        torch.testing.assert_close(batched_grads[name], grad, atol=1e-5, rtol=1e-4, msg=name)
    assert use_batched_vision_attention(model, enabled=False) == NAME
    model.save_pretrained(tmp_path)
    assert NAME not in (tmp_path / "config.json").read_text()


def test_same_size_images_get_the_models_own_features_and_other_sizes_none(monkeypatch):
    from xtvqa_reader import pretrain
    from xtvqa_reader.vision_attention import same_size_image_features

    records = list(generate(8, seed=1000, split="train", resize_to=28))
    model, processor = build_ocr_reader("toy", records, size=ReaderSize(vocab_size=800, hidden_size=32, num_layers=1))
    model.train()
    pixels = processor.image_processor(images=[r.image.convert("RGB") for r in records], return_tensors="pt")
    ours = same_size_image_features(model, pixels["pixel_values"], pixels["image_grid_thw"])
    theirs = model.model.get_image_features(pixels["pixel_values"], pixels["image_grid_thw"], return_dict=True)
    assert len(ours.pooler_output) == len(theirs.pooler_output) == 8
    for a, b in zip(ours.pooler_output, theirs.pooler_output, strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
    # (the reader's processor makes every image 28 px, so a mixed batch is written out: 4 + 16 patches)
    mixed_grid = torch.tensor([[1, 2, 2], [1, 4, 4]])
    assert same_size_image_features(model, torch.zeros(20, pixels["pixel_values"].shape[1]), mixed_grid) is None
    # answer_loss takes that path: same loss and gradients as the model encoding the images itself
    dataset = AnswerDataset(records, processor, mix=LanguageMix(), epochs=1, seed=0, prompt=READER_PROMPT,
                            image_size=28)
    batch = collate_answers([dataset[k] for k in range(8)], processor.tokenizer.pad_token_id, text_positions=True)
    calls = []

    def loss_and_grads():
        model.zero_grad()
        loss = answer_loss(model, batch)[0]
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in model.parameters() if p.grad is not None]

    spy = same_size_image_features
    monkeypatch.setattr(pretrain, "same_size_image_features", lambda *a: calls.append(1) or spy(*a))
    fast = loss_and_grads()
    monkeypatch.setattr(pretrain, "same_size_image_features", lambda *a: None)
    plain = loss_and_grads()
    assert calls == [1] and "pixel_values" in batch  # the batch itself is left as it was
    torch.testing.assert_close(fast[0], plain[0], atol=0, rtol=0)
    for a, b in zip(fast[1], plain[1], strict=True):
        torch.testing.assert_close(a, b, atol=1e-7, rtol=1e-6)
