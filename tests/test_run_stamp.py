"""A default run folder is one folder for every process of a launch (`distributed.run_stamp`).

Run: uv run nox -s integration -- -k run_stamp
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO, free_port

SCRIPT = """
import os, time
if os.environ["RANK"] == "1":
    time.sleep(1.5)  # this rank's clock names a later second than rank 0's
from xtvqa_models.distributed import run_stamp, shutdown
print("stamp", os.environ["RANK"], run_stamp(), flush=True)
shutdown()
"""


@pytest.mark.slow
def test_every_process_of_a_launch_gets_rank_0_s_stamp(tmp_path):
    script = tmp_path / "stamp.py"
    script.write_text(SCRIPT)
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(free_port()), str(script)]
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    stamps = dict(line.split()[1:] for line in done.stdout.splitlines() if line.startswith("stamp "))
    assert set(stamps) == {"0", "1"} and stamps["0"] == stamps["1"], stamps
