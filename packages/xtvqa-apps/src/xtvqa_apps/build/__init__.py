"""`uv run apps/build`: the subcommands, one module each, loaded when one is run.

`main` lists every subcommand with its one-line help without importing any of them (the
generator, rapidocr and the translators are slow to import), so `apps/build --help` answers at
once; running a subcommand imports its module only (click's lazily loaded subcommands).
"""

from __future__ import annotations

import importlib

import click

# name -> (module under xtvqa_apps.build, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "synth": ("synth", "synth", "Generate text-rich images with questions and answers in 8 languages."),
    "convert": ("convert", "convert", "Convert ChartQA, DocVQA, TextVQA or OCR-VQA into the record format."),
    "translate": ("translate", "translate", "Translate questions into more languages, checked by back-translation."),
    "apply-review": ("translate", "apply_review_command", "Merge a person's edits in a review CSV into a translated dataset."),
    "xpaperqa-en": ("xpaperqa", "xpaperqa_en", "Build XPaperQA-en from QASPER's questions and the papers' PDFs."),
    "xpaperqa-zh": ("xpaperqa", "xpaperqa_zh", "Build XPaperQA-zh from Chinese papers' PDFs: pages, OCR, LLM questions, translation."),
    "export": ("export", "export", "Export a dataset as an lmms-eval task group or VLMEvalKit TSVs, one per question language."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported when run (click's documented lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, _, short) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build XT-VQA datasets: `synth` (procedural generator), `convert` (ChartQA, DocVQA,
    TextVQA, OCR-VQA), `translate` / `apply-review`, `xpaperqa-en`, `xpaperqa-zh`, `export`."""
