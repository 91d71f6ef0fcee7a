"""The tiny model builders: determinism, tokenizer coverage of the 8 languages, processors.

Run: uv run pytest packages/xtvqa-models/tests/test_tiny.py -q
"""

from __future__ import annotations

import json

import pytest
from PIL import Image
from transformers import AutoProcessor
from xtvqa_models import build_tiny_model
from xtvqa_models.prompts import SHORT_ANSWER, YES_NO
from xtvqa_models.tiny.corpus import QUESTIONS, YES_NO_WORDS


def test_build_is_deterministic_in_the_seed(tmp_path, tiny_dirs):
    again = build_tiny_model("llava", tmp_path / "a", seed=0)
    other = build_tiny_model("llava", tmp_path / "b", seed=1)
    ref = tiny_dirs["llava"]
    assert (again / "model.safetensors").read_bytes() == (ref / "model.safetensors").read_bytes()
    assert (again / "tokenizer.json").read_bytes() == (ref / "tokenizer.json").read_bytes()
    assert (other / "model.safetensors").read_bytes() != (ref / "model.safetensors").read_bytes()


def test_folder_holds_what_from_pretrained_needs(tiny_dirs, family):
    names = {p.name for p in tiny_dirs[family].iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "processor_config.json",
            "chat_template.jinja", "README.md"} <= names
    config = json.loads((tiny_dirs[family] / "config.json").read_text())
    assert config["model_type"] == {"qwen2-vl": "qwen2_vl", "llava": "llava"}[family]


@pytest.mark.parametrize("text", [*SHORT_ANSWER.values(), *YES_NO.values(),
                                  *(q.format("x") for qs in QUESTIONS.values() for q in qs)])
def test_tokenizer_round_trips_every_language(hf_models, text):
    tokenizer = hf_models["qwen2-vl"].tokenizer
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text


def test_tokenizer_learned_merges_for_non_latin_scripts(hf_models):
    tokenizer = hf_models["llava"].tokenizer
    for lang in ("zh", "ja", "ko", "ru"):
        text = SHORT_ANSWER[lang]
        n_tokens = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        assert n_tokens < len(text.encode("utf-8")) / 2, (lang, n_tokens)
    # Digits one per token; yes/no words of every language never split below a character.
    assert len(tokenizer("2019", add_special_tokens=False)["input_ids"]) == 4
    for yes, no in YES_NO_WORDS.values():
        for word in (yes, no):
            assert len(tokenizer(word, add_special_tokens=False)["input_ids"]) <= len(word), word


def test_special_tokens_are_single_tokens(hf_models):
    qwen = hf_models["qwen2-vl"].tokenizer
    for token in ("<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|image_pad|>", "<|vision_end|>"):
        assert qwen.convert_tokens_to_ids(token) == qwen(token, add_special_tokens=False)["input_ids"][0]
    assert hf_models["llava"].tokenizer.image_token == "<image>"


@pytest.mark.parametrize(("family", "n_image_tokens"), [("qwen2-vl", 4), ("llava", 16)])
def test_processor_expands_the_image_placeholder(tiny_dirs, family, n_image_tokens):
    # 56 x 56 budget: Qwen2-VL 4x4 patches merged 2x2 -> 4 tokens; LLaVA 4x4 CLIP patches
    # (its CLS feature dropped) -> 16 tokens.
    processor = AutoProcessor.from_pretrained(tiny_dirs[family])
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Hi"}]}]
    text = processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    batch = processor(text=[text], images=[Image.new("RGB", (56, 56))], return_tensors="pt")
    image_id = processor.tokenizer.convert_tokens_to_ids(processor.image_token)
    assert int((batch["input_ids"] == image_id).sum()) == n_image_tokens


def test_chat_template_renders_an_assistant_turn_after_the_generation_prompt(tiny_dirs, family):
    processor = AutoProcessor.from_pretrained(tiny_dirs[family])
    user = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "Q?"}]}]
    prompt = processor.apply_chat_template(user, add_generation_prompt=True, tokenize=False)
    full = processor.apply_chat_template(
        [*user, {"role": "assistant", "content": [{"type": "text", "text": "1999"}]}], tokenize=False
    )
    eos = processor.tokenizer.eos_token
    assert full.startswith(prompt) and full[len(prompt):].startswith(f"1999{eos}")


def test_bad_arguments(tmp_path, tiny_dirs):
    with pytest.raises(ValueError, match="unknown tiny model family"):
        build_tiny_model("blip", tmp_path / "x")
    with pytest.raises(ValueError, match="multiple of 2 x patch_size"):
        build_tiny_model("llava", tmp_path / "x", image_size=50)
    with pytest.raises(FileExistsError):
        build_tiny_model("llava", tiny_dirs["llava"])
