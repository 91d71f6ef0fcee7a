"""The apps' kit: language parsing, and options that take their default and help from the
settings dataclass field they set.

Run: uv run nox -s apps
"""

import dataclasses

import click
import pytest
from click.testing import CliRunner
from xtvqa_apps.kit import common_options, parse_langs, settings_option
from xtvqa_models.settings import AnalysisSettings, BenchSettings


def test_parse_langs_takes_any_case_and_refuses_unknown_codes():
    assert parse_langs("EN, zh,Fr,en") == ("en", "zh", "fr")
    with pytest.raises(click.BadParameter, match="unknown language code 'xx'"):
        parse_langs("en,XX")


@pytest.mark.parametrize("settings", [BenchSettings, AnalysisSettings])
def test_options_take_default_and_help_from_the_settings_fields(settings, tmp_path):
    seen = {}

    @click.command()
    @common_options(settings, default_data=tmp_path, multiple_models=False)
    def main(**kwargs):
        seen.update(kwargs)

    runner = CliRunner()
    assert runner.invoke(main, []).exit_code == 0
    defaults = settings()
    for name in ("langs", "limit", "batch_size", "max_new_tokens", "seed", "ocr_tokens"):
        assert seen[name] == getattr(defaults, name), name
    help_text = " ".join(runner.invoke(main, ["--help"]).output.split())
    for field in dataclasses.fields(settings):
        if field.name in seen:
            assert " ".join(field.metadata["help"].split())[:40] in help_text, field.name


def test_settings_option_names_the_option_after_the_field():
    @click.command()
    @settings_option(AnalysisSettings, "draws", type=click.IntRange(min=1))
    def main(draws):
        click.echo(draws)

    runner = CliRunner()
    assert runner.invoke(main, []).output.strip() == "4"
    bad = runner.invoke(main, ["--draws", "0"])
    assert bad.exit_code != 0 and "'--draws'" in bad.output


def test_build_group_lists_its_commands_without_importing_them_and_loads_each():
    import subprocess
    import sys

    from xtvqa_apps.build import COMMANDS, main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and all(name in result.output for name in COMMANDS)
    # In a fresh interpreter: other tests of this session import the subcommands.
    probe = ("import sys; from click.testing import CliRunner; from xtvqa_apps.build import COMMANDS, main; "
             "CliRunner().invoke(main, ['--help']); "
             "print([m for m, _, _ in COMMANDS.values() if f'xtvqa_apps.build.{m}' in sys.modules])")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", f"--help imported {loaded}"
    ctx = click.Context(main)
    for name in COMMANDS:  # every entry names a real command of that name
        command = main.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert main.get_command(ctx, "nope") is None
