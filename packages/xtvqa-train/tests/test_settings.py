"""TrainSettings and the train command line (HfArgumentParser, TRL's way); the gap table.

Run: uv run pytest packages/xtvqa-train/tests/test_settings.py -q
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from xtvqa_train.fields import MVCLFields
from xtvqa_train.report import gap_markdown, gap_rows
from xtvqa_train.settings import TrainSettings, parse_train_args


def _parse(*args, settings_class=TrainSettings):
    return parse_train_args(list(args), settings_class, prog="apps/train")


def test_config_file_then_command_line_overrides(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model: hf:some/model\nalpha: 0.5\nlearning_rate: 3.0e-5\ngradient_accumulation_steps: 4\n"
                    "use_kl: false\nlora: true\nlora_r: 16\n")
    parsed = _parse("--config", str(path))
    assert parsed.settings.model == "hf:some/model" and parsed.settings.lora and parsed.settings.lora_r == 16
    assert parsed.trainer == {"alpha": 0.5, "learning_rate": 3e-5, "gradient_accumulation_steps": 4, "use_kl": False}
    parsed = _parse("--config", str(path), "--alpha", "2", "--max-steps", "7", "--lora_r", "8")
    assert parsed.trainer["alpha"] == 2.0 and parsed.trainer["max_steps"] == 7 and parsed.settings.lora_r == 8
    assert parsed.trainer["learning_rate"] == 3e-5  # untouched by the override
    assert parsed.given == {"model", "alpha", "learning_rate", "gradient_accumulation_steps", "use_kl", "lora",
                            "lora_r", "max_steps"}


def test_only_what_was_given_reaches_the_trainer_and_defaults_are_the_fields():
    parsed = _parse()
    assert parsed.trainer == {} and parsed.given == set() and parsed.settings == TrainSettings()
    parsed = _parse("--alpha", "1.0")  # given at its default value: still given (a recipe must refuse it)
    assert parsed.trainer == {"alpha": 1.0} and parsed.given == {"alpha"}


def test_json_files_and_switches(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"use_kl": True, "cross_ce": False, "num_train_epochs": 2}))
    assert _parse("--config", str(path)).trainer == {"use_kl": True, "cross_ce": False, "num_train_epochs": 2}
    parsed = _parse("--no-use-kl", "--no_cross_ce", "--lora", "--no-evaluate")
    assert parsed.trainer == {"use_kl": False, "cross_ce": False}
    assert parsed.settings.lora is True and parsed.settings.evaluate is False
    assert _parse("--cross_ce", "false", "--lora", "no").trainer == {"cross_ce": False}


def test_unknown_settings_are_named_with_a_suggestion(tmp_path):
    with pytest.raises(ValueError, match=r"'learning_rte'.*did you mean 'learning_rate'"):
        _parse("--learning_rte", "1e-4")
    (tmp_path / "typo.yaml").write_text("lerning_rate: 1e-4\n")
    with pytest.raises(ValueError, match=r"'lerning_rate'.*did you mean 'learning_rate'"):
        _parse("--config", str(tmp_path / "typo.yaml"))
    with pytest.raises(ValueError, match="unexpected argument"):
        _parse("stray")
    (tmp_path / "bad.toml").write_text("x = 1")
    with pytest.raises(ValueError, match=r"\.yaml, \.yml or \.json"):
        _parse("--config", str(tmp_path / "bad.toml"))
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="mapping"):
        _parse("--config", str(tmp_path / "list.yaml"))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _parse("--config", str(tmp_path / "missing.yaml"))


def test_options_parse_types_aliases_and_choices(capsys):
    parsed = _parse("--alpha", "0.25", "--max-steps", "3", "--kl", "jsd", "--lr", "1e-4", "--epochs", "2",
                    "--batch-size", "4")
    assert parsed.trainer == {"alpha": 0.25, "max_steps": 3, "kl": "jsd", "learning_rate": 1e-4,
                              "num_train_epochs": 2.0, "per_device_train_batch_size": 4}
    assert type(parsed.trainer["max_steps"]) is int and type(parsed.trainer["alpha"]) is float
    for args, message in ((["--kl", "l2"], "invalid choice: 'l2'"), (["--max-steps", "two"], "invalid int value"),
                          (["--save_steps", "often"], "invalid float value")):
        with pytest.raises(SystemExit) as exit_:
            _parse(*args)
        assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_any_training_arguments_field_is_taken_typed_from_the_command_line_and_the_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("gradient_checkpointing: true\nsave_total_limit: '3'\nreport_to: [none]\n")
    parsed = _parse("--config", str(path), "--save_steps", "500", "--seed", "7", "--optim", "adafactor")
    assert parsed.trainer == {"gradient_checkpointing": True, "save_total_limit": 3, "report_to": ["none"],
                              "save_steps": 500.0, "seed": 7, "optim": "adafactor"}


def test_values_are_checked_by_the_fields_post_init():
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        _parse("--alpha", "-1")
    with pytest.raises(ValueError, match="eval_records must be >= 1"):
        _parse("--eval-records", "0")
    with pytest.raises(ValueError, match="temperature must be a finite number > 0"):
        MVCLFields(temperature=0.0)


def test_help_lists_every_field_with_its_help_and_default(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # argparse wraps at the terminal's width, also inside "--eval-langs"
    with pytest.raises(SystemExit) as exit_:
        _parse("--help")
    assert exit_.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse's wrapping undone
    for spec in [*dataclasses.fields(TrainSettings), *dataclasses.fields(MVCLFields)]:
        if spec.init:
            assert f"--{spec.name}" in shown and " ".join(spec.metadata["help"].split()) in shown, spec.name
    assert "Peak AdamW learning rate (Table 5). (default: 1e-06)" in shown
    assert "--no_use_kl, --no-use-kl" in shown and "--lr LEARNING_RATE" in shown
    assert "Any other field of TRL's SFTConfig" in shown  # the way to every other TrainingArguments field


def test_help_and_errors_in_the_run_s_settings_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; from xtvqa_train.settings import parse_train_args\n"
            "try: parse_train_args(['--eval-records', '0'])\nexcept ValueError: pass\n"
            "try: parse_train_args(['--help'])\nexcept SystemExit: pass\n"
            "assert 'torch' not in sys.modules, 'torch imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


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
    path.write_text("learning_rate: 1e-6\nalpha: 5e-1\nnum_train_epochs: 2\nuse_kl: 'false'\nsynth_records: '12'\n")
    parsed = _parse("--config", str(path))
    trainer = parsed.trainer
    assert trainer["learning_rate"] == 1e-06 and type(trainer["learning_rate"]) is float
    assert trainer["alpha"] == 0.5 and type(trainer["alpha"]) is float
    assert trainer["num_train_epochs"] == 2
    assert trainer["use_kl"] is False  # `'false'` is false, not a truthy string
    assert parsed.settings.synth_records == 12


@pytest.mark.parametrize(("text", "message"), [
    ("alpha: abc", "invalid float value: 'abc'"), ("synth_records: '2.5'", "invalid int value: '2.5'"),
    ("lora: maybe", "Truthy value expected"), ("kl: l2", "kl must be one of reverse, forward, jsd; got 'l2'"),
])
def test_config_file_values_that_are_not_their_fields_type_are_named(tmp_path, capsys, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n")
    with pytest.raises((SystemExit, ValueError)) as error:
        _parse("--config", str(path))
    assert message in (capsys.readouterr().err if error.type is SystemExit else str(error.value))


@dataclasses.dataclass
class WithBudget(TrainSettings):
    """A subclass with a field of its own, as a package built on xtvqa-train adds."""

    budget_s: float | None = dataclasses.field(default=None, metadata={"help": "Seconds.", "aliases": ["--budget"]})


def test_a_subclass_s_fields_are_options_and_config_keys(tmp_path, capsys):
    path = tmp_path / "run.yaml"
    path.write_text("budget_s: '30'\nalpha: 5e-1\n")
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) 'budget_s'"):
        _parse("--config", str(path))
    parsed = _parse("--config", str(path), settings_class=WithBudget)
    assert type(parsed.settings) is WithBudget and parsed.settings.budget_s == 30.0
    assert parsed.trainer == {"alpha": 0.5}
    assert _parse("--budget", "1.5", "--lr", "1e-4", settings_class=WithBudget).settings.budget_s == 1.5
    with pytest.raises(SystemExit):
        _parse("--help", settings_class=WithBudget)
    assert "--budget_s" in capsys.readouterr().out
