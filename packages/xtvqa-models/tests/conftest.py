"""Fixtures for the xtvqa-models tests: the two tiny model families, built once per session
into a temporary folder and loaded through the public `hf:` path, and a small multilingual
item set with drawn text images of different sizes.

The models run on the CPU; `XTVQA_TEST_DEVICE=cuda` runs the same tests on a GPU.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from xtvqa_data import EvalItem, Record

FAMILIES = ("qwen2-vl", "llava")
DEVICE = os.environ.get("XTVQA_TEST_DEVICE", "cpu")


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from xtvqa_models import build_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    return {family: build_tiny_model(family, root / family, seed=0) for family in FAMILIES}


@pytest.fixture(scope="session")
def hf_models(tiny_dirs: dict[str, Path]) -> dict:
    from xtvqa_models import load_model

    return {family: load_model(f"hf:{path}", dtype="float32", device=DEVICE) for family, path in tiny_dirs.items()}


@pytest.fixture(params=FAMILIES)
def family(request: pytest.FixtureRequest) -> str:
    return request.param


def make_record(i: int) -> Record:
    """A receipt-like image whose size, colour and text vary with i."""
    width, height = 90 + 17 * i, 60 + 9 * (i % 4)
    image = Image.new("RGB", (width, height), (255, 250 - 25 * (i % 7), 230 + 3 * i))
    draw = ImageDraw.Draw(image)
    year, price = 1990 + 7 * i, f"{3 + 2.5 * i:.2f}"
    draw.text((4, 4 + 2 * (i % 5)), f"Year {year}", fill="black")
    draw.text((4, 30), f"Price {price}", fill=(20 * i % 255, 0, 0))
    yes_no = i % 3 == 2
    return Record(
        id=f"rec-{i:02d}",
        source="synth-receipt",
        image=image,
        image_lang="en",
        question={
            "en": "Is there a price?" if yes_no else "What is the year?",
            "zh": "有价格吗？" if yes_no else "年份是多少？",
            "fr": "Y a-t-il un prix ?" if yes_no else "Quelle est l'année ?",
        },
        answers={"en": ["yes" if yes_no else str(year)]},
        question_type="yes-no" if yes_no else "extractive",
    )


@pytest.fixture(scope="session")
def items() -> list[EvalItem]:
    """18 items: 6 records x (en, zh, fr), cross-lingual ones included."""
    return [EvalItem(make_record(i), lang) for i in range(6) for lang in ("en", "zh", "fr")]
