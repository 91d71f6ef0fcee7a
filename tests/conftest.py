"""Fixtures for the end-to-end tests of the apps: a tiny model and a small synthetic dataset,
both built locally (no hub), once per test session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from xtvqa_models import build_tiny_model

    return f"hf:{build_tiny_model('qwen2-vl', tmp_path_factory.mktemp('models') / 'tiny-qwen2-vl', seed=0)}"


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 generated records (every scenario, en/zh/fr images, questions in 8 languages)."""
    from xtvqa_data import save
    from xtvqa_data.synth import generate

    out = tmp_path_factory.mktemp("data") / "small"
    save(list(generate(12, seed=7)), out)
    return out


def run_app(app: str, *args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python apps/<app> ARGS` as a user would (`uv run apps/<app>` is the same command)."""
    full_env = {**os.environ, "XTVQA_HOME": str(REPO), "COLUMNS": "200", **(env or {})}
    done = subprocess.run([sys.executable, str(REPO / "apps" / app), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=REPO)
    if check and done.returncode != 0:
        raise AssertionError(f"apps/{app} {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done
