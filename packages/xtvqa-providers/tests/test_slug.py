"""`slug`: the run sub-folder of each model in `apps/bench --model A --model B`.

Run: uv run nox -s providers -- -k slug
"""

import re

import pytest
from xtvqa_providers.specs import slug

SPECS = [
    "hf:Qwen/Qwen2-VL-2B-Instruct",
    "vllm:Qwen/Qwen2-VL-2B-Instruct",
    "hf:other-org/Qwen2-VL-2B-Instruct",
    "hf:data/models/xtvqa-tiny-ocr",
    "hf:runs/a/xtvqa-tiny-ocr/",
    "openai:gpt-4o",
    "openai:GPT-4o",
    "openai:qwen2.5-vl:7b",
    "openai:qwen2.5-vl_7b",
    "gemini:gemini-2.0-flash",
    "hf:" + "x" * 100,
    "hf:" + "x" * 101,
]


def test_specs_of_the_same_model_name_get_their_own_folders():
    # Both benchmarked in one run: one sub-folder each (they shared one; the second was refused).
    assert slug("hf:Qwen/Qwen2-VL-2B-Instruct") != slug("vllm:Qwen/Qwen2-VL-2B-Instruct")
    # Unique over names that a last-part rule, a character rule, a case-insensitive filesystem
    # or the 60-character cut would fold together.
    assert len({slug(spec).lower() for spec in SPECS}) == len(SPECS)


@pytest.mark.parametrize("spec", SPECS)
def test_slug_is_stable_readable_and_folder_safe(spec):
    name = slug(spec)
    assert name == slug(spec) == slug(f"  {spec} ")  # the same folder on every run (--resume)
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) and len(name) <= 60, name
    assert name.startswith(spec.split(":")[0] + "-")  # provider first, then the model's name
    tail = spec.rstrip("/").split("/")[-1].split(":", 1)[-1]
    assert tail[:40].replace(":", "_") in name


def test_slug_values():
    assert slug("openai:gpt-4o") == "openai-gpt-4o"  # nothing lost: no hash
    assert re.fullmatch(r"hf-Qwen2-VL-2B-Instruct-[0-9a-f]{8}", slug("hf:Qwen/Qwen2-VL-2B-Instruct"))
    assert slug("HF:Qwen/Qwen2-VL-2B-Instruct") == slug("hf:Qwen/Qwen2-VL-2B-Instruct")  # one spec, as parse_spec reads it


def test_plain_paths_keep_their_last_part():
    # apps/train --out names its run folder after the path: unchanged there.
    assert slug("/tmp/runs/no-kl") == "no-kl"
    assert slug("data/models/ablation/") == "ablation"
    assert slug("/") == "model"
