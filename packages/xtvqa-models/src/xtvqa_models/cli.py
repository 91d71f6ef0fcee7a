"""Click options and progress display shared by the apps (bench, analysis, train), declared once.

Each app is parse -> call library -> print; the options that several apps take (model, data,
languages, run folder) live here so they cannot drift apart between apps.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text
from xtvqa_providers.specs import split_spec

console = Console(stderr=True)

# The apps draw one rich progress bar with items/s; the libraries' own tqdm bars ("Generating
# test split", "Loading weights") would interleave with it. Set HF_HUB_DISABLE_PROGRESS_BARS=0
# to see them again (e.g. for a large hub download).
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def parse_langs(value: str) -> tuple[str, ...]:
    """'en, zh,FR' -> ('en', 'zh', 'fr'); every code checked against ISO 639-1 (any case)."""
    from xtvqa_data import RecordError, check_lang

    langs = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    if not langs:
        raise click.BadParameter("give at least one language, e.g. en,zh,fr")
    for lang in langs:
        try:
            check_lang(lang)
        except RecordError as error:
            raise click.BadParameter(error.problem) from None
    return langs


def _langs_callback(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    return parse_langs(value)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")


def slug(spec: str) -> str:
    """A folder-safe, readable name for a model spec, unique per spec (a run's sub-folder).

    `provider:name` -> `<provider>-<last part of name>`, e.g. `openai:gpt-4o` -> `openai-gpt-4o`.
    When that readable part would lose or alter anything (the name has a `/`, capitals that a
    case-insensitive filesystem folds, characters that are not folder-safe, or it is over 60
    characters), `-` + 8 hex of the SHA-1 of `provider:name` is appended: so
    `hf:Qwen/Qwen2-VL-2B-Instruct` -> `hf-Qwen2-VL-2B-Instruct-<hash>`, and the same spec on
    `vllm:` or another org's model of that name gets another folder, the same spec the same one
    in every run (a `--resume` finds it). A name kept whole is `provider-` + exactly the name,
    so two specs cannot share it either (a provider with a `-` always gets the hash).

    A plain path with no provider prefix (`apps/train --out` names its run folder with it) keeps
    its last part alone, as before: there the name only tells apart runs of the same second.
    """
    parts = split_spec(spec)
    if parts is None:  # a plain path
        return _safe(spec.strip().rstrip("/").split("/")[-1])[:60] or "model"
    provider, name = parts
    readable = f"{provider}-{_safe(name.rstrip('/').split('/')[-1]) or 'model'}"
    if "-" not in provider and readable == f"{provider}-{name.lower()}" and len(readable) <= 60:
        return readable
    digest = hashlib.sha1(f"{provider}:{name}".encode()).hexdigest()[:8]
    return f"{readable[:51]}-{digest}"


def default_run_dir(repo: Path, app: str) -> Path:
    return repo / "runs" / app / time.strftime("%Y%m%d-%H%M%S")


def common_options(*, default_data: Path, default_langs: str, multiple_models: bool) -> Callable:
    """The options bench and analysis share, in one place."""

    def decorate(func: Callable) -> Callable:
        options = [
            click.option("--model", "models" if multiple_models else "model", multiple=multiple_models,
                         default=None, metavar="SPEC",
                         help="hf:<hub id or path>, openai:<model>, gemini:<model>, vllm:<hub id or path>"
                              + (" (repeatable)" if multiple_models else "")
                              + ". Default: the bundled model (a tiny one is built when absent)."),
            click.option("--data", default=str(default_data), show_default=True, metavar="PATH|HUB_ID",
                         help="Dataset folder written by xtvqa_data.save, or a hub id."),
            click.option("--split", default=None, help="Split to use (default: every split)."),
            click.option("--langs", default=default_langs, show_default=True, callback=_langs_callback,
                         help="Question languages, comma-separated ISO 639-1 codes."),
            click.option("--limit", type=click.IntRange(min=1), default=None,
                         help="Only the first N records (each asked in every language)."),
            click.option("--batch-size", type=click.IntRange(min=1), default=8, show_default=True),
            click.option("--max-new-tokens", type=click.IntRange(min=1), default=32, show_default=True),
            click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="Run folder (default: runs/<app>/<time>)."),
            click.option("--resume", is_flag=True, help="Finish the interrupted run in --out; every item exactly once."),
            click.option("--seed", type=int, default=0, show_default=True),
            click.option("--ocr-tokens", is_flag=True,
                         help="Put the image's OCR tokens in the prompt (the dataset's own, else rapidocr)."),
            click.option("--dtype", default="auto", show_default=True, help="hf: torch dtype (auto, bfloat16, float32)."),
            click.option("--device-map", default=None, help="hf: device map (auto, cuda:0, cpu)."),
            click.option("--trust-remote-code", is_flag=True, help="hf: allow the model repository's own code."),
            click.option("--base-url", default=None, help="openai: base URL (a local vLLM/ollama/llama.cpp server)."),
            click.option("--max-concurrency", type=click.IntRange(min=1), default=8, show_default=True,
                         help="API backends: requests in flight."),
        ]
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def backend_options(spec: str, params: dict[str, Any]) -> dict[str, Any]:
    """The keyword options that `load_model(spec, ...)` takes for this spec's provider."""
    provider = spec.split(":", 1)[0]
    chosen = {
        "hf": {"dtype": params["dtype"], "device_map": params["device_map"],
               "trust_remote_code": params["trust_remote_code"]},
        "vllm": {"dtype": params["dtype"], "trust_remote_code": params["trust_remote_code"]},
        "openai": {"base_url": params["base_url"], "max_concurrency": params["max_concurrency"]},
        "gemini": {"max_concurrency": params["max_concurrency"]},
    }.get(provider, {})
    return {k: v for k, v in chosen.items() if v is not None}


class ItemsPerSecond(ProgressColumn):
    def render(self, task) -> Text:  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} items/s" if speed else "- items/s", style="progress.data.speed")


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar with items/s; yields the `on_progress(done, total)` callback."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), ItemsPerSecond(),
                  TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not enabled) as bar:
        task = bar.add_task(label, total=None)
        yield functools.partial(_update, bar, task)


def _update(bar: Progress, task: int, done: int, total: int) -> None:
    bar.update(task, completed=done, total=total)


def fail(error: BaseException) -> click.ClickException:
    """An expected error (bad input, missing file) as a one-line CLI error, exit code 1."""
    return click.ClickException(str(error))


def lazy_ocr(image):
    """rapidocr's text lines for `image` (xtvqa-build), imported on first use: only models that
    read OCR tokens, on records that ship none (or in the analysis, of noised images), call it.
    Lines, not words: the model's prompt config splits them when it reads words."""
    try:
        from xtvqa_build.ocr import ocr_lines
    except ImportError as error:
        raise click.ClickException(f"this model reads OCR tokens and the data has none; that needs xtvqa-build (rapidocr): {error}") from None
    return ocr_lines(image)


def translator_function(spec: str | None) -> Callable[[str, str, str], str] | None:
    """`--translator SPEC` as the scorer's `(text, source, target) -> text` (xtvqa-build, cached).

    A translation that fails after the backend's retries leaves the prediction as it was: it
    then earns only what it earns untranslated, and the run goes on.
    """
    if not spec:
        return None
    try:
        from xtvqa_build import load_translator
        from xtvqa_build.translators import TranslationFailure
    except ImportError as error:
        raise click.ClickException(f"--translator needs xtvqa-build: {error}") from None
    try:
        translator = load_translator(spec)
    except (ValueError, ImportError, OSError) as error:
        raise fail(error) from None

    def translate(text: str, source: str, target: str) -> str:
        result = translator.try_translate([text], source, target)[0]
        return text if isinstance(result, TranslationFailure) else result

    translate.spec = spec  # type: ignore[attr-defined]  # recorded in results.json
    return translate


def data_and_records(data: str, split: str | None) -> Sequence:
    import datasets
    from xtvqa_data import load

    datasets.disable_progress_bars()  # "Generating test split" would interleave with ours
    try:
        return load(data, split=split)
    except (FileNotFoundError, ValueError, OSError) as error:
        raise fail(error) from None
