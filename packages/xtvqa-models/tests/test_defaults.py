"""The default model: env override, the bundled folder, else a cached tiny model built once.

Run: uv run pytest packages/xtvqa-models/tests/test_defaults.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_models import default_model_spec, load_model
from xtvqa_models.defaults import bundled_model_dir, find_repo_root


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for key in ("XTVQA_DEFAULT_MODEL", "XTVQA_HOME", "XTVQA_CACHE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XTVQA_CACHE", str(tmp_path / "cache"))
    return monkeypatch


def test_env_override_wins(clean_env):
    clean_env.setenv("XTVQA_DEFAULT_MODEL", "openai:gpt-4o")
    assert default_model_spec() == "openai:gpt-4o"


def test_bundled_model_is_found_under_xtvqa_home(clean_env, tmp_path):
    model_dir = tmp_path / "repo" / "data" / "models" / "tiny-xt"
    model_dir.mkdir(parents=True)
    (model_dir / "config.json").write_text("{}")
    (tmp_path / "repo" / "data" / "models" / "notes").mkdir()  # no config.json: ignored
    clean_env.setenv("XTVQA_HOME", str(tmp_path / "repo"))
    assert bundled_model_dir() == model_dir
    assert default_model_spec() == f"hf:{model_dir}"


def test_repo_root_is_found_from_a_subfolder(clean_env, tmp_path):
    (tmp_path / "repo" / "data" / "sample").mkdir(parents=True)
    deep = tmp_path / "repo" / "apps" / "bench"
    deep.mkdir(parents=True)
    assert find_repo_root(deep) == tmp_path / "repo"


def test_missing_xtvqa_home_is_an_error(clean_env, tmp_path):
    clean_env.setenv("XTVQA_HOME", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="XTVQA_HOME"):
        find_repo_root()


def test_without_a_bundled_model_a_tiny_one_is_built_once(clean_env, tmp_path):
    clean_env.setenv("XTVQA_HOME", str(tmp_path))  # a "repository" with no data/models
    spec = default_model_spec()
    assert spec.startswith("hf:") and str(tmp_path / "cache") in spec
    weights = tmp_path.joinpath(spec.removeprefix("hf:"), "model.safetensors")
    stamp = weights.stat().st_mtime_ns
    assert default_model_spec() == spec and weights.stat().st_mtime_ns == stamp  # reused
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [weights.parent.name]  # no staging left
    model = load_model(spec)
    assert model.model.config.model_type == "qwen2_vl"
