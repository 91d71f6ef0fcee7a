"""The family matrix, model side: every tiny family x every stage of bench and analysis.

Each family is built from its own transformers config, model and processor classes
(`xtvqa_models.tiny`), saved, and loaded through `hf:<folder>` as a user's model is; then each
stage's conformance check runs on it (`xtvqa_models.conformance`). The training stages are in
xtvqa-train's test_families.py.

Run: uv run nox -s models -- -k families
"""

from __future__ import annotations

import pytest
from xtvqa_models.conformance import (
    MODEL_STAGES,
    ConformanceError,
    conformance_items,
    tiny_family_loader,
)
from xtvqa_models.tiny.families import FAMILIES, REFUSED_STAGES

from conftest import DEVICE


@pytest.fixture(scope="module")
def family_models(tmp_path_factory):
    """Each family built and loaded once for the module, on first use."""
    return tiny_family_loader(tmp_path_factory.mktemp, device=DEVICE)


@pytest.fixture(scope="module")
def items():
    return conformance_items()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_loads_through_hf_after_save_pretrained(family_models, family):
    model = family_models(family)
    assert model.model.config.model_type == family
    assert model.describe()["architecture"] == type(model.model).__name__


@pytest.mark.parametrize("stage", list(MODEL_STAGES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_stage(family_models, items, family, stage):
    model = family_models(family)
    refused = REFUSED_STAGES.get((family, stage))
    if refused is not None:  # the toolkit must refuse it in one clear line, not compute it wrong
        with pytest.raises(ConformanceError, match=refused):
            MODEL_STAGES[stage](model, items)
        return
    MODEL_STAGES[stage](model, items)


def test_a_model_outside_the_families_is_refused_in_one_line(tmp_path):
    """A text-only model, or an encoder-decoder VLM, is refused before its weights are read."""
    from transformers import LlamaConfig, LlamaForCausalLM, Pix2StructConfig
    from xtvqa_models import load_model
    from xtvqa_models.backends.hf import check_architecture

    LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                 num_attention_heads=2)).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match=r"is a 'llama' model, which transformers does not load as an image-text-to-text") as err:
        load_model(f"hf:{tmp_path}")
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match=r"encoder-decoder \('pix2struct'\)"):
        check_architecture("x", Pix2StructConfig())


def test_an_unreachable_hub_id_is_refused_at_once(monkeypatch, tmp_path):
    """A hub id that is not cached, with no network, fails in one request and one line (not after
    minutes of retries); a local-looking path that does not exist is refused without a request."""
    import huggingface_hub
    from xtvqa_models.backends import hf

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path))  # an empty cache
    calls = []

    def unreachable(self, repo_id, **kwargs):
        calls.append(repo_id)
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub.HfApi, "model_info", unreachable)
    with pytest.raises(OSError, match=r"'org/model' is not in the local Hugging Face cache and the Hub cannot be reached"):
        hf.check_reachable("org/model")
    assert calls == ["org/model"]
    with pytest.raises(OSError, match="no model folder data/models/typo"):
        hf.check_reachable("data/models/typo")
    assert calls == ["org/model"]
