"""Shared fixtures: a tiny Qwen2-VL built once per session (xtvqa_models.tiny), and the
repository's experiments/ scripts loaded as modules (their tests live here, beside the code of
the model they probe).

Run: uv run pytest packages/xtvqa-reader/tests -q   (or uv run nox -s reader)
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def load_experiment(name: str):
    """The module `experiments/<name>.py` (the experiments are scripts, not a package; their folder
    goes on sys.path, as running one puts it, for those that import another)."""
    if str(REPO / "experiments") not in sys.path:
        sys.path.insert(0, str(REPO / "experiments"))
    spec = importlib.util.spec_from_file_location(name, REPO / "experiments" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_qwen(tmp_path_factory):
    from xtvqa_models.tiny import build_tiny_model

    return build_tiny_model("qwen2-vl", tmp_path_factory.mktemp("tiny-qwen2-vl"), seed=0)
