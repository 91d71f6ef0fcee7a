"""`load_model("provider:name", **options)`: the one place that maps a spec string to a backend.

Backends are imported lazily (importing xtvqa_models never imports torch, openai or vllm), so a
missing optional dependency surfaces as an ImportError naming the extra to install, and only
for the backend asked for. The dict below is the whole registry: no import-time registration.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

from xtvqa_providers import specs

from xtvqa_models.base import VisionLanguageModel

# provider prefix -> "module:Class". The class takes the spec's name as its first argument and
# the options as keyword arguments.
BACKENDS: dict[str, str] = {
    "hf": "xtvqa_models.backends.hf:HFModel",
    "openai": "xtvqa_models.backends.openai_compat:OpenAIModel",
    "gemini": "xtvqa_models.backends.gemini:GeminiModel",
    "vllm": "xtvqa_models.backends.vllm:VLLMModel",
}

# provider -> (extra of xtvqa-models, top-level modules that extra installs)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "openai": ("openai", ("openai",)),
    "gemini": ("gemini", ("google",)),
    "vllm": ("vllm", ("vllm",)),
}

# Providers whose name is a Hugging Face hub id or a local model folder.
_HUB_PROVIDERS = ("hf", "vllm")
# "org/name" or "name" as the hub spells repository ids.
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")


def parse_spec(spec: str) -> tuple[str, str]:
    """Split `"provider:name"`; raise ValueError with a suggestion for a malformed spec."""
    return specs.parse_spec(spec, BACKENDS, what="model")


def looks_like_path(name: str) -> bool:
    """Whether a model name can only be a local path, not a hub id."""
    # Hub ids are "org/name" at most; anything relative/absolute/home-based or deeper is a path.
    return name.startswith((".", "/", "~")) or "\\" in name or name.count("/") >= 2 or name.endswith("/")


def resolve_model_name(provider: str, name: str) -> str:
    """An existing local model folder (as an absolute path) or a hub id; a clear error otherwise."""
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise NotADirectoryError(f"{provider}: {str(path)!r} is a file; pass the model folder that holds config.json")
        if not (path / "config.json").is_file():
            raise FileNotFoundError(
                f"{provider}: folder {str(path)!r} is not a model folder (no config.json); "
                "pass a folder written by save_pretrained, or a hub id"
            )
        return str(path.resolve())
    if looks_like_path(name):
        raise FileNotFoundError(
            f"{provider}: local model folder {name!r} does not exist (resolved to {str(path.resolve())!r}); "
            "check the path, or pass a hub id like 'Qwen/Qwen2-VL-2B-Instruct'"
        )
    if not _HUB_ID.fullmatch(name):
        raise ValueError(
            f"{provider}: {name!r} is neither an existing model folder nor a hub id like 'Qwen/Qwen2-VL-2B-Instruct'"
        )
    return name


def _import_backend(provider: str) -> type[VisionLanguageModel]:
    module_name, _, class_name = BACKENDS[provider].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        raise _missing_extra(provider, err) from err
    return getattr(module, class_name)


def _missing_extra(provider: str, err: ModuleNotFoundError) -> Exception:
    """The ImportError naming the extra when `err` is that extra's dependency; else `err` itself."""
    if provider in EXTRAS and (err.name or "").split(".")[0] in EXTRAS[provider][1]:
        extra = EXTRAS[provider][0]
        return ImportError(
            f"the {provider}: backend needs the optional dependency {err.name!r}: "
            f"pip install 'xtvqa-models[{extra}]' (in this workspace: uv sync --extra {extra})"
        )
    return err


def _check_options(provider: str, cls: type, options: dict[str, Any]) -> None:
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise TypeError(
            f"the {provider}: backend does not take option(s) {', '.join(map(repr, unknown))}; "
            f"its options are: {', '.join(accepted) or 'none'}"
        )


def load_model(spec: str, **options: Any) -> VisionLanguageModel:
    """Load the model a spec string names: `hf:`, `openai:`, `gemini:` or `vllm:` + a name.

    `options` go to the backend's constructor as keyword arguments (e.g. `dtype`, `device_map`,
    `trust_remote_code` for hf; `base_url`, `max_concurrency` for openai; `prompt=PromptConfig`
    for all). Raises ValueError for a malformed or unknown spec, FileNotFoundError for a missing
    local folder, ImportError naming the extra for a missing optional dependency.
    """
    provider, name = parse_spec(spec)
    if provider in _HUB_PROVIDERS:
        name = resolve_model_name(provider, name)
    cls = _import_backend(provider)
    _check_options(provider, cls, options)
    try:
        model = cls(name, **options)
    except ModuleNotFoundError as err:  # backends that import their SDK on construction
        raise _missing_extra(provider, err) from err
    model.spec = spec
    return model
