"""The vllm: backend (generation only). The engine test needs vllm and a CUDA device (skipped
elsewhere); the prompt-file test fakes the vllm module and runs on the CPU.

Run (on a GPU machine with the extra): uv run --extra vllm pytest packages/xtvqa-models/tests/test_vllm.py -q
"""

from __future__ import annotations

import shutil
import sys
import types
from types import SimpleNamespace

import pytest
from xtvqa_models import PromptConfig, load_model
from xtvqa_models.chat import render_prompt


@pytest.mark.gpu
def test_vllm_generates_in_order_and_cannot_score(tiny_dirs, items):
    pytest.importorskip("vllm")
    model = load_model(f"vllm:{tiny_dirs['qwen2-vl']}", gpu_memory_utilization=0.3, max_model_len=512)
    try:
        first = model.generate(items, max_new_tokens=6)
        again = model.generate(list(reversed(items)), max_new_tokens=6)
        assert len(first) == len(items) and all(g.ok for g in first)
        assert [g.text for g in again] == [g.text for g in reversed(first)]  # order kept, greedy
        assert all(0 <= g.n_tokens <= 6 for g in first)
        assert not model.can_score
        with pytest.raises(NotImplementedError, match="use an hf: model"):
            model.score(items[:1], ["x"])
    finally:
        model.close()


class _FakeLLM:
    """Stands in for `vllm.LLM` (no GPU here): records the engine arguments and the requests."""

    def __init__(self, **engine_args):
        self.engine_args, self.requests = engine_args, []

    def generate(self, requests, params, use_tqdm=False):
        self.requests.extend(requests)
        done = SimpleNamespace(text=" 12 ", token_ids=[7, 8], finish_reason="length")
        return [SimpleNamespace(outputs=[done]) for _ in requests]


def _fake_vllm(monkeypatch):
    fake = types.ModuleType("vllm")
    fake.__version__ = "0.0-fake"
    fake.LLM = _FakeLLM
    fake.SamplingParams = lambda **kwargs: SimpleNamespace(**kwargs)
    monkeypatch.setitem(sys.modules, "vllm", fake)


def test_vllm_applies_the_model_folders_prompt_file_as_hf_does(tiny_dirs, items, tmp_path, monkeypatch):
    """`vllm:<folder>` reads the folder's xtvqa_prompt.json (it used the default prompt and
    dropped the bundled model's OCR tokens); an explicit prompt still wins; vllm itself is faked."""
    _fake_vllm(monkeypatch)
    folder = tmp_path / "m"
    shutil.copytree(tiny_dirs["qwen2-vl"], folder)
    assert load_model(f"vllm:{folder}").prompt == PromptConfig()  # no file: the default
    PromptConfig(use_ocr_tokens=True, max_ocr_tokens=7).save(folder)
    model = load_model(f"vllm:{folder}")
    assert model.prompt.use_ocr_tokens is True and model.prompt.max_ocr_tokens == 7
    assert model.prompt == load_model(f"hf:{folder}").prompt  # the same prompt as the hf: backend
    item = items[0].with_ocr_tokens(["Price:", "12"])
    [answer] = model.generate([item], max_new_tokens=4)
    assert (answer.text, answer.n_tokens) == ("12", 2)
    [request] = model.llm.requests
    sent = model.processor.tokenizer.decode(request["prompt_token_ids"])
    assert "Price: 12" in sent  # the OCR tokens reach the engine's prompt
    assert "Price: 12" not in render_prompt(model.processor, item, PromptConfig())
    assert load_model(f"vllm:{folder}", prompt=PromptConfig()).prompt.use_ocr_tokens is False


def test_vllm_sends_token_ids_with_one_bos_where_the_template_writes_it(tiny_dirs, items, tmp_path, monkeypatch):
    """A template that writes `{{ bos_token }}` with a tokenizer that adds one too (Gemma 3, Llama
    3.2 Vision): a text prompt, which the engine tokenises with special tokens, began `<bos><bos>`.
    The backend now sends token ids, tokenised as the hf: backend tokenises them."""
    from tokenizers.processors import TemplateProcessing
    from transformers import AutoProcessor

    _fake_vllm(monkeypatch)
    folder = tmp_path / "llava"
    shutil.copytree(tiny_dirs["llava"], folder)
    processor = AutoProcessor.from_pretrained(folder)
    bos = processor.tokenizer.bos_token_id
    processor.tokenizer._tokenizer.post_processor = TemplateProcessing(
        single="<s> $A", special_tokens=[("<s>", bos)])  # the tokenizer adds a BOS, as Llama's do
    processor.save_pretrained(folder)
    model = load_model(f"vllm:{folder}")
    text = render_prompt(model.processor, items[0], model.prompt)
    assert text.startswith("<s>") and model.processor.tokenizer(text)["input_ids"][:2] == [bos, bos]  # the trap
    model.generate(items[:2], max_new_tokens=4)
    assert len(model.llm.requests) == 2
    for request in model.llm.requests:
        ids = request["prompt_token_ids"]
        assert ids[0] == bos and ids[1] != bos and ids.count(bos) == 1
        assert set(request) == {"prompt_token_ids", "multi_modal_data"}
        assert request["multi_modal_data"]["image"].mode == "RGB"
    # The hf: backend's ids (its processor expands the image placeholder) begin the same way.
    hf_ids = load_model(f"hf:{folder}", dtype="float32")._encode(items[:1], [text])["input_ids"][0].tolist()
    assert hf_ids[:3] == model.llm.requests[0]["prompt_token_ids"][:3] and hf_ids.count(bos) == 1
