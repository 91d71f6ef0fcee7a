"""The shipped accelerate configs (apps/train/configs) launched as the README shows, on two CPU
processes, each against one process on the same global batch.

    accelerate launch --config_file apps/train/configs/<config>.yaml --num_processes 2 \\
        --mixed_precision no apps/train --model ... --data ... --batch-size 2 ...

Only what the CPU forces is overridden, by accelerate launch's own flags: two processes instead
of eight GPUs, and float32 (the configs' bf16 becomes CPU bf16 autocast, which the one-process
float32 reference would not share). No CUDA is visible: DDP runs over gloo, DeepSpeed on its CPU
accelerator (gloo; its first run compiles DeepSpeed's shared-memory op, about 40 s on 2 cores,
cached in ~/.cache/torch_extensions).

Each run trains MVCL-MI for 3 steps on the tiny Qwen2-VL, LoRA and full fine-tuning, on 12
records whose answers have the same token count in every view: the loss is a mean per process
(xtvqa_train.loss), which equals the mean over the global batch only when the processes' shards
hold equally many answer tokens. It logs every step; its loss parts must equal the one-process
run with --batch-size 4 (2 processes x 2), and its saved model must reload, hold the same
weights and give the same benchmark predictions (2 records of data/sample, en and zh). The ZeRO-3
full fine-tuning run keeps the app's own before/after benchmark under the launch (transformers
partitions every model it loads while a ZeRO-3 config is registered, which the benchmark must
undo); the others run with --no-evaluate and are benchmarked here, at a fraction of the app's cost.

LoRA runs with --lora-dropout 0: the adapters' dropout draws its masks per process, so with the
default 0.05 the runs differ after the first update (about 0.3 % at most, measured) and only a
dropout-free run can equal one process.

Run: uv run nox -s integration -- -k train_configs   (DeepSpeed: the `deepspeed` extra, which
that session installs)
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, free_port

CONFIGS = REPO / "apps" / "train" / "configs"
LAUNCHED = ("ddp", "fsdp", "zero2", "zero3")  # accelerate configs: apps/train/configs/<name>.yaml
BENCH_RECORDS, BENCH_LANGS = range(2), ("en", "zh")  # data/sample's first records: the app's default --eval-data
PARTS = ("total", "ce_ss", "ce_ts", "ce_st", "ce_tt", "kl_st_tt", "kl_ts_ss")
STEPS, PER_PROCESS, PROCESSES = 3, 2, 2
DISTRIBUTED_TYPE = {"ddp": "MULTI_CPU", "zero2": "DEEPSPEED", "zero3": "DEEPSPEED"}
FSDP_ON_CPU = (
    "fsdp.yaml cannot shard CPU processes under accelerate (1.15): AcceleratorState selects FSDP only "
    "for accelerator devices (with CPU processes it wraps the model in DDP instead), and the file's "
    "fsdp_sync_module_states makes FullyShardedDataParallelPlugin ask for a device (it raises on CPU); "
    "torch itself shards on CPU with gloo, accelerate does not. Its settings are checked in "
    "packages/xtvqa-train/tests/test_configs.py"
)


def test_every_file_in_the_configs_folder_is_exercised():
    # zero3.json is zero3.yaml's DeepSpeed file; example.yaml is an `apps/train --config` file
    # (loaded and validated in packages/xtvqa-train/tests/test_configs.py)
    assert {p.name for p in CONFIGS.iterdir()} == {f"{n}.yaml" for n in LAUNCHED} | {"zero3.json", "example.yaml"}


def _answers_of_one_length(folder: Path) -> Path:
    """12 records, English images, Chinese as the second language; every answer 4 digits
    (+ one token in zh), so each process's shard has as many answer tokens per view as the
    other's."""
    from PIL import Image, ImageDraw
    from xtvqa_data import Record, save

    records = []
    for i in range(12):
        image = Image.new("RGB", (56, 56), "white")
        ImageDraw.Draw(image).text((4, 18), str(1990 + i), fill="black")
        records.append(Record(id=f"rec-{i:03d}", source="synth-test", image=image, image_lang="en", split="train",
                              question={"en": "What is the year?", "zh": "年份是多少？"},
                              answers={"en": [str(1990 + i)], "zh": [f"{1990 + i}年"]}))
    save(records, folder)
    return folder


class Runs:
    """The training runs, each made once per module: one process per mode (LoRA, full), and
    each (config, mode) launched on two processes."""

    def __init__(self, root: Path, model: str):
        self.root, self.model = root, model
        self.data = _answers_of_one_length(root / "data")
        self.settings = root / "run.yaml"
        self.settings.write_text("logging_steps: 1\nlearning_rate: 1.0e-3\nwarmup_steps: 0\n"
                                 "gradient_checkpointing: false\n")
        self._done: dict[tuple[str, bool], Path] = {}

    def args(self, lora: bool, batch_size: int, out: Path, *, evaluate: bool = False) -> list[str]:
        return ["--model", self.model, "--data", str(self.data), "--data-split", "train",
                "--config", str(self.settings), *(["--lora", "--lora-dropout", "0"] if lora else []),
                *(["--eval-records", str(len(BENCH_RECORDS)), "--eval-langs", ",".join(BENCH_LANGS)] if evaluate
                  else ["--no-evaluate"]),
                "--batch-size", str(batch_size), "--max-steps", str(STEPS), "--out", str(out)]

    def single(self, lora: bool) -> Path:
        """One process, the global batch (apps/train in this process)."""
        key = ("single", lora)
        if key not in self._done:
            spec = importlib.util.spec_from_file_location("train_app_configs", REPO / "apps" / "train" / "__main__.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            out = self.root / f"single-{'lora' if lora else 'full'}"
            module.main(self.args(lora, PER_PROCESS * PROCESSES, out))  # an error: SystemExit, the test fails
            self._done[key] = out
        return self._done[key]

    def launched(self, config: str, lora: bool) -> Path:
        key = (config, lora)
        if key not in self._done:
            out = self.root / f"{config}-{'lora' if lora else 'full'}"
            if out.exists():  # a test that needed it already launched it, and the launch failed
                pytest.fail(f"the {out.name} launch failed (see the first test that used it)")
            command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(CONFIGS / f"{config}.yaml"),
                       "--num_processes", str(PROCESSES), "--mixed_precision", "no",
                       "--main_process_port", str(free_port()),
                       str(REPO / "apps" / "train"), *self.args(lora, PER_PROCESS, out, evaluate=(config, lora) == ("zero3", False))]
            env = {**os.environ, "XTVQA_HOME": str(REPO), "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
            done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
            self._done[key] = out
        return self._done[key]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, tiny_model) -> Runs:
    return Runs(tmp_path_factory.mktemp("train-configs"), tiny_model)


def _logged_parts(out: Path) -> list[dict[str, float]]:
    summary = json.loads((out / "train_summary.json").read_text())
    return [{name: log[name] for name in PARTS} for log in summary["log_history"] if "total" in log]


def _predictions(folder: Path) -> list[tuple[str, str]]:
    rows = (folder / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
    return sorted((row["key"], row["prediction"]) for row in map(json.loads, filter(None, rows)))


def _bench(run: Path) -> list[tuple[str, str]]:
    """The benchmark of the run's saved model (reloaded through hf:), once per run folder."""
    from xtvqa_data import load
    from xtvqa_models import load_model
    from xtvqa_models.evaluate import BenchSettings, run_benchmark

    out = run / "bench-here"
    if not (out / "results.json").is_file():
        model = load_model(f"hf:{run / 'model'}")
        try:
            results = run_benchmark(model, load(REPO / "data" / "sample").select(BENCH_RECORDS), out,
                                    BenchSettings(langs=BENCH_LANGS))
        finally:
            model.close()
        assert results["n_items"] == len(BENCH_RECORDS) * len(BENCH_LANGS)
    return _predictions(out)


def _weights(folder: Path) -> dict:
    from transformers import AutoModelForImageTextToText

    return AutoModelForImageTextToText.from_pretrained(folder).state_dict()


def _max_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


@pytest.mark.slow
@pytest.mark.parametrize("lora", [True, False], ids=["lora", "full"])
@pytest.mark.parametrize("config", LAUNCHED)
def test_config_trains_two_cpu_processes_as_one_process_does(runs, config, lora):
    if config == "fsdp":
        pytest.skip(FSDP_ON_CPU)
    if config.startswith("zero") and not shutil.which(os.environ.get("CXX", "c++")):
        # DeepSpeed compiles its CPU communication op at the first launch (torch's C++ extension build)
        if os.environ.get("CI", "").lower() in ("1", "true"):
            pytest.fail("CI=true but no C++ compiler on the PATH: .ci/run installs g++")
        pytest.skip("no C++ compiler (c++ or $CXX) on the PATH: DeepSpeed compiles its CPU op on first use")
    if config.startswith("zero") and importlib.util.find_spec("deepspeed") is None:
        pytest.skip("deepspeed is not installed: xtvqa-train's `deepspeed` extra (`uv sync --all-packages "
                    "--extra deepspeed`; `uv run nox -s integration` installs it)")
    out, reference = runs.launched(config, lora), runs.single(lora)
    summary = json.loads((out / "train_summary.json").read_text())
    assert summary["world_size"] == PROCESSES and summary["global_step"] == STEPS
    assert summary["distributed_type"] == DISTRIBUTED_TYPE[config]  # no silent fall-back to another backend
    assert summary.get("zero_stage") == {"zero2": 2, "zero3": 3}.get(config)
    assert summary["records_per_process"] == [STEPS * PER_PROCESS] * PROCESSES  # each rank its own shard

    parts, expected = _logged_parts(out), _logged_parts(reference)
    assert len(parts) == len(expected) == STEPS
    assert all(step == pytest.approx(one, rel=1e-5, abs=1e-5) for step, one in zip(parts, expected, strict=True))
    assert _max_difference(_weights(out / "model"), _weights(reference / "model")) < 1e-5
    assert _bench(out) == _bench(reference)
    if lora:
        assert (out / "adapter" / "adapter_model.safetensors").is_file()
    predictions = _bench(out)
    assert len(predictions) == len(BENCH_RECORDS) * len(BENCH_LANGS)
    if (config, lora) == ("zero3", False):  # the app's own benchmark under the launch, before and after
        assert (out / "bench-before" / "results.json").is_file()
        assert _predictions(out / "bench-after") == predictions
