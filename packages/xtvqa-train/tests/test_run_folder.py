"""`run.train` refuses a run folder that holds an earlier run, before any work (its bench-before
would be taken for the new run's and its bench-after refused after the whole training).

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
