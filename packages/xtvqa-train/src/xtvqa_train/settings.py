"""`TrainSettings`: everything one MVCL-MI run needs, declared once.

Two kinds of fields, one declaration each:
- the run's own (model, data, LoRA, evaluation, output), fields of `TrainSettings` below;
- the trainer's, fields of `MVCLMIConfig` (alpha, beta, kl, learning_rate, ... and any other
  `TrainingArguments` field), kept in `TrainSettings.trainer`.

A `--config` file (YAML or JSON) is a flat mapping of either kind's field names (or a CLI
option's name, e.g. `lr`, `epochs`); `uv run apps/train` builds its click options from
`CLI_OPTIONS` below, taking each option's help text from the field it sets, and a flag given on
the command line overrides the file. A file's values are read as the type of the field they set
(`file_value`): YAML 1.1 reads `1e-6` as a string, which must reach the trainer as a float.

A subclass of `TrainSettings` adds its own fields and command-line options (its `cli_options`);
every function below that reads fields or options takes the settings class (`settings_class`,
`TrainSettings` by default), so a config file and the options of the subclass are read as its
fields' types and checked against its fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

# CLI option name -> the field it sets ("trainer.<name>" for an MVCLMIConfig field) and, for a
# switch, the value it stores. The help text is the field's own; a switch that stores False (`--no-kl`)
# shows its field's "off" text instead, which says what turning the field off does.
CLI_OPTIONS: dict[str, tuple[str, Any]] = {
    "model": ("model", None), "data": ("data", None), "data_split": ("data_split", None),
    "eval_data": ("eval_data", None),
    "eval_langs": ("eval_langs", None), "eval_records": ("eval_records", None),
    "synth_records": ("synth_records", None),
    "alpha": ("trainer.alpha", None), "beta": ("trainer.beta", None), "kl": ("trainer.kl", None),
    "temperature": ("trainer.temperature", None),
    "no_kl": ("trainer.use_kl", False), "no_cross_ce": ("trainer.cross_ce", False),
    "no_answer_language_instruction": ("trainer.answer_language_instruction", False),
    "lora": ("lora", True), "lora_r": ("lora_r", None), "lora_alpha": ("lora_alpha", None),
    "epochs": ("trainer.num_train_epochs", None), "lr": ("trainer.learning_rate", None),
    "max_steps": ("trainer.max_steps", None), "batch_size": ("trainer.per_device_train_batch_size", None),
    "no_eval": ("evaluate", False), "out": ("out", None),
    "resume_from_checkpoint": ("resume_from_checkpoint", None),
}


@dataclass
class TrainSettings:
    """A training run; `trainer` holds MVCLMIConfig fields (Table 5 defaults where unset)."""

    model: str | None = field(
        default=None, metadata={"help": "Model to fine-tune: hf:<hub id or folder>. Default: the toolkit's default model."}
    )
    data: str | None = field(
        default=None,
        metadata={"help": "Training records: an xtvqa-data folder or hub id. Default: a train split from the synth generator."},
    )
    data_split: str = field(
        default="train", metadata={"help": "Split of --data to train on (a dataset folder's data/<split>-*.parquet)."}
    )
    synth_records: int = field(default=96, metadata={"help": "Records to generate when --data is not given."})
    synth_image_size: int = field(default=224, metadata={"help": "Side in pixels of generated images."})
    synth_resize_to: int | None = field(
        default=None,
        metadata={"help": "Downscale generated images to this side after drawing them at synth_image_size (the "
                  "layout, e.g. how many table rows fit, follows the drawing size; None: keep it)."},
    )
    evaluate: bool = field(
        default=True,
        metadata={"help": "Benchmark the model before and after training and print the gap table.",
                  "off": "Skip the benchmarks before and after training (no gap table, no drops.png): train only."},
    )
    eval_data: str | None = field(
        default=None,
        metadata={"help": "Records to benchmark on. Default: the bundled data/sample (else a generated test split)."},
    )
    eval_records: int = field(default=24, metadata={"help": "Records to benchmark (each asked in every --eval-langs)."})
    eval_langs: str = field(default="en,zh,fr", metadata={"help": "Question languages of the benchmark."})
    lora: bool = field(default=False, metadata={"help": "Train LoRA adapters (PEFT) instead of every weight."})
    lora_r: int = field(default=64, metadata={"help": "LoRA rank (MiniCPM-V's fine-tuning default: 64)."})
    lora_alpha: int = field(default=64, metadata={"help": "LoRA alpha (MiniCPM-V's default: 64)."})
    lora_target_modules: str | None = field(
        default=None,
        metadata={"help": "Modules that get adapters: a regex over module names, or a comma-separated list. "
                  "Default: the language model's attention projections (q/k/v/o), wherever the family "
                  "keeps its language model."},
    )
    out: str | None = field(default=None, metadata={"help": "Run folder. Default: runs/train/<timestamp>."})
    resume_from_checkpoint: str | None = field(
        default=None, metadata={"help": "A checkpoint-<step> folder of an earlier run to continue from."}
    )
    trainer: dict[str, Any] = field(default_factory=dict, metadata={"help": "MVCLMIConfig fields."})

    # The command-line options of these settings (a subclass with fields of its own extends it).
    cli_options: ClassVar[Mapping[str, tuple[str, Any]]] = CLI_OPTIONS

    def __post_init__(self) -> None:
        for name in ("synth_records", "synth_image_size", "eval_records", "lora_r", "lora_alpha"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.synth_resize_to is not None and not 1 <= self.synth_resize_to <= self.synth_image_size:
            raise ValueError(f"synth_resize_to must be in 1..synth_image_size ({self.synth_image_size}), "
                             f"got {self.synth_resize_to}")
        unknown = [k for k in self.trainer if k not in trainer_fields()]
        if unknown:
            raise ValueError(_unknown(unknown, type(self)))

    def merged(self, values: Mapping[str, Any]) -> TrainSettings:
        """A copy with `values` (settings fields, trainer fields or CLI names) applied on top."""
        own, trainer = split_fields(values, type(self))
        return dataclasses.replace(self, **own, trainer={**self.trainer, **trainer})


def trainer_fields() -> dict[str, dataclasses.Field]:
    """Every MVCLMIConfig field (imports TRL and transformers)."""
    from xtvqa_train.config import MVCLMIConfig

    return {f.name: f for f in fields(MVCLMIConfig) if f.init}


def own_fields(settings_class: type[TrainSettings] = TrainSettings) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in fields(settings_class) if f.name != "trainer"}


def switches(settings_class: type[TrainSettings] = TrainSettings) -> dict[str, Any]:
    """CLI switches: the value a given flag stores (`--no-kl` stores use_kl = False)."""
    return {name: value for name, (_, value) in settings_class.cli_options.items() if value is not None}


SWITCHES = switches()


def field_of(target: str, settings_class: type[TrainSettings] = TrainSettings) -> dataclasses.Field:
    """The field a CLI option sets: a settings field, or "trainer.<name>" for MVCLMIConfig.
    MVCL-MI's own fields resolve without importing TRL (fields.py); the rest import it."""
    scope, _, name = target.rpartition(".")
    if scope != "trainer":
        return own_fields(settings_class)[name]
    from xtvqa_train.fields import MVCLFields

    mvcl = {f.name: f for f in fields(MVCLFields)}
    return mvcl[name] if name in mvcl else trainer_fields()[name]


def coerce(target: str, raw: str, settings_class: type[TrainSettings] = TrainSettings) -> Any:
    """A CLI string as the type of the field's default (int, float or str), checked against choices."""
    spec = field_of(target, settings_class)
    choices = spec.metadata.get("choices")
    if choices and raw not in choices:
        raise ValueError(f"{raw!r} is not one of {', '.join(choices)}")
    default = None if spec.default is dataclasses.MISSING else spec.default
    if "type" in spec.metadata:  # a field whose default (None) does not say its type
        return spec.metadata["type"](raw)
    if isinstance(default, bool) or not isinstance(default, int | float):
        return raw
    return type(default)(raw)  # int("8"), float("1e-5"); a malformed number raises ValueError


def split_fields(values: Mapping[str, Any], settings_class: type[TrainSettings] = TrainSettings,
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sort a flat mapping into (settings fields, MVCLMIConfig fields); CLI names accepted."""
    own, trainer, unknown = {}, {}, []
    own_names, options = own_fields(settings_class), settings_class.cli_options
    trainer_names = _LazyTrainerFields()  # TRL only for a name that is no option and no own field
    for key, value in values.items():
        name = key.replace("-", "_")
        if name in options:
            target, switch = options[name]
            if isinstance(switch, bool):  # a switch: `no_kl: true` stores use_kl = False
                value = switch if value else not switch
            scope, _, name = target.rpartition(".")
            (trainer if scope == "trainer" else own)[name] = value
        elif name in own_names:
            own[name] = value
        elif name in trainer_names:
            trainer[name] = value
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(_unknown(unknown, settings_class))
    return own, trainer


class _LazyTrainerFields:
    """`name in trainer_fields()`, importing TRL at the first question (seconds), not before."""

    def __contains__(self, name: str) -> bool:
        return name in trainer_fields()


def _unknown(keys: list[str], settings_class: type[TrainSettings]) -> str:
    known = [*own_fields(settings_class), *trainer_fields(), *settings_class.cli_options]
    hints = [f"{k!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(k, known, 1)) else "")
             for k in keys]
    return f"unknown training setting(s) {', '.join(hints)}; see `uv run apps/train --help` and MVCLMIConfig"


def load_settings_file(path: str | Path, settings_class: type[TrainSettings] = TrainSettings) -> dict[str, Any]:
    """A flat mapping from a YAML (.yaml/.yml) or JSON file, read as `settings_class`'s fields."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    elif path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        raise ValueError(f"config file {str(path)!r}: use .yaml, .yml or .json")
    if not isinstance(data, dict):
        raise ValueError(f"config file {str(path)!r} must hold a mapping of setting names to values")
    if bad := [key for key in data if not isinstance(key, str)]:
        raise ValueError(f"config file {str(path)!r}: setting names must be strings, got {bad}")
    try:
        return {key: file_value(key, value, settings_class) for key, value in data.items()}
    except ValueError as error:
        raise ValueError(f"config file {str(path)!r}: {error}") from None


_SIMPLE = (bool, int, float, str)
_BOOL_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


@functools.cache
def _annotations(scope: str, settings_class: type[TrainSettings] = TrainSettings) -> dict[str, Any]:
    """The resolved type annotations of `settings_class` ("") or MVCLMIConfig ("trainer")."""
    if scope == "trainer":
        from xtvqa_train.config import MVCLMIConfig

        return typing.get_type_hints(MVCLMIConfig)
    return typing.get_type_hints(settings_class)


def declared_types(target: str, settings_class: type[TrainSettings] = TrainSettings) -> tuple[Any, ...]:
    """The types a field's annotation allows (`int | None` -> (int, NoneType)); target as in CLI_OPTIONS."""
    scope, _, name = target.rpartition(".")
    hint = _annotations(scope, settings_class)[name]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return typing.get_args(hint)
    return (hint,)


def file_value(key: str, value: Any, settings_class: type[TrainSettings] = TrainSettings) -> Any:
    """A config file's `value` for setting `key` (a field or CLI name) as the field's declared type:
    strings become int, float or bool where the field is one (`1e-6` -> 1e-06, `'true'` -> True), an
    integral float an int for an int field. ValueError naming the setting, the value and the type
    when the value is none of the types the field allows. Unknown keys are left to `split_fields`."""
    name = key.replace("-", "_")
    choices = None
    if name in switches(settings_class):
        allowed: tuple[Any, ...] = (bool,)
    else:
        if name in settings_class.cli_options:
            target = settings_class.cli_options[name][0]
        elif name in own_fields(settings_class):
            target = name
        elif name in trainer_fields():
            target = f"trainer.{name}"
        else:
            return value
        allowed = declared_types(target, settings_class)
        choices = field_of(target, settings_class).metadata.get("choices")
    return _as_declared(key, value, allowed, choices)


def _as_declared(key: str, value: Any, allowed: tuple[Any, ...], choices: list[str] | None) -> Any:
    simple = [t for t in _SIMPLE if t in allowed]
    other = [t for t in allowed if t not in _SIMPLE and t is not type(None)]  # enums, dicts, lists: left as given
    if value is None:
        if type(None) in allowed or other:
            return value
    elif isinstance(value, str):
        if choices and value not in choices:
            raise ValueError(f"setting {key!r}: {value!r} is not one of {', '.join(choices)}")
        if str in allowed:
            return value
        for kind in simple:
            converted = _from_string(value, kind)
            if converted is not None:
                return converted
        if other:
            return value
    elif isinstance(value, bool):
        if bool in allowed or other:
            return value
    elif isinstance(value, int | float):
        if isinstance(value, int) and (int in allowed or float in allowed):
            return value  # an int is a valid float (`epochs: 2`)
        if isinstance(value, float) and float in allowed:
            return value
        if isinstance(value, float) and int in allowed and value.is_integer():
            return int(value)  # `max_steps: 1.0e3`
        if bool in allowed and value in (0, 1):
            return bool(value)
        if other:
            return value
        if str in allowed:
            return str(value)
    elif other:
        return value
    expected = " or ".join("None" if t is type(None) else getattr(t, "__name__", str(t)) for t in allowed)
    hint = " (YAML reads yes/no/on/off as true/false: quote the value)" if isinstance(value, bool) else ""
    raise ValueError(f"setting {key!r}: cannot read {value!r} as {expected}{hint}")


def _from_string(text: str, kind: type) -> Any:
    """`text` as `kind` (bool, int or float), or None if it is not one."""
    text = text.strip()
    if kind is bool:
        return _BOOL_WORDS.get(text.lower())
    try:
        number = float(text)
    except ValueError:
        return None
    if kind is float:
        return number
    try:
        return int(text)
    except ValueError:
        return int(number) if number.is_integer() else None  # `max_steps: 1e3`
