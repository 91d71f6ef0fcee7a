"""The apps' kit: the click options bench and analysis share, progress bars, run folders, and the
wiring of data, OCR and translators, declared once.

Each app is parse -> call library -> print; the options that several apps take (model, data,
languages, run folder) live here so they cannot drift apart between apps, and each option that
sets a field of the run's settings dataclass (`BenchSettings`, `AnalysisSettings`) takes its
default and help from that field (`settings_option`).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
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

console = Console(stderr=True)
# What the apps print to stdout. Piped to a log or a file, rich would wrap and cut tables at 80
# columns ("synth-cha…"); there the lines are as long as the tables need.
output = Console() if sys.stdout.isatty() else Console(width=1000)

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


def default_run_dir(repo: Path, app: str) -> Path:
    """`<repo>/runs/<app>/<time>`, the same folder on every process of an accelerate launch."""
    from xtvqa_models.distributed import run_stamp

    return repo / "runs" / app / run_stamp()


def settings_option(settings: type, name: str, *decls: str, **kwargs: Any) -> Callable:
    """A click option for the field `name` of the settings dataclass `settings`, with the field's
    default and help (its `metadata["help"]`): one declaration per setting. A tuple default (the
    languages) is shown comma-separated; a bool field is a flag."""
    field = {f.name: f for f in dataclasses.fields(settings)}[name]
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    if isinstance(default, tuple):
        default = ",".join(default)
    options: dict[str, Any] = {"help": field.metadata.get("help"), "show_default": default is not None}
    if isinstance(default, bool):
        options.update(is_flag=True, show_default=False)
    options.update(kwargs)
    return click.option(*(decls or (f"--{name.replace('_', '-')}",)), name, default=default, **options)


def common_options(settings: type, *, default_data: Path, multiple_models: bool) -> Callable:
    """The options bench and analysis share, in one place; those that set a field of the app's
    `settings` dataclass take their default and help from it."""

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
            settings_option(settings, "langs", callback=_langs_callback),
            settings_option(settings, "limit", type=click.IntRange(min=1)),
            settings_option(settings, "batch_size", type=click.IntRange(min=1)),
            settings_option(settings, "max_new_tokens", type=click.IntRange(min=1)),
            click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="Run folder (default: runs/<app>/<time>)."),
            click.option("--resume", is_flag=True, help="Finish the interrupted run in --out; every item exactly once."),
            settings_option(settings, "seed", type=int),
            settings_option(settings, "ocr_tokens"),
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
    """Units done per second so far ("- items/s" before the first)."""

    def __init__(self, unit: str = "items"):
        super().__init__()
        self.unit = unit

    def render(self, task) -> Text:  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} {self.unit}/s" if speed else f"- {self.unit}/s", style="progress.data.speed")


def progress_display(*, unit: str = "items", enabled: bool = True) -> Progress:
    """The apps' one progress display (stderr): each task's description, bar, done/total,
    `unit`/s, elapsed and remaining time. Add tasks to it (`add_task`, `advance`)."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), ItemsPerSecond(unit),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not enabled)


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress display of one task; yields the `on_progress(done, total)` callback."""
    with progress_display(enabled=enabled) as bar:
        task = bar.add_task(label, total=None)
        yield functools.partial(_update, bar, task)


def _update(bar: Progress, task: int, done: int, total: int) -> None:
    bar.update(task, completed=done, total=total)


def check_resume(resume: bool, out: Path | None, run_dirs: Sequence[Path] = ()) -> None:
    """--resume needs --out, and every run folder it would finish (`run_dirs`, default `out`) must
    hold a run: refused in a second, before data or a model is loaded."""
    if not resume:
        return
    if out is None:
        raise click.UsageError("--resume needs --out: the run folder to finish")
    from xtvqa_data.runs import check_resumable

    for run_dir in run_dirs or [out]:
        try:
            check_resumable(run_dir)
        except FileNotFoundError as error:
            raise fail(error) from None


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
