"""Probe: does a scene-size curriculum (few table rows / bars first, `SynthConfig.max_items`)
teach the tiny OCR reader the entity lookups faster than full-size scenes from the start?

The bundled reader (`ocr_reader.build_ocr_reader`: hidden 192, 4 layers, 8192-token BPE) is
trained with the recipe's trainer (`pretrain.AnswerCETrainer`, answer-only CE, AdamW lr 1e-3
after 100 warm-up steps, batch 32, one CPU thread) on the lookup kinds (`LOOKUP_KINDS`: find the
question's entity among the OCR lines, answer the string that belongs to it), source-language
questions only. Every 200 steps it prints the exact rate under teacher forcing on 128 held-out
lookups in full-size scenes (seed 1001, `max_items` 6, the benchmark's setting); it stops after
--minutes of training.

--items 2,3,4,6 trains on equal shares of scenes with at most 2, then 3, 4 and 6 items (a
curriculum, each phase --epochs passes over its records); --items 6 is the baseline (full-size scenes only).

Measured (2-core machine, both arms at once, one thread each, 12 minutes, 6 epochs): --items 6
0.02-0.05 to step 1,200, 0.06-0.08 at 1,400-1,800; --items 2,3,4,6 0.01-0.02 to step 1,600
and 0.02-0.04 at 1,800-2,016. No help: a scene with "2 items" keeps its own minimum (3 bars,
3 timetable rows, 4 years), so its OCR lines are 11.5 on average against 15.3 at 6.

Run: uv run python experiments/reader_items.py --items 2,3,4,6 [--records 12000] [--minutes 12]
"""

from __future__ import annotations

import argparse

import torch
from reader_lookup import train_probe  # the lookup probe's training (this folder is on sys.path)
from xtvqa_data.synth import SynthConfig, generate
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader, mimetic_init
from xtvqa_reader.pretrain import (
    AnswerDataset,
    LanguageMix,
    collate_answers,
)
from xtvqa_reader.tiny_base import echo_records

LOOKUP_KINDS = ("tt_time", "tt_platform", "tt_dest", "dir_distance", "menu_price", "doc_qty", "doc_amount",
                "chart_value", "pie_share", "line_value")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", default="6", help="max_items of each phase, comma-separated (a curriculum)")
    parser.add_argument("--records", type=int, default=12000, help="training records, split equally over the phases")
    parser.add_argument("--epochs", type=int, default=6, help="passes over each phase's records")
    parser.add_argument("--echo", type=int, default=0, help="echo samples first (tiny_base.echo_records)")
    parser.add_argument("--mimetic", type=float, default=None, metavar="VALUE_OUT",
                        help="mimetic attention init (ocr_reader.mimetic_init) with this value_out")
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    items = [int(n) for n in args.items.split(",")]
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    per_phase = args.records // len(items)
    chunks = [list(generate(per_phase, seed=1000 + 10 * k, split="train", resize_to=28,
                            config=SynthConfig(max_items=n, question_kinds=LOOKUP_KINDS)))
              for k, n in enumerate(items)]
    held = list(generate(128, seed=1001, split="train", resize_to=28, config=SynthConfig(question_kinds=LOOKUP_KINDS)))
    # the tokenizer sees full-size scenes in every arm, so the arms differ in the training order only
    tokenizer_pool = list(generate(2000, seed=999, split="train", resize_to=28, config=SynthConfig(question_kinds=LOOKUP_KINDS)))
    model, processor = build_ocr_reader("probe", tokenizer_pool, size=ReaderSize(vocab_size=8192, hidden_size=192),
                                        seed=1000)
    if args.mimetic is not None:
        mimetic_init(model, seed=1000, value_out=args.mimetic)

    def dataset(records, seed: int, epochs: int = 1) -> AnswerDataset:
        return AnswerDataset(records, processor, mix=LanguageMix(1.0), epochs=epochs, seed=seed, prompt=READER_PROMPT,
                             image_size=28)

    phases = [dataset(echo_records(tokenizer_pool, args.echo, 1), 1)] if args.echo else []
    phases += [dataset(chunk, k, args.epochs) for k, chunk in enumerate(chunks)]
    pad = processor.tokenizer.pad_token_id
    held_out = {"lookup": collate_answers([phases[-1].encode(r, r.image_lang) for r in held], pad)}
    print(f"phases (max_items): {items}, {per_phase} records x {args.epochs} epochs each; held-out 128 full-size lookups", flush=True)
    train_probe(model, pad, phases, held_out, minutes=args.minutes, lr=args.lr)


if __name__ == "__main__":
    main()
