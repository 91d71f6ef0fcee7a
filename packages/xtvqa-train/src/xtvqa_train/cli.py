"""Click options for `uv run apps/train`, built from the settings' own field declarations.

Each option's help and type come from the field it sets (`settings.CLI_OPTIONS`, or a
`TrainSettings` subclass's `cli_options`), resolved
lazily: `--help` and parsing read MVCL-MI's fields without importing TRL, and only the few
options that set a plain `TrainingArguments` field import transformers, when shown or used.
Switches are flags (`--no-kl`, `--lora`), never `type=bool`; a switch that turns a field off shows
the field's "off" help (what turning it off does), not the field's own; an option not given is None, so a
`--config` file's value stands unless the command line overrides it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import click

from xtvqa_train.settings import TrainSettings, coerce, field_of, switches


class FieldValue(click.ParamType):
    """Parses an option's string as its field's type (int, float, str or one of its choices)."""

    name = "value"

    def __init__(self, target: str, settings_class: type[TrainSettings] = TrainSettings):
        self.target, self.settings_class = target, settings_class

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return coerce(self.target, value, self.settings_class)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class FieldOption(click.Option):
    """An option whose help text is its field's, looked up only when help is shown."""

    def __init__(self, *args, target: str, settings_class: type[TrainSettings] = TrainSettings, **kwargs):
        self.target, self.settings_class = target, settings_class
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx):
        if self.help is None:
            spec = field_of(self.target, self.settings_class)
            text = spec.metadata.get("help", "")
            name = self.target.rpartition(".")[2]
            if self.is_flag:
                value = switches(self.settings_class)[self.name]
                if value is not True:  # `--no-kl`: what turning the field off does, not the field's own text
                    if "off" not in spec.metadata:
                        raise ValueError(f"switch --{self.name.replace('_', '-')} sets {name}={value}: its field "
                                         f"needs an 'off' help text saying what that does")
                    text = f"{spec.metadata['off']} (sets {name}={value})"
            else:
                default = None if spec.default is dataclasses.MISSING else spec.default
                if "choices" in spec.metadata:
                    text += f" One of: {', '.join(spec.metadata['choices'])}."
                if default is not None:
                    text += f" [default: {default}]"
            self.help = text.strip()
        return super().get_help_record(ctx)


def settings_options(function: Callable | None = None, *,
                     settings_class: type[TrainSettings] = TrainSettings) -> Callable:
    """Decorate a click command with one option per entry of `settings_class.cli_options` (in
    that order): `@settings_options`, or `@settings_options(settings_class=...)` for a subclass."""
    if function is None:
        return functools.partial(settings_options, settings_class=settings_class)
    options = settings_class.cli_options
    for name in reversed(options):
        target, switch = options[name]
        flag = "--" + name.replace("_", "-")
        if switch is not None:
            option = click.option(flag, name, cls=FieldOption, target=target, settings_class=settings_class,
                                  is_flag=True, default=False)
        else:
            option = click.option(flag, name, cls=FieldOption, target=target, settings_class=settings_class,
                                  type=FieldValue(target, settings_class), default=None, metavar=name.upper())
        function = option(function)
    return function
