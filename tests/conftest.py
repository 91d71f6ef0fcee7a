"""Fixtures for the end-to-end tests of the apps: a tiny model and a small synthetic dataset,
both built locally (no hub), once per test session."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    from xtvqa_models import build_tiny_model

    return f"hf:{build_tiny_model('qwen2-vl', tmp_path_factory.mktemp('models') / 'tiny-qwen2-vl', seed=0)}"


@pytest.fixture(scope="session")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 generated records (every scenario, en/zh/fr images, questions in 8 languages)."""
    from xtvqa_data import save
    from xtvqa_data.synth import generate

    out = tmp_path_factory.mktemp("data") / "small"
    save(list(generate(12, seed=7)), out)
    return out


def run_app(app: str, *args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `python apps/<app> ARGS` as a user would (`uv run apps/<app>` is the same command)."""
    full_env = {**os.environ, "XTVQA_HOME": str(REPO), "COLUMNS": "200", **(env or {})}
    done = subprocess.run([sys.executable, str(REPO / "apps" / app), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=REPO)
    if check and done.returncode != 0:
        raise AssertionError(f"apps/{app} {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def free_port() -> int:
    """A TCP port free now, for torch.distributed's rendezvous (tests may run side by side)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_app(app: str, *args: str, processes: int = 2) -> subprocess.Popen[str]:
    """Start `accelerate launch apps/<app> ARGS` on `processes` CPU processes (gloo). --multi_gpu
    selects accelerate's torchrun launcher; with no CUDA visible the processes run on the CPU
    (`--cpu` alone would start one process)."""
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", str(processes),
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(free_port()), str(REPO / "apps" / app), *args]
    env = {**os.environ, "XTVQA_HOME": str(REPO), "COLUMNS": "200", "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(launched: subprocess.Popen[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    stdout, stderr = launched.communicate(timeout=timeout)
    return subprocess.CompletedProcess(launched.args, launched.returncode, stdout, stderr)


def _rank_pid(launcher: int, rank: int) -> int | None:
    """The process of `rank` among the launcher's descendants (its RANK environment variable)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, launcher):
            ancestor = parents.get(ancestor)
        if ancestor != launcher:
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"RANK={rank}".encode() in environ:
            return pid
    return None


def kill_rank_midway(launched: subprocess.Popen[str], rank: int, shard_file: Path, *, after: int = 2,
                     timeout: float = 240) -> int:
    """SIGKILL the process of `rank` once its shard file holds `after` lines; wait for the
    launcher (which stops the other ranks and fails); return the lines the killed rank wrote."""
    deadline, pid = time.time() + timeout, None
    while time.time() < deadline and launched.poll() is None:
        pid = pid or _rank_pid(launched.pid, rank)
        if pid and shard_file.exists() and len(shard_file.read_bytes().splitlines()) >= after:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    else:
        launched.kill()
        raise AssertionError(f"rank {rank} never wrote {after} lines to {shard_file}: {finish(launched).stderr[-3000:]}")
    done = finish(launched)
    assert done.returncode != 0, "the launcher should fail when one of its ranks is killed"
    return len(shard_file.read_bytes().splitlines())
