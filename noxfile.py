"""Test sessions: one per package (installing only that package and its test dependencies),
one for the cross-package integration tests, and ruff.

Every session installs from the committed uv.lock (`uv sync --frozen`) into its own virtualenv,
so what is tested is what users get. Run all: `uv run nox`; one: `uv run nox -s infotheory`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

# session name -> (workspace member, extras its tests need)
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "data": ("xtvqa-data", ()),
    "infotheory": ("xtvqa-infotheory", ()),
    "providers": ("xtvqa-providers", ("openai", "gemini")),
    "models": ("xtvqa-models", ("openai", "gemini")),
    # deepspeed: the DeepSpeed configs are validated with DeepSpeed's own code (test_configs.py)
    "train": ("xtvqa-train", ("deepspeed",)),
    # the bundled model's code, and the tests of the repository's experiments/ scripts (its probes)
    "reader": ("xtvqa-reader", ()),
    "build": ("xtvqa-build", ("openai", "gemini")),
    "apps": ("xtvqa-apps", ()),
}
nox.options.sessions = ["lint", *PACKAGES, "integration", "interop", "vllm"]

TEST_ENV = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1", "TRANSFORMERS_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "MPLBACKEND": "Agg"}


def _sync(session: nox.Session, *args: str) -> None:
    """Install exactly the locked dependencies of one target into the session's virtualenv."""
    session.run_install(
        "uv", "sync", "--frozen", "--no-progress", *args,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        external=True,
    )


def _pytest(session: nox.Session, *paths: str) -> None:
    session.run("python", "-m", "pytest", *paths, *session.posargs, env=TEST_ENV)


def _package_session(name: str, member: str, extras: tuple[str, ...]) -> None:
    @nox.session(name=name)
    def run(session: nox.Session) -> None:
        _sync(session, "--package", member, *(f"--extra={e}" for e in extras))
        _pytest(session, f"packages/{member}/tests")

    run.__doc__ = f"Install {member} alone (+ its test group) and run its tests."


for _name, (_member, _extras) in PACKAGES.items():
    _package_session(_name, _member, _extras)


@nox.session
def integration(session: nox.Session) -> None:
    """The whole workspace (the apps end to end): tests/.

    Its tests start the apps as users do, about thirty processes that each import torch and
    transformers. Where PYTHONDONTWRITEBYTECODE is set (as on our CI machines) Python compiles
    those imports from source every time: 34 s for a six-item `apps/bench` run on a 2-core
    machine, 13.6 s with the bytecode compiled once at install (51 s for the environment). The
    package sessions start few processes, so for them compiling everything costs more than it saves.
    With xtvqa-train's `deepspeed` extra: the ZeRO configs are launched on two CPU processes
    (test_train_configs.py).
    """
    _sync(session, "--all-packages", "--extra=deepspeed", "--compile-bytecode")
    _pytest(session, "tests")


# What `import vlmeval.dataset` needs beyond lmms-eval's dependencies (VLMEvalKit's
# requirements.txt lists far more: judges, video, gradio).
VLMEVALKIT_DATASET_DEPS = ("termcolor", "portalocker", "validators", "xlsxwriter", "openpyxl",
                           "timeout-decorator", "tabulate", "sty", "json_repair", "python-dotenv",
                           "omegaconf==2.4.0.dev4", "levenshtein", "decord", "jieba", "rouge",
                           "rouge-score", "latex2sympy2-extended", "pylatexenc", "imageio", "num2words")


@nox.session
def interop(session: nox.Session) -> None:
    """The exporter against the real harnesses: xtvqa-build with lmms-eval from PyPI (not a
    workspace dependency: it pins torch and many model libraries), then the exported task group
    loaded by lmms-eval's own TaskManager, and the samples files its evaluator and logger write
    imported back into a bench run folder (packages/xtvqa-build/tests/interop). With
    VLMEVALKIT_SRC=<a VLMEvalKit checkout> it also installs that and builds the exported TSV with
    VLMEvalKit's own dataset code. lmms-eval and its dependencies are downloaded on the first run
    (uv caches them: 30 s after that)."""
    _sync(session, "--package", "xtvqa-build")
    venv = {"VIRTUAL_ENV": session.virtualenv.location}
    session.run_install("uv", "pip", "install", "--no-progress", "lmms-eval>=0.7.3", env=venv, external=True)
    if os.environ.get("VLMEVALKIT_SRC"):  # a VLMEvalKit checkout: it is not on PyPI
        session.run_install("uv", "pip", "install", "--no-progress", "--no-deps", "-e",
                            os.environ["VLMEVALKIT_SRC"], env=venv, external=True)
        session.run_install("uv", "pip", "install", "--no-progress", *VLMEVALKIT_DATASET_DEPS, env=venv,
                            external=True)
    _pytest(session, "packages/xtvqa-build/tests/interop")


def cuda_gpus() -> list[str]:
    """The GPUs `nvidia-smi -L` lists (none without the driver, or with CUDA_VISIBLE_DEVICES
    empty): asked without importing torch, before anything is installed."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1") or shutil.which("nvidia-smi") is None:
        return []
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line for line in listed.stdout.splitlines() if line.startswith("GPU ")] if listed.returncode == 0 else []


@nox.session
def vllm(session: nox.Session) -> None:
    """The vllm: backend on a GPU: xtvqa-models with its `vllm` extra (the locked vLLM, a wheel of
    about 340 MB with CUDA kernels, and the torch it pins), then test_vllm.py, whose engine test
    generates with vLLM on the tiny Qwen2-VL. Skipped before anything is installed where
    `nvidia-smi -L` lists no GPU (vLLM's engine needs CUDA); the file's CPU test, with vllm faked,
    runs in the models session."""
    if not cuda_gpus():
        session.skip("no CUDA GPU (`nvidia-smi -L` lists none): the vLLM engine test needs one, so the "
                     "vllm extra is not installed; test_vllm.py's CPU test runs in the models session")
    _sync(session, "--package", "xtvqa-models", "--extra=vllm", "--extra=openai", "--extra=gemini")
    _pytest(session, "packages/xtvqa-models/tests/test_vllm.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the whole repository, and the import layers (import-linter's contracts in
    pyproject.toml), with the locked tools of the root dev group. The contracts read the packages'
    source only, so their folders go on PYTHONPATH instead of installing the packages."""
    _sync(session, "--only-group", "dev")
    session.run("ruff", "check", ".")
    sources = sorted(str(p) for p in Path("packages").glob("*/src"))
    session.run("lint-imports", env={"PYTHONPATH": os.pathsep.join(sources)})

