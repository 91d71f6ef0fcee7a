"""Spec strings -> backends: parsing, suggestions, local paths, options, missing extras.

Run: uv run pytest packages/xtvqa-models/tests/test_registry.py -q
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from xtvqa_models import BACKENDS, load_model, parse_spec
from xtvqa_models.registry import resolve_model_name


def test_registry_covers_the_four_providers():
    assert set(BACKENDS) == {"hf", "openai", "gemini", "vllm"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("hf:Qwen/Qwen2-VL-2B-Instruct", ("hf", "Qwen/Qwen2-VL-2B-Instruct")),
        ("openai:gpt-4o", ("openai", "gpt-4o")),
        ("HF:./models/tiny", ("hf", "./models/tiny")),
        ("openai:qwen2.5-vl:7b", ("openai", "qwen2.5-vl:7b")),  # ollama tags keep their colon
    ],
)
def test_parse_spec(spec, expected):
    assert parse_spec(spec) == expected


def test_unknown_provider_suggests_close_names():
    with pytest.raises(ValueError, match=r"unknown model provider 'hff'.*did you mean 'hf:x/y'"):
        load_model("hff:x/y")
    with pytest.raises(ValueError, match=r"did you mean 'gemini:gemini-2.0-flash'"):
        load_model("gemeni:gemini-2.0-flash")


def test_spec_without_prefix_suggests_hf():
    with pytest.raises(ValueError, match=r"no provider prefix.*'hf:Qwen/Qwen2-VL-2B-Instruct'"):
        load_model("Qwen/Qwen2-VL-2B-Instruct")


@pytest.mark.parametrize("spec", ["", "hf:", "hf:   "])
def test_empty_specs_are_errors(spec):
    with pytest.raises(ValueError):
        parse_spec(spec)


@pytest.mark.parametrize("name", ["./no/such/model", "/no/such/model", "~/no-such-model-xtvqa", "a/b/c"])
def test_missing_local_path_is_a_clear_error(name):
    with pytest.raises(FileNotFoundError, match=r"local model folder .* does not exist"):
        load_model(f"hf:{name}")


def test_folder_without_config_is_not_a_model(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="not a model folder"):
        load_model(f"hf:{tmp_path}")
    (tmp_path / "weights.bin").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        load_model(f"hf:{tmp_path / 'weights.bin'}")


def test_hub_ids_pass_and_malformed_names_fail():
    assert resolve_model_name("hf", "Qwen/Qwen2-VL-2B-Instruct") == "Qwen/Qwen2-VL-2B-Instruct"
    assert resolve_model_name("hf", "gpt2") == "gpt2"
    with pytest.raises(ValueError, match="neither an existing model folder nor a hub id"):
        resolve_model_name("hf", "Qwen/Qwen 2 VL")


def test_existing_folder_resolves_to_absolute_path(tiny_dirs, monkeypatch):
    monkeypatch.chdir(tiny_dirs["llava"].parent)
    assert resolve_model_name("hf", "./llava") == str(tiny_dirs["llava"].resolve())


def test_unknown_option_names_the_accepted_ones(tiny_dirs):
    with pytest.raises(TypeError, match=r"does not take option\(s\) 'base_url'.*dtype"):
        load_model(f"hf:{tiny_dirs['llava']}", base_url="http://127.0.0.1:1")


def test_missing_extra_names_the_pip_extra(tiny_dirs, monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # as if vllm were not installed
    with pytest.raises(ImportError, match=r"pip install 'xtvqa-models\[vllm\]'"):
        load_model(f"vllm:{tiny_dirs['qwen2-vl']}")


def test_load_model_records_the_spec(hf_models, tiny_dirs):
    model = hf_models["llava"]
    assert model.spec == f"hf:{tiny_dirs['llava']}"
    assert model.model_id == str(tiny_dirs["llava"].resolve())
