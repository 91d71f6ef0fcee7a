"""`train(settings, trainer=...) -> Path`: one MVCL-MI run, from a spec string to a run folder.

    <out>/bench-before/        the benchmark of the model as given (`xtvqa_models.evaluate`)
    <out>/checkpoints/         Trainer checkpoints (resume with resume_from_checkpoint)
    <out>/model/               the fine-tuned model + processor (LoRA merged in), loadable as hf:<out>/model
    <out>/adapter/             the LoRA adapter alone (with --lora)
    <out>/bench-after/         the benchmark of <out>/model
    <out>/gap.md               the before/after gap table (scores, then the drops' paired comparison)
    <out>/gap.png              the headline: each cross-lingual drop before and after, paired intervals
    <out>/train_summary.json   settings, trainer arguments, log history, before/after numbers

Under `accelerate launch` every process runs this function; the Trainer shards the batches, the
benchmark shards the items, and only the main process writes the summary and the merged model.
Under DeepSpeed ZeRO-3 (apps/train/configs/zero3.yaml) transformers builds every model that
`from_pretrained` loads already partitioned over the processes (`zero.Init`) for as long as
training arguments with a ZeRO-3 config exist: the benchmark's models and the LoRA merge load
whole models inside `whole_models()`. With the parameters sharded (ZeRO-3, FSDP) the LoRA
adapter is merged into a freshly loaded base instead of the sharded one in memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

from xtvqa_train.settings import TrainSettings

Progress = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]



def _no_progress(_label: str) -> AbstractContextManager[Callable[[int, int], None]]:
    return nullcontext(lambda _done, _total: None)


def resolve_model(spec: str) -> str:
    """The hub id or local folder behind an `hf:` spec; other providers cannot be fine-tuned."""
    from xtvqa_models.registry import parse_spec, resolve_model_name

    provider, name = parse_spec(spec)
    if provider != "hf":
        raise ValueError(f"MVCL-MI fine-tunes local weights: use an hf: model spec, not {spec!r}")
    return resolve_model_name(provider, name)


def _generated(n: int, split: str, image_size: int, progress: Progress, *, resize_to: int | None = None) -> list:
    from xtvqa_data.synth import SynthConfig, generate

    records = []
    with progress(f"generating {split} records") as on_progress:
        for record in generate(n, seed=0, split=split, config=SynthConfig(image_size=image_size), resize_to=resize_to):
            records.append(record)
            on_progress(len(records), n)
    return records


def check_data(settings: TrainSettings) -> None:
    """Refuse, before torch is imported or a file written, a --data folder without the split
    --data-split names (saying which splits it has and the option that picks one), and a
    benchmark on the very records trained on (--data the same folder as the benchmark's)."""
    if settings.data is None:
        return
    from xtvqa_data.splits import split_files

    folder = Path(settings.data)
    if not folder.exists():
        return  # a hub id (or a typo, which `load` names)
    splits = list(split_files(folder))
    if splits and settings.data_split not in splits:
        hint = (f"pass --data-split {splits[0]}" if len(splits) == 1
                else "pass --data-split with one of them")
        raise ValueError(f"{settings.data} has no split {settings.data_split!r} (it has: {', '.join(splits)}); {hint}")
    source = settings.eval_data or sample_dir()
    if settings.evaluate and source is not None and Path(source).exists() and Path(source).resolve() == folder.resolve():
        which = "--eval-data" if settings.eval_data else "the default --eval-data"
        raise ValueError(f"--data {settings.data} is also the benchmark's records ({which}): the before/after "
                         f"benchmark would score the records trained on; pass --eval-data with other records, "
                         f"or --no-evaluate")


def training_records(settings: TrainSettings, progress: Progress = _no_progress):
    """The records to train on: --data's split, else a generated train split."""
    if settings.data is not None:
        from xtvqa_data import load

        try:
            return load(settings.data, split=settings.data_split)
        except ValueError as error:
            if "has no split" not in str(error):
                raise
            raise ValueError(f"{error}; pick one with --data-split") from None
    return _generated(settings.synth_records, "train", settings.synth_image_size, progress,
                      resize_to=settings.synth_resize_to)


def default_run_dir() -> Path:
    """`<repo>/runs/train/<timestamp>` (beside apps/bench's runs), else under the working directory;
    the same folder on every process of a launch."""
    from xtvqa_models.defaults import find_repo_root
    from xtvqa_models.distributed import run_stamp

    return (find_repo_root() or Path.cwd()) / "runs" / "train" / run_stamp()


def sample_dir() -> Path | None:
    """The repository's bundled `data/sample` (what `uv run apps/bench` evaluates), if present."""
    from xtvqa_models.defaults import find_repo_root

    root = find_repo_root()
    return root / "data" / "sample" if root is not None and (root / "data" / "sample").is_dir() else None


def eval_records(settings: TrainSettings, progress: Progress = _no_progress):
    """The first `eval_records` records of --eval-data, else of data/sample, else a generated test split."""
    source = settings.eval_data or sample_dir()
    if source is not None:
        from xtvqa_data import load

        records = load(source)
        return records.select(range(min(settings.eval_records, len(records))))
    return _generated(settings.eval_records, "test", settings.synth_image_size, progress,
                      resize_to=settings.synth_resize_to)


@contextmanager
def whole_models() -> Iterator[None]:
    """`from_pretrained` builds whole models inside, even while a DeepSpeed ZeRO-3 config is
    registered with transformers (by the training arguments), under which it partitions every
    model it loads (`zero.Init`)."""
    from transformers.integrations import deepspeed as hf_deepspeed

    if not hf_deepspeed.is_deepspeed_zero3_enabled():
        yield
        return
    # transformers keeps the config it consults in this module global (a weak reference, set by
    # set_hf_deepspeed_config); it has no public getter to restore it with.
    registered = hf_deepspeed._hf_deepspeed_config_weak_ref
    hf_deepspeed.unset_hf_deepspeed_config()
    try:
        yield
    finally:
        hf_deepspeed._hf_deepspeed_config_weak_ref = registered


def benchmark(model_path: str, records, out_dir: Path, settings: TrainSettings, progress: Progress, *,
              resume: bool = False) -> dict | None:
    """Greedy benchmark of `hf:<model_path>` (xtvqa_models.evaluate); results on the main process."""
    from xtvqa_data import check_lang
    from xtvqa_models import load_model
    from xtvqa_models.distributed import process_info
    from xtvqa_models.evaluate import BenchSettings, run_benchmark

    langs = tuple(check_lang(lang.strip(), field_name="eval_langs") for lang in settings.eval_langs.split(",") if lang.strip())
    resume = resume and (out_dir / "config.json").is_file()  # a resumed training run whose bench never began
    device = process_info().device
    with whole_models():
        model = load_model(f"hf:{model_path}", **({"device": device} if device else {}))
    try:
        with progress(f"benchmark {out_dir.name}") as on_progress:
            return run_benchmark(model, records, out_dir, BenchSettings(langs=langs), resume=resume,
                                 data_id=str(settings.eval_data or sample_dir() or "synth:test"),
                                 on_progress=on_progress)
    finally:
        model.close()


ATTENTION_PROJECTIONS = ("q_proj", "k_proj", "v_proj", "o_proj", "out_proj")


def language_model_attention(model) -> list[str]:
    """Names of the attention projections inside the model's language model, wherever the family
    keeps it (`get_decoder()`: `model.language_model` for most, `model.text_model` for Idefics3
    and SmolVLM); LFM2's convolution blocks, which have an `out_proj` too, are left out."""
    import torch

    decoder = model.get_decoder()
    prefix = next(name for name, module in model.named_modules() if module is decoder)
    return [f"{prefix}.{name}" for name, module in decoder.named_modules()
            if name.rsplit(".", 1)[-1] in ATTENTION_PROJECTIONS and ".conv" not in f".{name}"
            and isinstance(module, torch.nn.Linear)]


def lora_config(settings: TrainSettings, model):
    from peft import LoraConfig

    targets = settings.lora_target_modules
    if targets is None:
        targets = language_model_attention(model)
    elif "," in targets or targets.isidentifier():  # a list of module names, else a regex
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    return LoraConfig(r=settings.lora_r, lora_alpha=settings.lora_alpha, lora_dropout=settings.lora_dropout,
                      target_modules=targets, task_type="CAUSAL_LM")


def train(settings: TrainSettings, *, trainer: Mapping[str, Any] | None = None,
          progress: Progress = _no_progress) -> Path:
    """Run MVCL-MI fine-tuning as `settings` says, with `trainer`'s MVCLMIConfig fields (the rest:
    its defaults, Table 5's where the paper gives them); return the run folder (module docstring)."""
    trainer_settings = dict(trainer or {})
    check_data(settings)
    import torch
    from transformers import AutoModelForImageTextToText, AutoProcessor
    from xtvqa_models import default_model_spec
    from xtvqa_models.prompts import PromptConfig

    from xtvqa_train.config import MVCLMIConfig
    from xtvqa_train.trainer import MVCLMITrainer

    out = Path(settings.out) if settings.out else default_run_dir()
    resuming = settings.resume_from_checkpoint is not None
    if not resuming and out.is_dir() and any(out.iterdir()):
        # Its bench-before would be taken for this run's and its bench-after refused after the
        # whole training: refuse before any work.
        raise FileExistsError(f"{out} holds an earlier run's files: choose another --out, or continue that run "
                              f"with --resume-from-checkpoint {out / 'checkpoints'}/checkpoint-<step>")
    spec = settings.model or default_model_spec()
    model_path = resolve_model(spec)
    args = MVCLMIConfig(**{"output_dir": str(out / "checkpoints"), "report_to": "none", "logging_steps": 5,
                           "save_strategy": "steps", "save_steps": 200, "save_total_limit": 2,
                           # no CUDA: CPU processes (under a launcher, gloo DDP) and no pinned memory
                           "use_cpu": not torch.cuda.is_available(), "dataloader_pin_memory": torch.cuda.is_available(),
                           **trainer_settings})
    started = time.perf_counter()
    records = training_records(settings, progress)
    test = eval_records(settings, progress) if settings.evaluate else None
    before = None
    if test is not None:  # a resumed run keeps the benchmark of the model it started from
        done = out / "bench-before" / "results.json"
        before = json.loads(done.read_text()) if done.is_file() else benchmark(
            model_path, test, out / "bench-before", settings, progress, resume=resuming)

    # Full fine-tuning keeps float32 master weights (bf16 autocast when args.bf16); LoRA trains
    # adapters over a frozen base, which may then sit in bf16.
    dtype = torch.bfloat16 if settings.lora and args.bf16 else torch.float32
    model = AutoModelForImageTextToText.from_pretrained(model_path, dtype=dtype)
    processor = AutoProcessor.from_pretrained(model_path)
    # A model folder's own prompt (its xtvqa_prompt.json, e.g. OCR tokens for the bundled model):
    # training must build the prompts the benchmark will.
    prompt = PromptConfig.from_model_dir(model_path) if Path(model_path).is_dir() else None
    trainer = MVCLMITrainer(model, args, train_dataset=records, processing_class=processor, prompt=prompt,
                            peft_config=lora_config(settings, model) if settings.lora else None)
    result = trainer.train(resume_from_checkpoint=settings.resume_from_checkpoint)
    _save_model(trainer, processor, out, lora=settings.lora)
    if prompt is not None and trainer.accelerator.is_main_process:
        prompt.save(out / "model")  # the fine-tuned model keeps its base's prompt

    # Records each process trained on: the sampler's shards (a check that every rank took part).
    seen = trainer.accelerator.gather(torch.tensor([trainer.records_seen], device=trainer.accelerator.device))
    after = benchmark(str(out / "model"), test, out / "bench-after", settings, progress,
                      resume=resuming) if test is not None else None
    if trainer.accelerator.is_main_process:
        _write_summary(out, {**asdict(settings), "trainer": trainer_settings}, spec, args, trainer, result, before,
                       after, time.perf_counter() - started,
                       records_per_process=seen.tolist())
    return out


def _sharded(trainer) -> bool:
    """Whether each process holds only a shard of the parameters (ZeRO-3, FSDP)."""
    plugin = trainer.accelerator.state.deepspeed_plugin if trainer.is_deepspeed_enabled else None
    return trainer.is_fsdp_enabled or (plugin is not None and plugin.zero_stage == 3)


def _merged_from_saved_adapter(adapter_dir: Path, dtype):
    """The saved adapter merged into a whole base model loaded afresh: a sharded model's merge
    would merge into its shards (ZeRO-3 keeps empty placeholders outside its forward)."""
    from peft import PeftConfig, PeftModel
    from transformers import AutoModelForImageTextToText

    base_path = PeftConfig.from_pretrained(adapter_dir).base_model_name_or_path
    with whole_models():
        base = AutoModelForImageTextToText.from_pretrained(base_path, dtype=dtype)
        return PeftModel.from_pretrained(base, adapter_dir).merge_and_unload()


def _save_model(trainer, processor, out: Path, *, lora: bool) -> None:
    if lora:
        trainer.save_model(str(out / "adapter"))  # the adapter alone (gathered where sharded)
        if trainer.accelerator.is_main_process:
            model = trainer.accelerator.unwrap_model(trainer.model)
            if _sharded(trainer):
                frozen = next(p for p in model.parameters() if not p.requires_grad)
                merged = _merged_from_saved_adapter(out / "adapter", frozen.dtype)
            else:
                merged = model.merge_and_unload()
            merged.save_pretrained(out / "model")
    else:
        trainer.save_model(str(out / "model"))
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(out / "model")
    trainer.accelerator.wait_for_everyone()


def _losses(history: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    return (h for h in history if "total" in h)


def _write_summary(out, settings, spec, args, trainer, result, before, after, seconds, *,
                   records_per_process: list[int]) -> None:
    from xtvqa_data.report import compare_folders, plot_change

    from xtvqa_train.loss import LossParts
    from xtvqa_train.report import gap_markdown, gap_rows

    logs = list(_losses(trainer.state.log_history))
    summary = {
        "model": spec,
        "settings": settings,  # the run's, and the trainer settings given
        "trainer_args": {k: getattr(args, k) for k in ("alpha", "beta", "kl", "temperature", "cross_ce", "use_kl",
                                                        "learning_rate", "weight_decay", "adam_beta2", "warmup_steps",
                                                        "num_train_epochs", "max_steps", "max_length", "bf16", "seed",
                                                        "per_device_train_batch_size", "gradient_accumulation_steps")},
        "lr_scheduler_type": str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        "global_step": trainer.state.global_step,
        "world_size": trainer.accelerator.num_processes,
        # what accelerate ran (a launch config it cannot honour falls back silently: FSDP on CPU is DDP)
        "distributed_type": str(getattr(trainer.accelerator.distributed_type, "value", trainer.accelerator.distributed_type)),
        "zero_stage": trainer.accelerator.state.deepspeed_plugin.zero_stage if trainer.is_deepspeed_enabled else None,
        # this invocation's: after --resume-from-checkpoint, the records since the resume
        "records_per_process": records_per_process,
        "resumed_from_checkpoint": settings["resume_from_checkpoint"],
        "train_runtime_s": result.metrics.get("train_runtime"),
        "wall_time_s": round(seconds, 1),
        "first_log": {k: logs[0][k] for k in LossParts.names()} if logs else None,
        "last_log": {k: logs[-1][k] for k in LossParts.names()} if logs else None,
        "log_history": trainer.state.log_history,
        "model_dir": str(out / "model"),
        "before": None if before is None else {k: before[k] for k in ("overall", "overall_drops", "n_items")},
        "after": None if after is None else {k: after[k] for k in ("overall", "overall_drops", "n_items")},
    }
    change = compare_folders(out / "bench-before", out / "bench-after") if before and after else None
    summary["gap"] = gap_rows(before, after, change) if before and after else None
    summary["gap_change"] = change
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str) + "\n")
    if before and after:
        (out / "gap.md").write_text(gap_markdown(before, after, change), encoding="utf-8")
    if change is not None:
        plot_change(change, out / "gap.png", before="before training", after="after training",
                    title=f"MVCL-MI: cross-lingual drop before and after training ({summary['global_step']} steps)")
