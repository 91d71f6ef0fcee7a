"""Click options for `uv run apps/train`, built from the settings' own field declarations.

Each option's help and type come from the field it sets (`settings.CLI_OPTIONS`), resolved
lazily: `--help` and parsing read MVCL-MI's fields without importing TRL, and only the few
options that set a plain `TrainingArguments` field import transformers, when shown or used.
Switches are flags (`--no-kl`, `--lora`), never `type=bool`; an option not given is None, so a
`--config` file's value stands unless the command line overrides it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import click

from xtvqa_train.settings import CLI_OPTIONS, SWITCHES, coerce, field_of


class FieldValue(click.ParamType):
    """Parses an option's string as its field's type (int, float, str or one of its choices)."""

    name = "value"

    def __init__(self, target: str):
        self.target = target

    def convert(self, value, param, ctx):
        if not isinstance(value, str):
            return value
        try:
            return coerce(self.target, value)
        except ValueError as error:
            self.fail(str(error), param, ctx)


class FieldOption(click.Option):
    """An option whose help text is its field's, looked up only when help is shown."""

    def __init__(self, *args, target: str, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    def get_help_record(self, ctx):
        if self.help is None:
            spec = field_of(self.target)
            text = spec.metadata.get("help", "")
            name = self.target.rpartition(".")[2]
            if self.is_flag:
                value = SWITCHES[self.name]
                text = text if value is True else f"Sets {name}={value}. {text}"
            else:
                default = None if spec.default is dataclasses.MISSING else spec.default
                if "choices" in spec.metadata:
                    text += f" One of: {', '.join(spec.metadata['choices'])}."
                if default is not None:
                    text += f" [default: {default}]"
            self.help = text.strip()
        return super().get_help_record(ctx)


def settings_options(function: Callable) -> Callable:
    """Decorate a click command with one option per `CLI_OPTIONS` entry (in that order)."""
    for name in reversed(CLI_OPTIONS):
        target, switch = CLI_OPTIONS[name]
        flag = "--" + name.replace("_", "-")
        if switch is not None:
            option = click.option(flag, name, cls=FieldOption, target=target, is_flag=True, default=False)
        else:
            option = click.option(flag, name, cls=FieldOption, target=target, type=FieldValue(target),
                                  default=None, metavar=name.upper())
        function = option(function)
    return function
