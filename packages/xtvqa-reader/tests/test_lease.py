"""`experiments/lease/tiny_base.py`, what a session lent a GPU runs to build the bundled model in
two calls (render, then train): its `--set` parsing, the recipe it builds, and both steps end to
end with the smoke sizes, the second loading the records the first rendered.

Run: uv run nox -s reader -- -k lease
"""

from __future__ import annotations

import json

import pytest

from conftest import load_experiment


@pytest.fixture(scope="module")
def lease():
    return load_experiment("lease/tiny_base")


def test_sets_take_each_fields_type(lease):
    sets = lease.parse_sets(["lookup_samples=300000", "lookup_share=0.25", "learning_rate=1e-3", "records=4e4"])
    assert sets == {"lookup_samples": 300_000, "lookup_share": 0.25, "learning_rate": 1e-3, "records": 40_000}
    assert type(sets["lookup_samples"]) is int and type(sets["lookup_share"]) is float
    assert lease.parse_sets(["max_steps=4758"]) == {"max_steps": 4758}  # None by default, an int when set


@pytest.mark.parametrize("pair, message", [
    ("lookup_samples", "FIELD=VALUE"),
    ("no_such_field=1", "a field of TinyBase"),
    ("time_budget_s=100", "a field of TinyBase"),  # train --budget's
    ("records=0.5", "not a int"),
    ("max_steps=many", "not a int"),
    ("lookup_share=a quarter", "not a float"),
])
def test_bad_sets_are_refused(lease, pair, message):
    with pytest.raises(ValueError, match=message):
        lease.parse_sets([pair])


def test_the_recipe_is_the_cuda_profile_with_the_sets(lease):
    from xtvqa_reader.recipes import TINY_BASE_CUDA

    recipe = lease.lease_recipe({"lookup_samples": 300_000, "lookup_share": 0.25}, budget=500)
    assert (recipe.records, recipe.batch_size, recipe.echo_samples) == (
        TINY_BASE_CUDA.records, TINY_BASE_CUDA.batch_size, TINY_BASE_CUDA.echo_samples)
    assert (recipe.lookup_samples, recipe.lookup_share, recipe.time_budget_s) == (300_000, 0.25, 500)
    smoke = lease.lease_recipe({"lookup_samples": 300_000, "lookup_share": 0.25}, smoke=True)
    assert (smoke.records, smoke.lookup_samples, smoke.lookup_share, smoke.time_budget_s) == (400, 200, 0.25, None)
    assert lease.lease_recipe({}, smoke=True).lookup_samples == 0  # no lookup phase unless asked for
    with pytest.raises(ValueError, match="lookup_share"):
        lease.lease_recipe({"lookup_share": 1.0})


def test_fill_then_train_loads_the_rendered_records(lease, tmp_path, capsys):
    cache, out = tmp_path / "cache", tmp_path / "model"
    sets = ["--set", "lookup_samples=300000", "--set", "lookup_share=0.25", "--set", "records=120",
            "--set", "copy_records=40", "--set", "echo_samples=60", "--set", "tokenizer_records=60"]
    assert lease.main(["fill", str(cache), "--smoke", *sets]) == 0
    filled = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (filled["records"], filled["copy_records"]) == (120, 40)  # --set's sizes over --smoke's
    assert len(list(cache.iterdir())) == 2
    assert lease.main(["train", str(out), "--budget", "600", "--records-cache", str(cache), "--smoke", *sets,
                       "--set", "max_steps=3"]) == 0
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert summary["records_loaded_from_cache"] is True
    assert summary["settings"]["lookup_samples"] == 200 and summary["settings"]["lookup_share"] == 0.25
    assert summary["settings"]["time_budget_s"] == 600 and summary["settings"]["max_steps"] == 3
    # with max_steps the budget only stops it: the rate is the steps' alone (reproducible by seed)
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (printed["global_step"], printed["planned_steps"], printed["schedule_followed_the_clock"]) == (3, 3, False)
    assert (out / "model.safetensors").is_file() and (out / "xtvqa_prompt.json").is_file()


def test_a_budget_must_be_positive(lease, tmp_path):
    with pytest.raises(SystemExit):
        lease.main(["train", str(tmp_path / "m"), "--budget", "0"])
