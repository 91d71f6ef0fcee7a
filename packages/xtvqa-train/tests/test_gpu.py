"""bf16 on a CUDA device: the loss in float32 from bf16 logits, and trainer steps under bf16.

Skipped without CUDA (root conftest). Run: uv run pytest packages/xtvqa-train/tests/test_gpu.py -q
"""

from __future__ import annotations

import math

import pytest
import torch
from xtvqa_train import MVCLMIConfig, MVCLMITrainer, mvcl_mi_loss
from xtvqa_train.collator import MVCLCollator
from xtvqa_train.forward import view_logits

pytestmark = pytest.mark.gpu


def pad_left(batch: dict, width: int, pad_id: int) -> dict:
    """The batch widened to `width` columns with extra left padding."""
    extra = width - batch["input_ids"].shape[1]
    fill = {"input_ids": pad_id, "attention_mask": 0, "labels": -100, "mm_token_type_ids": 0}
    out = dict(batch)
    for key, value in fill.items():
        block = torch.full((batch[key].shape[0], extra), value, dtype=batch[key].dtype)
        out[key] = torch.cat([block, batch[key]], dim=1)
    return out


@pytest.mark.parametrize("width", [None, 192])  # 192 % 128 == 64: pytorch#196678's NaN case for cuDNN
def test_bf16_forward_and_loss_on_cuda(qwen, records, width):
    model, processor = qwen
    model = model.to("cuda", torch.bfloat16).train()
    batch = MVCLCollator(processor)(records[:4])
    if width is not None:
        batch = pad_left(batch, width, processor.tokenizer.pad_token_id)
    batch = {k: v.to("cuda") if isinstance(v, torch.Tensor) else v for k, v in batch.items()}
    batch["image_inputs"] = {k: v.to("cuda") for k, v in batch["image_inputs"].items()}
    logits, labels = view_logits(model, batch)
    assert logits["ss"].dtype == torch.bfloat16
    parts = mvcl_mi_loss(logits, labels)
    assert parts.total.dtype == torch.float32 and math.isfinite(parts.total.item())
    parts.total.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_trainer_steps_in_bf16(tmp_path, qwen, records):
    model, processor = qwen
    args = MVCLMIConfig(output_dir=str(tmp_path), max_steps=3, per_device_train_batch_size=4, learning_rate=1e-3,
                        warmup_steps=0, logging_steps=1, report_to="none", save_strategy="no")
    assert args.bf16  # Table 5: bf16 where the hardware supports it
    trainer = MVCLMITrainer(model, args, train_dataset=records, processing_class=processor)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "total" in h]
    assert len(logs) == 3 and all(math.isfinite(h["total"]) for h in logs)
    assert next(trainer.model.parameters()).device.type == "cuda"
