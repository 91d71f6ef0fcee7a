"""TrainSettings: config files, CLI overrides, switches, one declaration per setting; the gap table.

Run: uv run pytest packages/xtvqa-train/tests/test_settings.py -q
"""

from __future__ import annotations

import dataclasses
import json
from typing import ClassVar

import click
import pytest
from click.testing import CliRunner
from xtvqa_train.cli import settings_options
from xtvqa_train.report import gap_markdown, gap_rows
from xtvqa_train.settings import CLI_OPTIONS, TrainSettings, field_of, load_settings_file


@click.command()
@settings_options
def echo(**cli):
    """Prints the settings the options produce (as the app builds them)."""
    given = {k: v for k, v in cli.items() if v is not None and v is not False}
    click.echo(json.dumps({"given": given}))


def test_config_file_then_cli_overrides(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model: hf:some/model\nalpha: 0.5\nlr: 3.0e-5\ngradient_accumulation_steps: 4\n"
                    "no_kl: true\nlora: true\nlora_r: 16\n")
    settings = TrainSettings().merged(load_settings_file(path))
    assert settings.model == "hf:some/model" and settings.lora and settings.lora_r == 16
    assert settings.trainer == {"alpha": 0.5, "learning_rate": 3e-5, "gradient_accumulation_steps": 4, "use_kl": False}
    settings = settings.merged({"alpha": 2.0, "max_steps": 7})
    assert settings.trainer["alpha"] == 2.0 and settings.trainer["max_steps"] == 7
    assert settings.trainer["learning_rate"] == 3e-5  # untouched by the override


def test_json_files_and_false_switches(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"no_kl": False, "no_cross_ce": True, "num_train_epochs": 2}))
    settings = TrainSettings().merged(load_settings_file(path))
    assert settings.trainer == {"use_kl": True, "cross_ce": False, "num_train_epochs": 2}


def test_unknown_settings_are_named_with_a_suggestion(tmp_path):
    with pytest.raises(ValueError, match=r"'learning_rte'.*did you mean 'learning_rate'"):
        TrainSettings().merged({"learning_rte": 1e-4})
    (tmp_path / "bad.toml").write_text("x = 1")
    with pytest.raises(ValueError, match=r"\.yaml, \.yml or \.json"):
        load_settings_file(tmp_path / "bad.toml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="mapping"):
        load_settings_file(tmp_path / "list.yaml")


def test_cli_options_parse_types_switches_and_defaults():
    runner = CliRunner()
    result = runner.invoke(echo, ["--alpha", "0.25", "--max-steps", "3", "--kl", "jsd", "--no-cross-ce", "--lora"])
    assert result.exit_code == 0, result.output
    given = json.loads(result.output)["given"]
    assert given == {"alpha": 0.25, "max_steps": 3, "kl": "jsd", "no_cross_ce": True, "lora": True}
    assert TrainSettings().merged(given).trainer == {"alpha": 0.25, "max_steps": 3, "kl": "jsd", "cross_ce": False}
    bad = runner.invoke(echo, ["--kl", "l2"])
    assert bad.exit_code != 0 and "not one of reverse, forward, jsd" in bad.output
    bad = runner.invoke(echo, ["--max-steps", "two"])
    assert bad.exit_code != 0 and "invalid literal" in bad.output


def test_every_cli_option_documents_its_field():
    result = CliRunner().invoke(echo, ["--help"])
    assert result.exit_code == 0
    for name, (target, _) in CLI_OPTIONS.items():
        assert "--" + name.replace("_", "-") in result.output
        assert field_of(target).metadata.get("help"), target
    text = " ".join(result.output.split())  # undo click's line wrapping
    assert "Leave out both KL terms: cross-entropy on the four views alone (Table 4's 'w/o KL-Loss'). " \
           "(sets use_kl=False)" in text
    assert "Peak AdamW learning rate (Table 5). [default: 1e-06]" in text


def _help_texts(settings_class) -> dict[str, str]:
    """Each option's help as `--help` shows it, click's wrapping undone."""
    command = settings_options(settings_class=settings_class)(click.command()(lambda **_: None))
    context = click.Context(command)
    return {param.name: " ".join(param.get_help_record(context)[1].split()) for param in command.params}


@pytest.mark.parametrize("settings_class", ["TrainSettings", "RecipeSettings"])
def test_every_switch_s_help_says_what_giving_it_does(settings_class):
    if settings_class == "RecipeSettings":
        recipes = pytest.importorskip("xtvqa_reader.recipes")
        settings_class = recipes.RecipeSettings
    else:
        settings_class = TrainSettings
    shown = _help_texts(settings_class)
    for name, (target, value) in settings_class.cli_options.items():
        if value is None:
            continue
        spec = field_of(target, settings_class)
        if value is True:  # `--lora`: the field's own text says what turning it on does
            assert shown[name] == spec.metadata["help"], name
            continue
        # `--no-kl`: what turning the field off does, never the field's own "Keep ..." text
        assert shown[name].startswith(spec.metadata["off"]) and spec.metadata["help"] not in shown[name], name
        assert shown[name].endswith(f"(sets {target.rpartition('.')[2]}={value})"), name
        assert not shown[name].startswith(("Keep", "Benchmark", "The cross views")), name
    assert shown["no_eval"].startswith("Skip the benchmarks")


def test_a_switch_without_an_off_text_is_refused_when_help_is_shown():
    @dataclasses.dataclass
    class Bare(TrainSettings):
        quiet: bool = dataclasses.field(default=True, metadata={"help": "Print progress."})
        cli_options: ClassVar = {**CLI_OPTIONS, "no_quiet": ("quiet", False)}

    with pytest.raises(ValueError, match="needs an 'off' help text"):
        _help_texts(Bare)


RESULTS_BEFORE = {"langs": ["en", "zh", "fr"], "overall": {"en": 0.8, "zh": 0.5, "fr": 0.6},
                  "overall_drops": {"en": 0.0, "zh": 30.0, "fr": 20.0},
                  "n_cross": {"overall": {"en": 10, "zh": 30, "fr": 30}}}
RESULTS_AFTER = {"langs": ["en", "zh", "fr"], "overall": {"en": 0.79, "zh": 0.6, "fr": 0.6},
                 "overall_drops": {"en": 0.0, "zh": 19.0, "fr": 19.5},
                 "n_cross": {"overall": {"en": 10, "zh": 30, "fr": 30}}}


def test_gap_rows_without_a_paired_comparison_have_scores_only():
    rows = {r["lang"]: r for r in gap_rows(RESULTS_BEFORE, RESULTS_AFTER)}
    assert rows["zh"]["score_before"] == pytest.approx(50.0) and rows["zh"]["change"] == pytest.approx(10.0)
    assert rows["zh"]["drop_before"] is None and rows["zh"]["narrowed"] is None
    markdown = gap_markdown(RESULTS_BEFORE, RESULTS_AFTER)
    assert "| zh | 50.0 | 60.0 | +10.0 |" in markdown


def _bench_folder(folder, scores):
    """A bench run folder holding predictions.jsonl rows from {(record, image lang, question lang): score}."""
    folder.mkdir(parents=True)
    lines = [json.dumps({"id": f"r{k}", "source": "synth", "image_lang": g, "question_lang": q, "score": s})
             for (k, g, q), s in scores.items()]
    (folder / "predictions.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_the_gap_markdown_ends_with_the_paired_change_of_every_cross_lingual_cell(tmp_path):
    from xtvqa_data.report import change_line, change_markdown, compare_folders

    before, after = {}, {}
    for k in range(30):
        g = ("en", "zh")[k % 2]
        for q in ("en", "zh", "fr"):
            before[(k, g, q)] = 1.0 if q == g else float(k % 3 == 0)
            after[(k, g, q)] = 1.0 if q == g else float(k % 3 != 2)
    change = compare_folders(_bench_folder(tmp_path / "b", before), _bench_folder(tmp_path / "a", after))
    # cells: en images asked in zh and fr, zh images asked in en and fr; no fr images, so no fr reference
    assert change["drops"] == [["en", "fr"], ["en", "zh"], ["zh", "en"], ["zh", "fr"]]
    assert change["sources"] == ["en", "zh"] and change["n_records"] == 30
    # before: the cross items score 1 on 10 of 30 records, after on 20 (plain cell means)
    assert change["mean_drop"]["before"] == pytest.approx(100 * (1 - 10 / 30))
    assert change["mean_drop"]["after"] == pytest.approx(100 * (1 - 20 / 30))
    assert change["narrowed"] == pytest.approx(0.5) and change["source_change"] == 0.0
    low, high = change["narrowed_ci"]
    assert low < 0.5 < high and change["source_change_ci"] == [0.0, 0.0]
    line = change_line(change)
    assert "66.7 -> 33.3 points, narrowed 50.0 % [" in line and "over 30 test records" in line
    markdown = gap_markdown(RESULTS_BEFORE, RESULTS_AFTER, change)
    assert markdown.rstrip().endswith(change_markdown(change).rstrip()) and line in markdown
    # per question language, the same paired comparison over that language's cells alone
    by_lang = change["by_question_lang"]
    assert list(by_lang) == ["en", "zh", "fr"] and by_lang["fr"]["drops"] == [["en", "fr"], ["zh", "fr"]]
    assert by_lang["en"]["drops"] == [["zh", "en"]] and by_lang["en"]["sources"] == ["zh"]
    rows = {r["lang"]: r for r in gap_rows(RESULTS_BEFORE, RESULTS_AFTER, change)}
    assert rows["fr"]["drop_before"] == by_lang["fr"]["mean_drop"]["before"]
    assert rows["fr"]["narrowed"] == by_lang["fr"]["narrowed"]
    assert change["drop_change"] == pytest.approx(change["mean_drop"]["after"] - change["mean_drop"]["before"])
    low, high = change["drop_change_ci"]
    assert low <= change["drop_change"] <= high
    # a run asked only in the image's language has nothing to narrow
    mono = {key: s for key, s in before.items() if key[1] == key[2]}
    assert compare_folders(_bench_folder(tmp_path / "mb", mono), _bench_folder(tmp_path / "ma", mono)) is None


def test_the_gap_table_and_the_bench_comparison_agree_on_the_same_two_folders(tmp_path):
    # apps/bench writes comparison.md with write_comparison; apps/train writes gap.md with gap_markdown
    from xtvqa_data.report import change_line, compare_folders, plot_change, write_comparison

    before, after = {}, {}
    for k in range(24):
        g = ("en", "zh", "fr")[k % 3]
        for q in ("en", "zh", "fr"):
            before[(k, g, q)] = 1.0 if q == g else float(k % 4 == 0)
            after[(k, g, q)] = float(k % 5 != 0) if q == g else float(k % 2 == 0)
    _bench_folder(tmp_path / "bench-before", before)
    _bench_folder(tmp_path / "bench-after", after)
    change = compare_folders(tmp_path / "bench-before", tmp_path / "bench-after")
    gap = gap_markdown(RESULTS_BEFORE, RESULTS_AFTER, change)
    comparison = write_comparison(tmp_path, [("hf:A", "bench-before"), ("hf:B", "bench-after")])
    assert comparison == (tmp_path / "comparison.md").read_text()
    table = [line for line in comparison.splitlines() if line.startswith("| ")]
    assert len(table) == 5 and table[1].startswith("| all | 6 |")  # header, all, en, zh, fr
    assert all(line in gap.splitlines() for line in table)
    assert change_line(change) in comparison.splitlines()[0] and change_line(change) in gap
    rows = {r["lang"]: r for r in gap_rows(RESULTS_BEFORE, RESULTS_AFTER, change)}
    saved = json.loads((tmp_path / "comparison.json").read_text())["changes"][0]["change"]
    for lang in ("en", "zh", "fr"):
        assert rows[lang]["drop_after"] == pytest.approx(saved["by_question_lang"][lang]["mean_drop"]["after"])
        assert rows[lang]["narrowed"] == pytest.approx(saved["by_question_lang"][lang]["narrowed"])
    assert plot_change(change, tmp_path / "gap.png").stat().st_size > 10_000


def test_generated_records_can_be_drawn_at_one_size_and_kept_at_another():
    from xtvqa_train.run import training_records

    with pytest.raises(ValueError, match="synth_resize_to"):
        TrainSettings(synth_image_size=224, synth_resize_to=300)
    with pytest.raises(ValueError, match="synth_resize_to"):
        TrainSettings(synth_resize_to=0)
    # Layout follows the drawing size (the tiny-mvcl recipe draws at 448 as data/sample does, and
    # keeps 28 px); the resized records are the drawn ones, smaller.
    drawn = training_records(TrainSettings(synth_records=6, synth_image_size=448))
    small = training_records(TrainSettings(synth_records=6, synth_image_size=448, synth_resize_to=28))
    assert [r.image.size for r in small] == [(28, 28)] * 6 and drawn[0].image.size == (448, 448)
    assert [r.ocr_tokens for r in small] == [r.ocr_tokens for r in drawn]
    assert [dict(r.question) for r in small] == [dict(r.question) for r in drawn]


def test_config_file_values_are_read_as_their_fields_types(tmp_path):
    # YAML 1.1 (PyYAML) reads `1e-6` and `5e-1` as strings; they must reach the trainer as floats.
    path = tmp_path / "run.yaml"
    path.write_text("lr: 1e-6\nalpha: 5e-1\nepochs: 2\nmax_steps: 1e3\nno_kl: 'false'\nsynth_records: '12'\n")
    settings = TrainSettings().merged(load_settings_file(path))
    trainer = settings.trainer
    assert trainer["learning_rate"] == 1e-06 and type(trainer["learning_rate"]) is float
    assert trainer["alpha"] == 0.5 and type(trainer["alpha"]) is float
    assert trainer["num_train_epochs"] == 2 and isinstance(trainer["num_train_epochs"], int | float)
    assert trainer["max_steps"] == 1000 and type(trainer["max_steps"]) is int
    assert trainer["use_kl"] is True  # `no_kl: 'false'` is false, not a truthy string
    assert settings.synth_records == 12


@pytest.mark.parametrize(("text", "name", "shown", "expected"), [
    ("alpha: abc", "alpha", "'abc'", "float"), ("epochs: two", "epochs", "'two'", "float"),
    ("synth_records: 2.5", "synth_records", "2.5", "int"), ("lr: null", "lr", "None", "float"),
    ("lora: maybe", "lora", "'maybe'", "bool"), ("eval_langs: no", "eval_langs", "False", "str"),
    ("kl: l2", "kl", "'l2'", "reverse, forward, jsd"),
])
def test_config_file_values_that_are_not_their_fields_type_are_named(tmp_path, text, name, shown, expected):
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    with pytest.raises(ValueError, match=rf"'{name}'.*{shown}.*{expected}"):
        load_settings_file(path)


def test_json_config_values_are_checked_too(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"batch_size": "eight"}))
    with pytest.raises(ValueError, match=r"'batch_size'.*'eight'.*int"):
        load_settings_file(tmp_path / "bad.json")
    (tmp_path / "good.json").write_text(json.dumps({"batch_size": "8", "lora": "true", "beta": 1}))
    settings = TrainSettings().merged(load_settings_file(tmp_path / "good.json"))
    assert settings.lora is True and settings.trainer == {"per_device_train_batch_size": 8, "beta": 1}


@dataclasses.dataclass
class WithBudget(TrainSettings):
    """A subclass with a field and an option of its own, as a package built on xtvqa-train adds."""

    budget: float | None = dataclasses.field(default=None, metadata={"help": "Seconds.", "type": float})
    cli_options: ClassVar[dict] = {**CLI_OPTIONS, "budget_s": ("budget", None)}


def test_a_subclass_s_fields_and_options_are_read_as_their_types(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("budget_s: '30'\nalpha: 5e-1\n")
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) 'budget_s'"):
        TrainSettings().merged(load_settings_file(path))
    settings = WithBudget().merged(load_settings_file(path, WithBudget))
    assert type(settings) is WithBudget and settings.budget == 30.0 and settings.trainer == {"alpha": 0.5}
    assert WithBudget().merged({"budget": 2}).budget == 2  # a field's own name, as CLI_OPTIONS' are

    @click.command()
    @settings_options(settings_class=WithBudget)
    def show(**cli):
        click.echo(json.dumps({k: v for k, v in cli.items() if v is not None and v is not False}))

    result = CliRunner().invoke(show, ["--budget-s", "1.5", "--lr", "1e-4"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"budget_s": 1.5, "lr": 1e-4}
    assert "--budget-s" in CliRunner().invoke(show, ["--help"]).output
    assert "--budget-s" not in CliRunner().invoke(echo, ["--help"]).output
