"""Shared fixtures: tiny models built once per session (xtvqa_models.tiny) and small records.

Run: uv run pytest packages/xtvqa-train/tests -q
"""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw
from xtvqa_data import Record

# Question and answer per language; zh and ja prompts tokenise to other lengths than en/fr.
QUESTIONS = {"en": "What is the year?", "zh": "年份是多少？", "fr": "Quelle est l'année ?", "ja": "年は何ですか？"}


def make_record(i: int, *, langs=("en", "zh", "fr"), image_lang: str = "en", size=(56, 56)) -> Record:
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((4, size[1] // 3), str(1990 + i), fill="black")
    answers = {"en": [str(1990 + i)], "zh": [f"{1990 + i}年"], "fr": [str(1990 + i)], "ja": [f"{1990 + i}年"]}
    return Record(
        id=f"rec-{i:03d}", source="synth-test", image=image, image_lang=image_lang, split="train",
        question={lang: QUESTIONS[lang] for lang in langs},
        answers={lang: answers[lang] for lang in langs},
    )


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory):
    from xtvqa_models.tiny import build_tiny_model

    return build_tiny_model("qwen2-vl", tmp_path_factory.mktemp("tiny-qwen2-vl"), seed=0)


@pytest.fixture(scope="session")
def tiny_llava(tmp_path_factory):
    from xtvqa_models.tiny import build_tiny_model

    return build_tiny_model("llava", tmp_path_factory.mktemp("tiny-llava"), seed=0)


def _load(path):
    from transformers import AutoModelForImageTextToText, AutoProcessor

    return AutoModelForImageTextToText.from_pretrained(path), AutoProcessor.from_pretrained(path)


@pytest.fixture
def qwen(tiny_qwen):
    """A fresh (model, processor) pair of the tiny Qwen2-VL (random weights)."""
    return _load(tiny_qwen)


@pytest.fixture
def llava(tiny_llava):
    return _load(tiny_llava)


@pytest.fixture(name="make_record")
def make_record_fixture():
    return make_record


@pytest.fixture
def records() -> list[Record]:
    return [make_record(i) for i in range(8)]
