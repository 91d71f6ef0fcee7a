"""The files of apps/train/configs, read by the tools that read them, without launching anything.

- example.yaml: an `apps/train --config` file; its settings load and MVCLMIConfig accepts them.
- ddp.yaml, fsdp.yaml, zero2.yaml, zero3.yaml (+ zero3.json): accelerate launch's own handling of
  `--config_file` turns each into the environment its processes start with; from that
  environment we build what the Trainer builds: FSDP's plugin, whose wrap policy must find the
  named layer classes in a Qwen2-VL, and DeepSpeed's config with the Trainer's values filled in
  (example.yaml's, on a bf16 GPU), which must pass DeepSpeed's own validation.

The launches themselves (two CPU processes against one, per config) are the integration tests in
tests/test_train_configs.py: they run apps/train. FSDP cannot run on CPU processes under
accelerate (see there), so this file is what checks fsdp.yaml on a machine without GPUs.

Run: uv run nox -s train -- -k configs   (the session installs the `deepspeed` extra)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parents[3] / "apps" / "train" / "configs"


def _example_settings():
    """example.yaml read as `uv run apps/train --config` reads it: (settings, trainer settings)."""
    from xtvqa_train.settings import parse_train_args

    parsed = parse_train_args(["--config", str(CONFIGS / "example.yaml")])
    return parsed.settings, parsed.trainer


def test_the_example_config_file_loads_and_the_trainer_accepts_it(tmp_path):
    from xtvqa_train.config import MVCLMIConfig

    settings, trainer = _example_settings()
    assert (settings.model, settings.lora, settings.lora_r, settings.lora_alpha) == ("hf:Qwen/Qwen2-VL-2B-Instruct", True, 64, 64)
    args = MVCLMIConfig(output_dir=str(tmp_path), report_to="none", use_cpu=True, **trainer)
    # Table 5, as the file says
    assert (args.learning_rate, args.weight_decay, args.adam_beta2, args.gradient_accumulation_steps) == (1e-6, 0.1, 0.95, 4)
    assert (args.alpha, args.beta, args.kl, args.max_length, args.gradient_checkpointing) == (1.0, 1.0, "reverse", 2048, True)


def _launch_environment(config: str) -> dict[str, str]:
    """What `accelerate launch --config_file <config>.yaml` exports to the processes it starts
    (accelerate's own argument validation and environment preparation, as `launch` calls them)."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args = launch_command_parser().parse_args(["--config_file", str(CONFIGS / f"{config}.yaml"), "train.py"])
    args, defaults, _ = _validate_launch_command(args)
    if args.use_deepspeed:  # as launch_command does before calling the DeepSpeed launcher
        args.deepspeed_fields_from_accelerate_config = ",".join(defaults.deepspeed_config)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    return {k: v for k, v in env.items() if k.startswith(("ACCELERATE_", "FSDP_"))}


def test_ddp_config_launches_distributed_data_parallel_in_bf16():
    env = _launch_environment("ddp")
    assert env["ACCELERATE_MIXED_PRECISION"] == "bf16"
    assert not any(k.startswith("FSDP_") or "DEEPSPEED" in k for k in env)


def test_fsdp_config_wraps_the_qwen2_vl_layers_it_names(monkeypatch, qwen):
    from accelerate.utils import FullyShardedDataParallelPlugin
    from torch.distributed.fsdp import ShardingStrategy, StateDictType

    env = _launch_environment("fsdp")
    assert env["ACCELERATE_USE_FSDP"] == "true" and env["FSDP_SYNC_MODULE_STATES"] == "true"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # sync_module_states (which cpu_ram_efficient_loading needs) makes the plugin ask for the
    # current accelerator device, and raise where there is none: here only, they are off.
    monkeypatch.setenv("FSDP_SYNC_MODULE_STATES", "false")
    monkeypatch.setenv("FSDP_CPU_RAM_EFFICIENT_LOADING", "false")
    plugin = FullyShardedDataParallelPlugin()
    assert plugin.fsdp_version == 1 and plugin.sharding_strategy == ShardingStrategy.FULL_SHARD
    assert plugin.use_orig_params and plugin.state_dict_type == StateDictType.FULL_STATE_DICT
    model, _ = qwen
    plugin.set_auto_wrap_policy(model)  # raises if a named class is not in the model
    names = set(plugin.transformer_cls_names_to_wrap)
    assert names == {"Qwen2VLDecoderLayer", "Qwen2VLVisionBlock"}
    wrapped = {type(m).__name__ for m in model.modules() if plugin.auto_wrap_policy(module=m, recurse=False, nonwrapped_numel=0)}
    assert wrapped == names


@pytest.mark.parametrize("config", ["zero2", "zero3"])
def test_deepspeed_config_with_the_trainers_values_passes_deepspeeds_validation(config, monkeypatch, tmp_path, qwen):
    if importlib.util.find_spec("deepspeed") is None:
        pytest.skip("deepspeed is not installed: xtvqa-train's `deepspeed` extra (`uv run nox -s train` installs it)")
    from deepspeed.runtime.config import DeepSpeedConfig
    from transformers.integrations.deepspeed import (
        HfTrainerDeepSpeedConfig,
        unset_hf_deepspeed_config,
    )
    from xtvqa_train.config import MVCLMIConfig

    env = _launch_environment(config)
    assert env["ACCELERATE_USE_DEEPSPEED"] == "true"
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(CONFIGS.parents[2])  # zero3.yaml names zero3.json relative to the launch directory
    model, _ = qwen  # loaded before a ZeRO-3 config is registered (transformers would partition it)
    # example.yaml's settings (gradient accumulation 4) on a GPU with bf16, where the configs are used
    args = MVCLMIConfig(output_dir=str(tmp_path), report_to="none", use_cpu=True,
                        **{**_example_settings()[1], "bf16": True})
    try:
        ds = HfTrainerDeepSpeedConfig(args.deepspeed_plugin.deepspeed_config)  # as the Trainer does
        ds.trainer_config_process(args)
        ds.trainer_config_finalize(args, model, num_training_steps=100)  # raises on a mismatch with args
        checked = DeepSpeedConfig(ds.config)
    finally:
        unset_hf_deepspeed_config()
    assert checked.zero_optimization_stage == {"zero2": 2, "zero3": 3}[config]
    assert checked.gradient_accumulation_steps == 4 and checked.train_micro_batch_size_per_gpu == 2
    assert checked.bfloat16_config.enabled and checked.gradient_clipping == args.max_grad_norm
    if config == "zero3":
        assert checked.zero_config.gather_16bit_weights_on_model_save  # <out>/model loadable with from_pretrained


def test_benchmark_models_load_whole_while_a_zero3_config_is_registered(tiny_qwen):
    # Under zero3.yaml the training arguments register a ZeRO-3 config with transformers, which
    # then partitions every model from_pretrained loads: the benchmark's would hold empty shards.
    from transformers import AutoModelForImageTextToText
    from transformers.integrations.deepspeed import (
        HfDeepSpeedConfig,
        is_deepspeed_zero3_enabled,
        unset_hf_deepspeed_config,
    )
    from xtvqa_train.run import whole_models

    registered = HfDeepSpeedConfig({"zero_optimization": {"stage": 3}, "train_micro_batch_size_per_gpu": 1})
    try:
        assert is_deepspeed_zero3_enabled()
        with whole_models():
            assert not is_deepspeed_zero3_enabled()
            model = AutoModelForImageTextToText.from_pretrained(tiny_qwen)
        assert is_deepspeed_zero3_enabled()  # training goes on partitioned
    finally:
        unset_hf_deepspeed_config()
    assert registered.is_zero3() and all(p.numel() > 0 for p in model.parameters())
