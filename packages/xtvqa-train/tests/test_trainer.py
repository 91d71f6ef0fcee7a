"""MVCLMITrainer on a tiny Qwen2-VL on the CPU: learning, parameter updates, LoRA, logging,
resume, configuration errors.

Run: uv run pytest packages/xtvqa-train/tests/test_trainer.py -q
"""

from __future__ import annotations

import math

import pytest
import torch
from peft import LoraConfig
from xtvqa_train import LossParts, MVCLMIConfig, MVCLMITrainer
from xtvqa_train.views import MissingLanguageWarning


def config(tmp_path, **overrides) -> MVCLMIConfig:
    base = dict(output_dir=str(tmp_path / "out"), max_steps=6, per_device_train_batch_size=4,
                learning_rate=2e-3, warmup_steps=0, logging_steps=1, report_to="none",
                gradient_checkpointing=False, save_strategy="no", seed=0, dataloader_pin_memory=False)
    return MVCLMIConfig(**{**base, **overrides})


def snapshot(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters()}


def test_defaults_follow_table_5(tmp_path):
    args = MVCLMIConfig(output_dir=str(tmp_path))
    assert (args.learning_rate, args.weight_decay, args.adam_beta2) == (1e-6, 0.1, 0.95)
    assert args.warmup_steps == 0.01 and args.get_warmup_steps(1000) == 10
    assert args.lr_scheduler_type == "cosine" and args.num_train_epochs == 1
    assert args.max_length == 2048 and (args.alpha, args.beta, args.kl) == (1.0, 1.0, "reverse")
    assert args.bf16 is (torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    assert args.remove_unused_columns is False


@pytest.mark.parametrize(
    ("overrides", "match"),
    [({"kl": "l2"}, "kl must be one of"), ({"alpha": -0.5}, "alpha"), ({"temperature": 0}, "temperature"),
     ({"remove_unused_columns": True}, "remove_unused_columns")],
)
def test_bad_settings_raise(tmp_path, overrides, match):
    with pytest.raises(ValueError, match=match):
        MVCLMIConfig(output_dir=str(tmp_path), **overrides)


def test_full_fine_tuning_learns_and_updates_every_parameter(tmp_path, qwen, records):
    model, processor = qwen
    before = snapshot(model)
    trainer = MVCLMITrainer(model, config(tmp_path, max_steps=8), train_dataset=records, processing_class=processor)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "total" in h]
    assert len(logs) == 8
    for name in LossParts.names():  # every part of eq. 10 is logged
        assert all(name in h and math.isfinite(h[name]) for h in logs), name
    assert logs[-1]["total"] < 0.7 * logs[0]["total"]  # overfits 8 records
    assert logs[-1]["kl_st_tt"] < logs[0]["kl_st_tt"]
    for h in logs:  # Trainer's loss is eq. 10's total
        assert h["loss"] == pytest.approx(h["total"], rel=1e-4)
    for name, param in trainer.model.named_parameters():
        assert not torch.equal(param.detach(), before[name]), f"{name} did not change"


def test_ablation_settings_reach_the_loss(tmp_path, qwen, records):
    model, processor = qwen
    trainer = MVCLMITrainer(model, config(tmp_path, max_steps=2, use_kl=False, cross_ce=False),
                            train_dataset=records, processing_class=processor)
    trainer.train()
    logs = [h for h in trainer.state.log_history if "total" in h]
    assert all(h["kl_st_tt"] == 0 and h["kl_ts_ss"] == 0 and h["ce_ts"] == 0 and h["ce_st"] == 0 for h in logs)
    assert all(h["total"] == pytest.approx(h["ce_ss"] + h["ce_tt"], rel=1e-5) for h in logs)


def test_answer_language_instruction_reaches_the_collator(tmp_path, qwen, records):
    model, processor = qwen
    for value in (True, False):
        trainer = MVCLMITrainer(model, config(tmp_path, max_steps=1, answer_language_instruction=value),
                                train_dataset=records, processing_class=processor)
        assert trainer.data_collator.answer_language_instruction is value


def test_lora_changes_only_the_adapters(tmp_path, qwen, records):
    model, processor = qwen
    peft_config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0,
                             target_modules=r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj)")
    trainer = MVCLMITrainer(model, config(tmp_path, max_steps=3), train_dataset=records,
                            processing_class=processor, peft_config=peft_config)
    before = snapshot(trainer.model)
    trainer.train()
    after = snapshot(trainer.model)
    trainable = {n for n, p in trainer.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n and "language_model" in n for n in trainable)
    for name in after:
        changed = not torch.equal(after[name], before[name])
        if name in trainable and "lora_B" in name:  # lora_A alone may keep its init for a step
            assert changed, name
        elif name not in trainable:
            assert not changed, f"frozen {name} changed"
    assert any(not torch.equal(after[n], before[n]) for n in trainable if "lora_A" in n)


def test_resume_from_checkpoint_reaches_the_same_weights(tmp_path, tiny_qwen, records):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    processor = AutoProcessor.from_pretrained(tiny_qwen)
    straight = MVCLMITrainer(AutoModelForImageTextToText.from_pretrained(tiny_qwen),
                             config(tmp_path / "a", max_steps=4, save_strategy="steps", save_steps=2),
                             train_dataset=records, processing_class=processor)
    straight.train()
    checkpoint = tmp_path / "a" / "out" / "checkpoint-2"
    assert (checkpoint / "trainer_state.json").is_file()
    resumed = MVCLMITrainer(AutoModelForImageTextToText.from_pretrained(tiny_qwen),
                            config(tmp_path / "b", max_steps=4), train_dataset=records, processing_class=processor)
    resumed.train(resume_from_checkpoint=str(checkpoint))
    assert resumed.state.global_step == 4
    # transformers alone would load none of the checkpoint's renamed keys (transformers#43701)
    for (name, a), (_, b) in zip(straight.model.named_parameters(), resumed.model.named_parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6), name


def test_records_without_a_second_language_are_dropped_up_front(tmp_path, qwen, records, make_record):
    model, processor = qwen
    mono = [make_record(100 + i, langs=("en",)) for i in range(3)]
    with pytest.warns(MissingLanguageWarning, match="dropped 3 of 11"):
        trainer = MVCLMITrainer(model, config(tmp_path), train_dataset=records + mono, processing_class=processor)
    assert len(trainer.train_dataset) == len(records)
    with pytest.warns(MissingLanguageWarning), pytest.raises(ValueError, match="second language"):
        MVCLMITrainer(model, config(tmp_path), train_dataset=mono, processing_class=processor)
