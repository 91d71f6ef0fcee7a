"""`run.train` refuses, before any work, a run folder that holds an earlier run (its bench-before
would be taken for the new run's and its bench-after refused after the whole training), a --data
split the folder lacks, and a benchmark on the records trained on.

Run: uv run pytest packages/xtvqa-train/tests/test_run_folder.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_train import run
from xtvqa_train.settings import TrainSettings


class Reached(Exception):
    """Raised by the stubbed model resolution: train() got past the folder check."""


def test_an_earlier_runs_folder_is_refused_unless_resuming(tmp_path, monkeypatch):
    def stop(spec):
        raise Reached(spec)

    monkeypatch.setattr(run, "resolve_model", stop)
    out = tmp_path / "run"
    with pytest.raises(Reached):  # a new folder: on to the work
        run.train(TrainSettings(model="hf:x", out=str(out)))
    out.mkdir()
    with pytest.raises(Reached):  # an empty one too
        run.train(TrainSettings(model="hf:x", out=str(out)))
    (out / "bench-before").mkdir()
    with pytest.raises(FileExistsError, match="resume-from-checkpoint"):
        run.train(TrainSettings(model="hf:x", out=str(out)))
    with pytest.raises(Reached):  # continuing it is what --resume-from-checkpoint is for
        run.train(TrainSettings(model="hf:x", out=str(out), resume_from_checkpoint=str(out / "checkpoints" / "checkpoint-5")))


def _folder(root, *splits):
    """A dataset folder with one (empty) shard per split: the split check reads the names alone."""
    (root / "data").mkdir(parents=True)
    for split in splits:
        (root / "data" / f"{split}-00000-of-00001.parquet").write_bytes(b"")
    return root


def test_a_missing_split_names_the_folder_s_splits_and_the_option(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "resolve_model", lambda spec: (_ for _ in ()).throw(Reached(spec)))
    only_test = _folder(tmp_path / "sample", "test")
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=r"has no split 'train' \(it has: test\); pass --data-split test$"):
        run.train(TrainSettings(model="hf:x", data=str(only_test), eval_data=str(tmp_path / "other"), out=str(out)))
    two = _folder(tmp_path / "two", "validation", "test")
    with pytest.raises(ValueError, match=r"\(it has: test, validation\); pass --data-split with one of them"):
        run.train(TrainSettings(model="hf:x", data=str(two), evaluate=False, out=str(out)))
    assert not out.exists()
    with pytest.raises(Reached):  # the split named: on to the work
        run.train(TrainSettings(model="hf:x", data=str(two), data_split="validation", evaluate=False, out=str(out)))


def test_training_on_the_benchmark_s_own_records_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "resolve_model", lambda spec: (_ for _ in ()).throw(Reached(spec)))
    sample = _folder(tmp_path / "sample", "test")
    settings = TrainSettings(model="hf:x", data=str(sample), data_split="test", eval_data=str(sample),
                             out=str(tmp_path / "run"))
    with pytest.raises(ValueError, match=r"would score the records trained on; pass --eval-data .* or --no-evaluate"):
        run.train(settings)
    monkeypatch.setattr(run, "sample_dir", lambda: sample)  # the default --eval-data
    with pytest.raises(ValueError, match=r"\(the default --eval-data\)"):
        run.train(TrainSettings(model="hf:x", data=str(sample), data_split="test", out=str(tmp_path / "run")))
    with pytest.raises(Reached):
        run.train(TrainSettings(model="hf:x", data=str(sample), data_split="test", evaluate=False,
                                out=str(tmp_path / "run")))
    assert not (tmp_path / "run").exists()
