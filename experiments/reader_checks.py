"""Three checks of a trained OCR reader (the bundled model by default), for finding 1's plateau.

1. Memorisation: teacher-forced exact match (`pretrain.answer_exact_rate`, the recipe's own
   held-out measure) on N records it trained on (the first N of its recipe's generator seed,
   read from `recipe_summary.json`, or `--seed` for a folder without one, as
   `reader_lookup.py --save` writes) against N held-out ones (seed + 1, the recipe's held-out
   seed), source-language and cross-lingual questions (`tiny_base`'s held-out batches). Equal
   rates: the model does not fit its training records better than new ones, so more distinct
   records would not lift it.
2. Read-on: the recipe's echo question ("Repeat the lines from “X” on.", `tiny_base.echo_records`
   on the held-out records, X not the first line, answers of two lines or more), teacher-forced:
   the share of answers whose first token after the first line break (the first token of the
   line after X, the one step that needs X found among the OCR lines) is the argmax, and of
   answers right in full.
3. Lookup: the recipe's lookup questions ("Which line comes after “X”?", or before:
   `tiny_base.lookup_records` on the held-out records, each direction alone), teacher-forced
   exact: the associative recall that most question kinds need, asked on its own (the measure
   experiments/reader_lookup.py prints while it trains).

Run: uv run python experiments/reader_checks.py [--model data/models/xtvqa-tiny-ocr] [--records 256] [--seed N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor
from xtvqa_data.synth import generate
from xtvqa_models.prompts import PromptConfig
from xtvqa_reader.pretrain import (
    IGNORE_INDEX,
    AnswerDataset,
    LanguageMix,
    answer_exact_rate,
    collate_answers,
)
from xtvqa_reader.tiny_base import echo_records, held_out_batches, lookup_records


def read_on(model, processor, dataset: AnswerDataset, records: list, batch_size: int = 32) -> tuple[float, float]:
    """(share of echo answers whose first token of the second line is the argmax, share right in
    full) under teacher forcing; every record's answer must hold a line break."""
    newline = processor.tokenizer("\n", add_special_tokens=False)["input_ids"]
    if len(newline) != 1:
        raise SystemExit(f"a line break is {len(newline)} tokens in this tokenizer; the check needs one")
    pad, first_ok, full_ok = processor.tokenizer.pad_token_id, 0, 0
    for start in range(0, len(records), batch_size):
        batch = collate_answers([dataset.encode(r, r.image_lang) for r in records[start : start + batch_size]], pad)
        labels = batch.pop("labels")
        with torch.no_grad():
            predicted = model(**batch, use_cache=False).logits[:, :-1].argmax(-1)
        targets = labels[:, 1:]
        for row in range(targets.shape[0]):
            places = (targets[row] != IGNORE_INDEX).nonzero().flatten()
            right = predicted[row, places] == targets[row, places]
            breaks = (targets[row, places] == newline[0]).nonzero().flatten()
            if not len(breaks) or breaks[0] + 1 >= len(places):
                raise ValueError(f"record {records[start + row].id}: the answer has no line after its first")
            full_ok += bool(right.all())
            first_ok += bool(right[breaks[0] + 1])
    return first_ok / len(records), full_ok / len(records)


def lookup_rates(model, dataset, records: list, n: int, pad: int) -> dict[str, float]:
    """Teacher-forced exact rate on `n` lookups about `records` in each direction ("after": the
    line after a named one, "before": the line before), one batch each; `dataset(records)` makes
    the `AnswerDataset` that encodes them."""
    rates = {}
    for name, offset in (("after", 1), ("before", -1)):
        asked = lookup_records(records, n, 4, offsets=(offset,))
        encoded = dataset(asked)
        batch = collate_answers([encoded.encode(r, r.image_lang) for r in asked], pad, text_positions=True)
        with torch.no_grad():
            rates[name] = answer_exact_rate(model, batch)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=Path("data/models/xtvqa-tiny-ocr"),
                        help="a reader folder written by `apps/train --recipe tiny-base` (default: %(default)s)")
    parser.add_argument("--records", type=int, default=256, help="records per check (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None,
                        help="the generator seed it trained on (default: its recipe_summary.json's); "
                             "the held-out records are seed + 1")
    args = parser.parse_args()
    prompt = PromptConfig.from_model_dir(args.model)
    if prompt is None or not (args.model / "config.json").is_file():
        parser.error(f"{args.model} has no config.json and xtvqa_prompt.json: not a reader folder")
    if args.records < 1:
        parser.error("--records must be >= 1")
    seed = args.seed
    if seed is None:
        summary_file = args.model / "recipe_summary.json"
        if not summary_file.is_file():
            parser.error(f"{args.model} has no recipe_summary.json to read its training seed from: pass --seed")
        seed = json.loads(summary_file.read_text())["settings"]["seed"]
    torch.set_num_threads(1)
    model = AutoModelForImageTextToText.from_pretrained(args.model).eval()
    processor = AutoProcessor.from_pretrained(args.model)
    size = model.config.vision_config.patch_size * model.config.vision_config.spatial_merge_size

    def dataset(records):
        return AnswerDataset(records, processor, mix=LanguageMix(1.0), epochs=1, seed=0, prompt=prompt,
                             image_size=size)

    pad = processor.tokenizer.pad_token_id
    sets = {name: (drawn, list(generate(args.records, seed=drawn, split="train", resize_to=size)))
            for name, drawn in (("trained on", seed), ("held out", seed + 1))}
    for name, (drawn, records) in sets.items():
        with torch.no_grad():
            rates = {side: answer_exact_rate(model, batch)
                     for side, batch in held_out_batches(records, dataset(records), pad).items()}
        print(f"{name} (seed {drawn}, {args.records} records): teacher-forced exact "
              + ", ".join(f"{side} {rate:.3f}" for side, rate in rates.items()), flush=True)
    pool = [r for r in echo_records(sets["held out"][1], 4 * args.records, 3)
            if r.question["en"].startswith("Repeat the lines") and "\n" in r.answers["en"][0]]
    echo = pool[: args.records]
    first, full = read_on(model, processor, dataset(echo), echo)
    print(f"read-on ({len(echo)} echo questions about held-out records): first token of the line after X "
          f"{first:.3f}, whole answer {full:.3f}")
    rates = lookup_rates(model, dataset, sets["held out"][1], args.records, pad)
    print(f"lookup ({args.records} a direction, held-out records): teacher-forced exact "
          + ", ".join(f"{name} {rate:.3f}" for name, rate in rates.items()))


if __name__ == "__main__":
    main()
