"""`uv run apps/train` end to end on a tiny model (two processes under `accelerate launch`, per
shipped config: test_train_configs.py).

Run: uv run nox -s integration -- -k train_app
"""

from __future__ import annotations

import importlib.util
import json
import time

from conftest import REPO, run_app

APP = REPO / "apps" / "train"


def app_main():
    spec = importlib.util.spec_from_file_location("train_app", APP / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def invoke(capsys, *args: str) -> tuple[int, str]:
    """The app's main on `args` in this process: (exit code, stdout + stderr)."""
    try:
        app_main()(list(args))
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_recipe_misuse_is_a_clear_error(capsys):
    # The full recipes take tens of minutes (test_recipes.py runs tiny-base's code at toy size).
    code, output = invoke(capsys, "--recipe", "tiny-base", "--alpha", "0.5")
    assert code == 1 and "recipe tiny-base takes no trainer option alpha=0.5" in output
    code, output = invoke(capsys, "--recipe", "huge")
    assert code == 2 and "invalid choice: 'huge'" in output


def test_the_bundled_sample_as_training_data_is_a_one_line_error_within_a_second(tmp_path):
    # data/sample has only a test split, which is also the default benchmark: say so, write nothing

    for args, message in (
        ([], "data/sample has no split 'train' (it has: test); pass --data-split test"),
        (["--data-split", "test"], "--data data/sample is also the benchmark's records (the default --eval-data)"),
    ):
        started = time.perf_counter()
        done = run_app("train", "--data", "data/sample", *args, "--out", str(tmp_path / "run"), check=False)
        seconds = time.perf_counter() - started
        assert done.returncode == 1 and message in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and not done.stdout
        assert seconds < 3, seconds  # under a second alone; the margin is for a busy machine
    assert not (tmp_path / "run").exists()


def test_the_last_line_names_the_model_folder_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")  # no wrapping inside a path
    spec = importlib.util.spec_from_file_location("train_app_print", APP / "__main__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    run = tmp_path / "run"
    run.mkdir()
    summary = {"model": "hf:m", "first_log": None, "last_log": None, "global_step": 1, "wall_time_s": 1.0,
               "model_dir": str(run / "model")}
    (run / "train_summary.json").write_text(json.dumps(summary))
    module._print(run)
    assert capsys.readouterr().err.strip().splitlines()[-1].endswith(f"model: {run / 'model'}; run folder: {run}")
    # a recipe's --out: the model copied there is the one named
    (run / "train_summary.json").write_text(json.dumps({**summary, "model_copied_to": str(tmp_path / "mine")}))
    module._print(run)
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.endswith(f"model: {tmp_path / 'mine'}; run folder: {run}")


def test_config_file_errors_exit_non_zero(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("alpah: 1.0\n")
    code, output = invoke(capsys, "--config", str(bad))
    assert code == 1 and "did you mean 'alpha'" in output and len(output.strip().splitlines()) == 1


def test_wrong_values_are_a_short_error_within_a_second(tmp_path):
    # in a fresh process, as a user runs it: no torch import, argparse's error after one usage line
    bad = tmp_path / "bad.yaml"
    bad.write_text("learning_rate: 1e-6\nalpha: abc\n")
    for args, message in ((["--config", str(bad)], "invalid float value: 'abc'"),
                          (["--eval-records", "0"], "Error: eval_records must be >= 1, got 0")):
        started = time.perf_counter()
        done = run_app("train", *args, check=False)
        seconds = time.perf_counter() - started
        assert done.returncode in (1, 2) and message in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) <= 2 and not done.stdout
        assert seconds < 5, seconds  # about a second alone; the margin is for a busy machine


def test_a_short_run_trains_benchmarks_and_prints_the_gap_table(tmp_path, tiny_model, monkeypatch, capsys):
    out = tmp_path / "run"
    config = tmp_path / "run.yaml"
    config.write_text("learning_rate: 1.0e-3\nwarmup_steps: 0\ngradient_checkpointing: false\n")
    monkeypatch.setenv("COLUMNS", "160")  # rich tables unwrapped
    args = ["--model", tiny_model, "--config", str(config), "--synth-records", "8", "--max-steps", "2",
            "--batch-size", "4", "--eval-langs", "en,zh", "--eval-records", "2", "--out", str(out), "--alpha", "0.5"]
    code, output = invoke(capsys, *args)
    assert code == 0, output
    summary = json.loads((out / "train_summary.json").read_text())
    assert summary["global_step"] == 2 and summary["trainer_args"]["alpha"] == 0.5
    assert summary["trainer_args"]["learning_rate"] == 1e-3 and summary["world_size"] == 1
    assert summary["records_per_process"] == [8] and summary["resumed_from_checkpoint"] is None
    text = " ".join(output.split())
    assert "kl_st_tt" in text and "narrowed %" in text and f"figure: {out / 'gap.png'}" in text
    for name in ("bench-before/results.json", "bench-after/results.json", "gap.md", "gap.png", "model/config.json",
                 "model/processor_config.json"):
        assert (out / name).is_file(), name
    assert [row["lang"] for row in summary["gap"]] == ["en", "zh"]
    # the paired change over the (image, question language) cells with a drop, in gap.md too
    change = summary["gap_change"]
    assert change["n_records"] == 2 and change["drops"] and all(g != q for g, q in change["drops"])
    assert "paired bootstrap over 2 test records" in (out / "gap.md").read_text()
    # apps/bench's comparison of the same two folders prints the same table (one function)
    from xtvqa_data.report import write_comparison

    comparison = write_comparison(tmp_path, [("before", str(out / "bench-before")), ("after", str(out / "bench-after"))])
    gap = (out / "gap.md").read_text().splitlines()
    assert all(line in gap for line in comparison.splitlines() if line.startswith("| "))


def test_a_recipe_refuses_options_given_at_their_default_value(tmp_path, capsys):
    # --lora-r 64 is TrainSettings' default: comparing with the defaults alone would drop it silently
    code, output = invoke(capsys, "--recipe", "tiny-mvcl", "--lora-r", "64")
    assert code == 1 and "takes no lora_r=64" in " ".join(output.split())
    config = tmp_path / "c.yaml"
    config.write_text("eval_records: 24\nsynth_records: 96\n")  # 96: the default; eval_records is taken
    code, output = invoke(capsys, "--recipe", "tiny-mvcl", "--config", str(config))
    text = " ".join(output.split())
    assert code == 1 and "takes no synth_records=96" in text and "eval_records" not in text.split(";")[0]

