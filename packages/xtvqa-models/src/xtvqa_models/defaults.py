"""The default model of bench, analysis and train: what `uv run apps/bench` uses with no --model.

In order: the `XTVQA_DEFAULT_MODEL` environment variable (any spec); the bundled model, a
folder with a config.json under `<repo>/data/models/` (the first in name order); else a tiny
random Qwen2-VL-style model, built once into the user cache and reused, so that the apps run on
a fresh clone with no network. The repository is `XTVQA_HOME` when set, else the first folder
holding `data/sample` or `data/models` above the working directory or above this file.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

TINY_FAMILY = "qwen2-vl"
TINY_SEED = 0


def find_repo_root(start: Path | None = None) -> Path | None:
    """The XT-VQA repository folder, or None when neither XTVQA_HOME nor a data/ folder is found."""
    home = os.environ.get("XTVQA_HOME")
    if home:
        root = Path(home).expanduser()
        if not root.is_dir():
            raise FileNotFoundError(f"XTVQA_HOME={home!r} is not a folder; unset it or point it at the repository")
        return root.resolve()
    starts = [start or Path.cwd(), Path(__file__).resolve().parent]
    for first in starts:
        for folder in [first.resolve(), *first.resolve().parents]:
            if (folder / "data" / "sample").is_dir() or (folder / "data" / "models").is_dir():
                return folder
    return None


def bundled_model_dir(root: Path | None = None) -> Path | None:
    """The bundled model folder under `<root>/data/models/`, or None."""
    root = root if root is not None else find_repo_root()
    if root is None:
        return None
    folders = sorted(p.parent for p in (root / "data" / "models").glob("*/config.json"))
    return folders[0] if folders else None


def cache_dir() -> Path:
    """`XTVQA_CACHE`, else `$XDG_CACHE_HOME/xtvqa`, else `~/.cache/xtvqa`."""
    if os.environ.get("XTVQA_CACHE"):
        return Path(os.environ["XTVQA_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "xtvqa"


def _builder_fingerprint() -> str:
    """Hash of the tiny-model builder's source and the transformers version: a changed builder
    gets a new cache folder instead of a stale model."""
    import transformers

    from xtvqa_models import tiny

    digest = hashlib.sha256(transformers.__version__.encode())
    for source in sorted(Path(tiny.__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:10]


def tiny_default_model_dir() -> Path:
    """The cached tiny model folder, built on first use (about a second) and reused after."""
    from xtvqa_models.tiny import build_tiny_model

    target = cache_dir() / f"tiny-{TINY_FAMILY}-seed{TINY_SEED}-{_builder_fingerprint()}"
    if (target / "model.safetensors").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename: concurrent processes (accelerate launch) never see a
    # half-written folder, and the loser of the race discards its copy.
    from xtvqa_data.runs.meta import current_umask

    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    staging.chmod(0o777 & ~current_umask())  # a folder as mkdir makes it (mkdtemp gives 0700)
    try:
        build_tiny_model(TINY_FAMILY, staging, seed=TINY_SEED, overwrite=True)
        os.replace(staging, target)
    except OSError:
        if not (target / "model.safetensors").is_file():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def default_model_spec() -> str:
    """The spec string of the default model (see the module docstring for the order)."""
    if os.environ.get("XTVQA_DEFAULT_MODEL"):
        return os.environ["XTVQA_DEFAULT_MODEL"]
    bundled = bundled_model_dir()
    if bundled is not None:
        return f"hf:{bundled}"
    return f"hf:{tiny_default_model_dir()}"
