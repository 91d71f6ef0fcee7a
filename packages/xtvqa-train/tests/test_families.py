"""The family matrix, training side: every tiny family x the MVCL-MI stages.

`views`: the collator's four views with the image encoded once give the loss of four separate
forwards; `training`: two LoRA and two full steps change the trainable weights, and the trained
folder reloads and benchmarks (`xtvqa_train.conformance`). The model-side stages are in
xtvqa-models' test_families.py; `uv run python -m xtvqa_train.conformance` prints the table.

Run: uv run nox -s train -- -k families
"""

from __future__ import annotations

import pytest
from xtvqa_models.conformance import ConformanceError, tiny_family_loader
from xtvqa_models.tiny.families import FAMILIES, REFUSED_STAGES
from xtvqa_train.conformance import TRAIN_STAGES, matrix_markdown, run_matrix


@pytest.fixture(scope="module")
def family_models(tmp_path_factory):
    """Each family built and loaded once for the module, on first use."""
    return tiny_family_loader(tmp_path_factory.mktemp, device="cpu")


@pytest.mark.parametrize("stage", list(TRAIN_STAGES))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_stage(family_models, family, stage):
    model = family_models(family)
    refused = REFUSED_STAGES.get((family, stage))
    if refused is not None:
        with pytest.raises(ConformanceError, match=refused):
            TRAIN_STAGES[stage](model, None)
        return
    TRAIN_STAGES[stage](model, None)


def test_matrix_table_reports_cells_and_reasons():
    table = {"a": {"load": ("ok", ""), "generate": ("ok", ""), "template": ("refused", "no prefix\nmore")},
             "b": {"load": ("FAIL", "load: boom")}}
    text = matrix_markdown(table)
    assert "| a | ok | ok | - | - | refused | - | - |" in text
    assert "| b | FAIL | - | - | - | - | - | - |" in text
    assert "- a, template: no prefix" in text and "- b, load: load: boom" in text and "more" not in text


def test_run_matrix_marks_an_expected_refusal_and_keeps_going():
    table = run_matrix(["llava_onevision"])
    row = table["llava_onevision"]
    assert row["template"][0] == "refused" and row["views"][0] == "refused"
    assert row["generate"][0] == "ok" and row["score"][0] == "ok"
