"""`uv run apps/build`: build datasets (synthetic generator, converters, translation, XPaperQA).

Each subcommand lives in its own module beside this file; this file only groups them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Build XT-VQA datasets: `synth` (procedural generator), `convert` (ChartQA, DocVQA,
    TextVQA, OCR-VQA), `translate` / `apply-review`, `xpaperqa-en`, `xpaperqa-zh`."""


def _register() -> None:
    import importlib

    for module_name in ("cmd_synth", "cmd_convert", "cmd_translate", "cmd_xpaperqa"):
        if (Path(__file__).resolve().parent / f"{module_name}.py").exists():
            module = importlib.import_module(module_name)
            for command in module.COMMANDS:
                main.add_command(command)


_register()

if __name__ == "__main__":
    main()
