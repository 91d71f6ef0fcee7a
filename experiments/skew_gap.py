"""Probe: does a stronger English skew in tiny-base's pre-training give the reader a larger
cross-lingual gap? Issue 6's findings 2 and 4 need one: the bundled model's gap is ~4 points on
3,000 fresh test records (data/models/xtvqa-tiny-ocr/RESULTS.md), too small for MVCL-MI's
narrowing of it to be measured.

Trains the CPU profile of the recipe (`recipes.TinyBase()`) with another `source_share` (the
probability that a training question is in the image's language; the recipe: 0.75) and/or
`english_weight`, for --minutes of wall clock from the start (`time_budget_s`: the cosine
schedule ends there), from a shared records cache so that two probes run side by side render the
records once. Then benchmark each on fresh records and set them side by side:

    uv run python experiments/skew_gap.py --source-share 0.75 --minutes 33 --out /tmp/skew75 &
    uv run python experiments/skew_gap.py --source-share 0.95 --minutes 33 --out /tmp/skew95
    uv run apps/build synth --n 1500 --seed 5 --out /tmp/fresh5 --workers 2
    uv run apps/bench --data /tmp/fresh5 --model hf:/tmp/skew75 --out /tmp/b75   # and skew95
    uv run python experiments/gap_cells.py /tmp/b75 /tmp/b95

A short CPU run gives a weaker reader than the committed GPU build; what it can show is the
difference the skew makes at the same budget, which is what the next GPU build must choose.

Measured (2026-11-26, the two commands above side by side on the 2-core machine, one torch
thread and one loader each, 33 minutes from a shared cache: 4,443 and 4,777 steps):

| source_share | held-out exact, source / cross | fresh 1,500 records: source-language | drop zh / fr on en images | drop en / fr on zh images |
|---:|---:|---:|---:|---:|
| 0.75 (the recipe) | 0.260 / 0.229 | 0.269 | 3.0 [-1.4, 7.6] / 3.2 [-0.8, 7.0] | -2.2 [-5.8, 1.6] / -0.6 [-4.8, 3.6] |
| 0.95 | 0.250 / 0.125 | 0.304 | 10.8 [6.0, 15.6] / 8.0 [3.6, 12.6] | -0.8 [-5.0, 3.4] / 0.6 [-3.6, 4.8] |

Paired (`gap_cells.py`): the mean of the four drops 0.85 -> 4.65 points (its change's interval
excludes 0), the source-language score +3.5 [+1.2, +5.9]. So at the same budget the stronger
skew gives a gap on en images two to three times the recipe's, with intervals clear of 0, and
loses nothing on source-language questions; on zh images neither run has a drop. Why, by
question type (0.95): on zh images the zh extractive questions score 0.157 (en images' en ones:
0.275), near the floor these short runs reach on Chinese OCR lines, so there is little to lose
(en 0.128, fr 0.116 on the same images), and the yes/no questions, at chance, score higher when
asked in en or fr (0.583, 0.564) than in zh (0.494), which cancels it. One run each (one seed):
a lead for the next GPU build, not a result.
"""

from __future__ import annotations

import argparse
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from xtvqa_reader.recipes import TinyBase
from xtvqa_reader.tiny_base import train_tiny_base

STARTED = time.time()


@contextmanager
def progress(label):
    print(f"[{time.time() - STARTED:7.1f}s] {label}", flush=True)
    yield lambda done, total: None
    print(f"[{time.time() - STARTED:7.1f}s]   {label}: done", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source-share", type=float, default=TinyBase().source_share,
                        help="P(training question in the image's language); the recipe's: %(default)s")
    parser.add_argument("--english-weight", type=float, default=TinyBase().english_weight,
                        help="English's weight among the other question languages; the recipe's: %(default)s")
    parser.add_argument("--minutes", type=float, default=33.0, help="wall clock from the start, rendering included")
    parser.add_argument("--records-cache", type=Path, default=Path("/tmp/xtvqa-skew-records"),
                        help="rendered records shared by the probes (default: %(default)s)")
    parser.add_argument("--out", type=Path, required=True, help="model folder to write")
    args = parser.parse_args()
    if not 0.0 < args.source_share <= 1.0 or args.english_weight <= 0 or args.minutes <= 0:
        parser.error("need 0 < --source-share <= 1, --english-weight > 0 and --minutes > 0")
    recipe = replace(TinyBase(), source_share=args.source_share, english_weight=args.english_weight,
                     time_budget_s=60.0 * args.minutes)
    print(recipe, flush=True)
    train_tiny_base(recipe, args.out, progress, records_cache=args.records_cache)
    print(f"[{time.time() - STARTED:7.1f}s] saved {args.out}", flush=True)


if __name__ == "__main__":
    main()
