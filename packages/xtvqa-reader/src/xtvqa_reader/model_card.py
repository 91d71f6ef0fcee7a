"""The bundled model's card (README.md), written by recipe tiny-base from what the run measured.

A model card must say what the model is and is not before anyone reads a number from it: this
one reads the OCR tokens given in its prompt, never the pixels, and knows only synthetic data.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from xtvqa_reader.recipes import TINY_BASE_CUDA, TinyBase, mixed_in

# Where the recipe's settings are defined, as the card names them; a recipe_summary.json without
# "settings_module" was written when they were `xtvqa_train.recipes` (the bundled model's).
SETTINGS_MODULE = "xtvqa_reader.recipes"
EARLIER_SETTINGS_MODULE = "xtvqa_train.recipes"

CARD = """---
license: apache-2.0
language: [en, zh, fr, de, es, ja, ko, ru]
tags: [xtvqa, qwen2-vl, tiny, synthetic, ocr-tokens]
---

# {name}: the XT-VQA toolkit's bundled default model

A {params:,}-parameter Qwen2-VL-architecture model (ViT with 2x2 patch merging, M-RoPE decoder,
hidden size {hidden}, {layers} decoder layers, byte-level BPE of {vocab} tokens), trained from
scratch on this toolkit's synthetic generator by `uv run apps/train --recipe tiny-base`, meant to
let `uv run apps/bench`, `apps/analysis` and `apps/train` show the paper's findings in miniature
on a laptop CPU, offline. Whether this build does is measured, not assumed: see RESULTS.md.

## What it is and is not

- **It reads the OCR tokens in its prompt, not the pixels.** Its image is 28x28 px (one visual
  token); it cannot read text from it. `xtvqa_prompt.json` asks the `hf:` backend to put the
  image's OCR tokens in the prompt (a header such as "OCR tokens:" in the question's language,
  then one OCR string per line), as the paper's starred models in Table 1. The benchmark passes the dataset's own OCR tokens when a
  record has them (the generator's records list every string drawn), else rapidocr's lines,
  whole (`"ocr_granularity": "line"`: "Ice cream" one string, as in training). Why: a
  ViT this size does not learn to read pixels in a CPU budget (a probe of it read 0 % of random
  words exactly after 400k samples).
- **Synthetic data only.** Trained on {samples:,} samples (echo, {lookup_phase}then question-answer) from
  `xtvqa_data.synth` (train split, seed {seed}; data/sample is the test split, seed 0): charts,
  documents, signs and book covers with text in en/zh/fr, questions in 8 languages. It knows
  nothing else; on real images it answers nonsense.
- **English-dominant on purpose.** The question is in the image's language with probability
  {source}, else another language with English weighted {english}x the rest, as real LVLMs'
  training is skewed, to give it a cross-lingual gap; how large a gap it has is measured,
  with intervals, in RESULTS.md.
- Not a benchmark result: it exists to make the toolkit's pipeline meaningful out of the box.

## How it was made

    {command}      # this model, on {device}
    uv run apps/train --recipe tiny-mvcl      # MVCL-MI fine-tuning of it -> runs/train/tiny-mvcl-<time>/

Settings: `{settings_module}.{profile}` (all of them in `recipe_summary.json`). Answer-only
cross-entropy, AdamW lr {lr}, cosine schedule{schedule}, batch {batch}, {steps} steps, float32. A curriculum: first {echo:,} echo samples ("Repeat the lines from
“X” on.", answered by the OCR lines from X on: every answer token a copy from the prompt),{lookups} then
{copy_samples:,} samples asking only the kinds answered by copying one string
(`recipes.COPY_KINDS`: a value, a time, a name next to the question's entity), then every
kind{mixed}. Choices that made it learnable, each measured while building it: one OCR string per line,
so that a name is the same tokens in the OCR lines, in the question and in the answer (answering
becomes copying token ids); numbers up to 2100 as single tokens; the echo phase first (the one
change that moved the lookup probe, experiments/reader_lookup.py). Measured on {device}:
{generation} {gen_s} s, training {train_s} s, total {wall_s} s ({wall_min:.1f} min).{stopped}

Held-out exact match under teacher forcing ({held_out} generated records of seed {seed_plus}; greedy
decoding gives these answers verbatim), by training step:

{curve}

Benchmark and analysis numbers on data/sample: RESULTS.md.
"""


def _profile(settings: dict) -> str:
    """Which of the recipe's profiles `settings` are (the time budget and max_steps aside)."""
    # a field added to TinyBase after a run was recorded is read as its default (every such
    # field's default is the behaviour before it existed: `lookup_samples` 0, no lookup phase)
    how_long = {"time_budget_s": None, "max_steps": None}  # how long it ran is not the profile
    before = {**asdict(TinyBase()), **settings, **how_long}

    def same(profile) -> bool:
        return {**asdict(profile), **how_long} == before

    return "TINY_BASE_CUDA" if same(TINY_BASE_CUDA) else "TinyBase()" if same(TinyBase()) else "TinyBase"


def write_card(out: Path, summary: dict, name: str) -> Path:
    """README.md in `out` from a tiny-base `recipe_summary.json` mapping."""
    s = summary["settings"]
    # summaries before 2026-11-27 lack the field: a budget then always shaped the schedule
    clock = summary.get("schedule_followed_the_clock", bool(s.get("time_budget_s")))
    rows = [h["held_out"] for h in summary["log_history"] if "held_out" in h]
    curve = "| step | seconds | source-language | cross-lingual |\n|---:|---:|---:|---:|\n" + "\n".join(
        f"| {r['step']} | {r['elapsed_s']} | {r['source']:.3f} | {r['cross']:.3f} |" for r in rows)
    text = CARD.format(
        name=name, params=summary["parameters"], hidden=s["hidden_size"], layers=s["num_layers"],
        vocab=summary["vocab_size"], samples=summary["train_samples"], seed=s["seed"], seed_plus=s["seed"] + 1,
        source=s["source_share"], english=s["english_weight"], lr=s["learning_rate"], batch=s["batch_size"],
        steps=summary["global_step"], copy_samples=s["copy_records"] * s["copy_epochs"],
        echo=s.get("echo_samples", 0), gen_s=summary["generate_s"],
        lookup_phase="lookups, " if s.get("lookup_samples") else "",
        lookups=(f" then {s['lookup_samples']:,} lookups (\"Which line comes after “X”?\", or before: the "
                 "line beside a named one, `tiny_base.lookup_records`)," if s.get("lookup_samples") else ""),
        mixed=(f" with {mixed_in(s['records'], s['lookup_share']):,} lookups mixed in ({s['lookup_share']:.0%} of "
               "its samples, every epoch)" if s.get("lookup_share") else ""),
        train_s=summary["train_runtime_s"], wall_s=summary["wall_time_s"], wall_min=summary["wall_time_s"] / 60,
        curve=curve or "(none logged)", held_out=s["held_out_records"],
        device=summary.get("device", "this repository's 2-core CPU machine"),
        generation="loading the cached records" if summary.get("records_loaded_from_cache") else "generation",
        command="uv run apps/train --recipe tiny-base" + (
            f" --time-budget {s['time_budget_s']:.0f}" if s.get("time_budget_s") else "") + (
            f" --max-steps {s['max_steps']}" if s.get("max_steps") not in (None, -1) else ""),  # None: before -1
        profile=_profile(s), settings_module=summary.get("settings_module", EARLIER_SETTINGS_MODULE),
        schedule=" (ending at the time budget: `tiny_base.budget_cosine`)" if clock else "",
        stopped=(f" Training was stopped by its time budget ({s['time_budget_s']:.0f} s from the recipe's start) "
                 f"at step {summary['global_step']} of {summary['planned_steps']}."
                 if summary.get("stopped_by_time_budget") else "") + (
            " Its learning rate followed the clock (a time budget ahead of the steps), so this command "
            "gives another model on a machine of another speed; "
            f"`--max-steps {summary['global_step']}` alone runs that many steps on a cosine over them, "
            "which the settings and seed fix (not this model's schedule either)."
            if clock else ""),
    )
    path = out / "README.md"
    path.write_text(text, encoding="utf-8")
    return path
