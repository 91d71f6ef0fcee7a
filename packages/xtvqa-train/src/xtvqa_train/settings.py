"""`TrainSettings` and the train command line, read the way TRL reads its own (`TrlParser`).

Every setting is declared once, as a dataclass field whose metadata is its help, and validated in
its dataclass's `__post_init__`:
- the run's own (model, data, LoRA, evaluation, output): the fields of `TrainSettings` below (a
  package built on xtvqa-train subclasses it to add fields of its own);
- the trainer's: the fields of `MVCLMIConfig`, i.e. MVCL-MI's own and the paper's Table 5
  defaults (`xtvqa_train.fields.MVCLFields`) and every other `SFTConfig` / `TrainingArguments`
  field.

`parse_train_args` reads them with transformers' `HfArgumentParser` (what `TrlParser` and the
`trl` CLI are built on): `--name VALUE` or `--name-with-dashes VALUE` for any field, `--config
run.yaml` (or .json) for a flat mapping of field names, the command line overriding the file,
and types, choices and `--no-<name>` switches from the fields' annotations and defaults. Two
parsers, not one: the settings and MVCLFields are read without importing torch (so `--help`, and
an error in them, take a second), and only a setting that is neither, e.g. `--save_steps 500`, is
read by a second parser over MVCLMIConfig, importing transformers' TrainingArguments (seconds).
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from xtvqa_train.fields import MVCLFields


@dataclass
class TrainSettings:
    """A training run's own settings; the trainer's are MVCLMIConfig fields (`train(settings, trainer=...)`)."""

    _argument_group_name: ClassVar[str] = "run"  # HfArgumentParser: the heading of these options in --help

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
                  "layout, e.g. how many table rows fit, follows the drawing size). Default: keep it."},
    )
    evaluate: bool = field(
        default=True,
        metadata={"help": "Benchmark the model before and after training and write the gap table "
                  "(--no-evaluate: train only, no gap table and no gap.png)."},
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
    lora_dropout: float = field(
        default=0.05, metadata={"help": "Dropout on the LoRA adapters' input (PEFT's lora_dropout). Each process "
                                "draws its own masks, so only 0 gives the same run on any number of processes."}
    )
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

    def __post_init__(self) -> None:
        for name in ("synth_records", "synth_image_size", "eval_records", "lora_r", "lora_alpha"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 <= self.lora_dropout < 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")
        if self.synth_resize_to is not None and not 1 <= self.synth_resize_to <= self.synth_image_size:
            raise ValueError(f"synth_resize_to must be in 1..synth_image_size ({self.synth_image_size}), "
                             f"got {self.synth_resize_to}")


@dataclass
class ParsedTrainArgs:
    """What `parse_train_args` read: the settings, the trainer's settings that were given (the rest
    are MVCLMIConfig's defaults), and the names of every setting the file or the command line set."""

    settings: TrainSettings
    trainer: dict[str, Any]
    given: set[str]


CONFIG_HELP = ("YAML or JSON file: a mapping of setting names (the options below without --, and any other "
               "SFTConfig / TrainingArguments field) to values; options given on the command line override it.")
TRAINER_EPILOG = """\
Any other field of TRL's SFTConfig / transformers' TrainingArguments is taken too, as --name VALUE
or a --config key: e.g. --gradient_accumulation_steps 4, --save_steps 500, --seed 1,
--gradient_checkpointing, --logging_steps 10 (see transformers' TrainingArguments)."""


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Descriptions and epilogs as written (examples keep their lines), options with their defaults."""


def parse_train_args(args: Sequence[str] | None = None, settings_class: type[TrainSettings] = TrainSettings,
                     **parser_kwargs: Any) -> ParsedTrainArgs:
    """Read `args` (default: sys.argv[1:]) and an optional `--config FILE` as `settings_class`
    fields and MVCLMIConfig fields; `-h` prints the help and exits, like a malformed option
    (argparse's usage error, exit code 2). ValueError for a bad config file or a value a
    `__post_init__` refuses. `parser_kwargs` go to the parser (prog, description, ...)."""
    import sys

    args = list(sys.argv[1:] if args is None else args)
    config_path = _config_option().parse_known_args(args)[0].config
    config = load_config_file(config_path) if config_path else {}

    parser = _parser((settings_class, MVCLFields), with_help=True, **{"epilog": TRAINER_EPILOG, **parser_kwargs})
    own_names = {f.name for f in fields(settings_class) if f.init}
    first = own_names | {f.name for f in fields(MVCLFields) if f.init}
    parser.set_defaults(**{k: v for k, v in config.items() if k in first})
    namespace, rest = parser.parse_known_args(args)
    values = vars(namespace)
    values.pop("config", None)

    # which settings the command line gave, whatever their value: a parse with every default unset
    seen = _parser((settings_class, MVCLFields), with_help=False)
    seen.set_defaults(**dict.fromkeys(first | {"config"}, _UNSET))
    given = {k for k, v in vars(seen.parse_known_args(args)[0]).items() if v is not _UNSET} - {"config"} | set(config)

    settings = settings_class(**{k: values[k] for k in own_names})
    mvcl_names = first - own_names
    MVCLFields(**{k: values[k] for k in mvcl_names})  # its __post_init__ checks the objective's options
    trainer = {k: values[k] for k in mvcl_names if k in given}
    others = {k: v for k, v in config.items() if k not in first}
    if rest or others:
        trainer.update(_trainer_arguments(rest, others, parser.prog))
    return ParsedTrainArgs(settings, trainer, given)


# The default of every option in a parse that asks which were given (not a string: argparse would
# parse a string default as if it had been typed).
_UNSET = object()


def _config_option() -> argparse.ArgumentParser:
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument("--config", default=None)
    return config


def _parser(dataclass_types: tuple[type, ...], *, with_help: bool, **kwargs: Any):
    from transformers import HfArgumentParser  # transformers' lazy module: no torch for this

    kwargs.setdefault("formatter_class", HelpFormatter)
    # one short usage line: an error prints it, and the generated one lists every option
    kwargs.setdefault("usage", "%(prog)s [--config FILE] [--name VALUE ...]   (--help lists the settings)")
    # allow_abbrev off: `--save 5` must not be read as a prefix of an option of the first parser
    parser = HfArgumentParser(dataclass_types, add_help=with_help, allow_abbrev=False, **kwargs)
    parser.add_argument("--config", metavar="FILE", default=None, help=CONFIG_HELP)
    return parser


def _trainer_arguments(rest: list[str], from_file: Mapping[str, Any], prog: str) -> dict[str, Any]:
    """The SFTConfig / TrainingArguments settings among `rest` (command-line strings) and
    `from_file`, read by a parser over MVCLMIConfig (imports transformers' TrainingArguments)."""
    from xtvqa_train.config import MVCLMIConfig

    names = {f.name for f in fields(MVCLMIConfig) if f.init}
    if unknown := [k for k in from_file if k not in names]:
        raise ValueError(unknown_settings(unknown, names))
    parser = _parser((MVCLMIConfig,), with_help=False, prog=prog)
    parser.set_defaults(**dict.fromkeys(names, _UNSET))
    parser.set_defaults(**from_file)
    namespace, unknown = parser.parse_known_args(rest)  # a malformed value: argparse's error, exit code 2
    if unknown:
        options = [u.split("=", 1)[0].lstrip("-").replace("-", "_") for u in unknown if u.startswith("--")]
        if not options:
            raise ValueError(f"unexpected argument(s) {' '.join(unknown)}: settings are given as --name VALUE")
        raise ValueError(unknown_settings(options, names | {"config"}))
    return {k: v for k, v in vars(namespace).items() if v is not _UNSET and k != "config"}


def unknown_settings(keys: Sequence[str], known: Sequence[str] | set[str]) -> str:
    """'unknown training setting(s) ...' with the closest known name for each key."""
    hints = [f"{k!r}" + (f" (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(k, list(known), 1))
                         else "") for k in keys]
    return f"unknown training setting(s) {', '.join(hints)}; see `uv run apps/train --help` and MVCLMIConfig"


def load_config_file(path: str | Path) -> dict[str, Any]:
    """A `--config` file's flat mapping of setting names to values (YAML: .yaml/.yml, or .json).
    Names may be written with dashes (`learning-rate`); the values are typed by the parser."""
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
    return {key.replace("-", "_"): value for key, value in data.items()}
