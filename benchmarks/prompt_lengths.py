"""What a training phase's prompt lengths cost before the first step (`AnswerDataset` computes
them for length-grouped batches): rendering the prompts, then counting their tokens through the
tokenizer's call (baseline) and through `pretrain.token_counts` (the Rust tokenizer's
`encode_batch_fast`). The counts are checked equal before the timings are printed.

Why it matters: the GPU build's 300,000 lookups spent about two minutes of a nine-minute device
call here and in `tiny_base.lookup_records` (session 18), on the lent machine's slow cores.
With TOKENIZERS_PARALLELISM unset the Rust side uses every core; false keeps it on one.

Run: uv run python benchmarks/prompt_lengths.py [--prompts 30000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from xtvqa_data import EvalItem
from xtvqa_data.synth import generate
from xtvqa_models.chat import render_prompt
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader
from xtvqa_reader.pretrain import token_counts
from xtvqa_reader.tiny_base import lookup_records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=30000, help="lookup prompts to count (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timings of each, the best kept (default: %(default)s)")
    args = parser.parse_args()
    if args.prompts < 1 or args.repeats < 1:
        parser.error("--prompts and --repeats must be >= 1")
    pool = list(generate(1000, seed=1000, split="train", resize_to=28, workers=2))
    with tempfile.TemporaryDirectory() as folder:
        _model, processor = build_ocr_reader(Path(folder) / "bench", pool, size=ReaderSize(vocab_size=8192, hidden_size=192), seed=0)
    started = time.perf_counter()
    records = lookup_records(pool, args.prompts, 4)
    lookups_s = time.perf_counter() - started
    started = time.perf_counter()
    texts = [render_prompt(processor, EvalItem(r, r.image_lang), READER_PROMPT) for r in records]
    render_s = time.perf_counter() - started
    baseline_s, fast_s = [], []
    for _ in range(args.repeats):  # interleaved, best of each: the tokenizer's word cache is warm for both
        started = time.perf_counter()
        baseline = [len(ids) for ids in processor.tokenizer(texts, add_special_tokens=False)["input_ids"]]
        baseline_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = token_counts(processor.tokenizer, texts)
        fast_s.append(time.perf_counter() - started)
    call_s, fast_s = min(baseline_s), min(fast_s)
    if counts != baseline:
        raise SystemExit("token_counts differs from the tokenizer's call")
    print(f"{args.prompts:,} lookup prompts ({sum(counts):,} tokens), {os.cpu_count()} cores, "
          f"TOKENIZERS_PARALLELISM={os.environ.get('TOKENIZERS_PARALLELISM', '(unset)')}")
    print(f"  lookup_records       {lookups_s:6.2f} s")
    print(f"  render_prompt        {render_s:6.2f} s")
    print(f"  tokenizer call       {call_s:6.2f} s  (baseline)")
    print(f"  token_counts         {fast_s:6.2f} s  ({call_s / fast_s:.2f}x the baseline)")


if __name__ == "__main__":
    main()
