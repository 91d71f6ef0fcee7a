"""The hf: backend's batched greedy generation on the tiny models of both families.

Run: uv run pytest packages/xtvqa-models/tests/test_hf_generate.py -q
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from PIL import Image
from xtvqa_data import EvalItem
from xtvqa_models import PromptConfig, load_model
from xtvqa_models.chat import render_prompt


def test_batched_equals_batch_size_one(hf_models, family, items):
    # lmms-eval #236: left padding must not change greedy outputs. Batch size 5 leaves a
    # ragged last batch and mixes prompt lengths (en/zh/fr) and image sizes in each batch.
    model = hf_models[family]
    one = model.generate(items, max_new_tokens=8, batch_size=1)
    batched = model.generate(items, max_new_tokens=8, batch_size=5)
    assert [g.text for g in batched] == [g.text for g in one]
    assert [g.n_tokens for g in batched] == [g.n_tokens for g in one]


def test_outputs_depend_on_image_and_question(hf_models, family, items):
    # Guards the test above: a model that emits one string whatever it sees would pass it.
    texts = [g.text for g in hf_models[family].generate(items, max_new_tokens=6, batch_size=18)]
    assert len(set(texts)) >= len(items) // 2
    same_question_other_images = {texts[i] for i in range(0, 18, 3)}  # the en items
    assert len(same_question_other_images) >= 3


def test_generation_fields(hf_models, family, items):
    gens = hf_models[family].generate(items[:4], max_new_tokens=3, batch_size=4)
    assert len(gens) == 4
    for gen in gens:
        assert gen.ok and gen.text == gen.text.strip()
        assert 0 <= gen.n_tokens <= 3
        assert gen.meta["finish_reason"] in {"stop", "length"}
        assert (gen.meta["finish_reason"] == "length") == (gen.n_tokens == 3)


def test_empty_input_and_bad_arguments(hf_models, items):
    model = hf_models["llava"]
    assert model.generate([], max_new_tokens=4) == []
    with pytest.raises(ValueError, match="batch_size"):
        model.generate(items[:2], batch_size=0)
    with pytest.raises(ValueError, match="max_new_tokens"):
        model.generate(items[:2], max_new_tokens=0)


def test_rejected_image_names_the_item(hf_models, items):
    # Qwen2-VL's smart_resize refuses aspect ratios above 200.
    bad = items[4].with_image(Image.new("RGB", (1, 300), "white"))
    with pytest.raises(ValueError, match=rf"item {bad.key}: .* rejected its image \(1x300 px"):
        hf_models["qwen2-vl"].generate([items[0], bad, items[1]], batch_size=3)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_non_rgb_images_are_converted(hf_models, items, mode):
    item = items[0].with_image(items[0].image.convert(mode))
    [gen] = hf_models["qwen2-vl"].generate([item], max_new_tokens=2)
    assert gen.ok


def test_prompt_config_reaches_the_model(hf_models, items):
    model = hf_models["qwen2-vl"]
    custom = dataclasses.replace(model.prompt, short_answer={"en": "Reply tersely."})
    text = render_prompt(model.processor, items[0], custom)
    assert "Reply tersely." in text and items[0].question in text
    assert text.endswith("<|im_start|>assistant\n")


def test_records_identity_and_dtype(tiny_dirs):
    model = load_model(f"hf:{tiny_dirs['llava']}", dtype="bfloat16", prompt=PromptConfig(use_ocr_tokens=True))
    assert model.dtype == "bfloat16" and model.model.dtype == torch.bfloat16
    assert model.model_id == str(tiny_dirs["llava"]) and model.revision is None  # local: no commit
    assert model.prompt.use_ocr_tokens and model.can_score
    assert model.tokenizer.padding_side == "left"
    facts = model.describe()
    assert facts["dtype"] == "bfloat16" and facts["architecture"] == "LlavaForConditionalGeneration"
    assert facts["trust_remote_code"] is False and facts["device"] == str(model.device)


def test_bfloat16_model_generates_and_scores_in_float32(tiny_dirs, items):
    model = load_model(f"hf:{tiny_dirs['qwen2-vl']}", dtype="bfloat16")
    assert all(g.ok for g in model.generate(items[:3], max_new_tokens=4, batch_size=3))
    scores = model.score(items[:3], ["1997", "是", "Price 8.00"], batch_size=3)
    for s in scores:
        assert s.logprobs.dtype == np.float32 and np.isfinite(s.logprobs).all() and np.all(s.entropies >= 0)


def test_bad_dtype_is_a_clear_error(tiny_dirs):
    with pytest.raises(ValueError, match="unknown dtype 'float33'"):
        load_model(f"hf:{tiny_dirs['llava']}", dtype="float33")


def test_uncached_hub_id_offline_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OSError, match="could not load 'xtvqa-no-such-org/no-such-model'"):
        load_model("hf:xtvqa-no-such-org/no-such-model")


def test_items_of_other_question_types_use_their_instruction(hf_models, items):
    yes_no = next(item for item in items if item.record.question_type == "yes-no" and item.question_lang == "fr")
    assert "Répondez par oui ou par non." in render_prompt(hf_models["llava"].processor, yes_no, PromptConfig())
    assert isinstance(yes_no, EvalItem)
