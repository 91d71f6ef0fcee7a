"""MVCL-MI step: the four views in one batch versus four separate forward/backward passes.

The claim (at least 1.5x the steps/s on a 2-core CPU), measured side by side:

- one batch: `MVCLCollator` puts the 4 x B views in one padded batch, `view_logits` encodes each
  image once and runs one forward, `mvcl_mi_loss`, one backward;
- four passes: the naive implementation, one B-row batch per view with its own forward (the
  image encoded again each time) and backward; the teachers (ss, tt) go first and their logits
  are kept detached for the students' KL terms. The loss is separable per view once the
  teachers are detached, so the accumulated gradient is the same: checked before timing.

Both modes then take the same AdamW step. Same tiny Qwen2-VL (xtvqa_models.tiny), same
generated records. Rounds alternate between the modes so that load on a shared machine hits both.

Run: uv run python benchmarks/train_views.py [--records 8] [--steps 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F
from transformers import AutoModelForImageTextToText, AutoProcessor
from xtvqa_data.synth import SynthConfig, generate
from xtvqa_models.tiny import build_tiny_model
from xtvqa_train import VIEWS, mvcl_mi_loss
from xtvqa_train.collator import MVCLCollator
from xtvqa_train.forward import view_logits
from xtvqa_train.loss import IGNORE_INDEX, token_divergence

TEACHER = {"ts": "ss", "st": "tt"}  # student -> teacher (eq. 10)


def one_batch_step(model, batch) -> None:
    logits, labels = view_logits(model, batch)
    mvcl_mi_loss(logits, labels).total.backward()


def view_batch(batch, k: int, n: int) -> dict:
    """Rows of view k alone, without the columns that are padding in all of them."""
    rows = slice(k * n, (k + 1) * n)
    mask = batch["attention_mask"][rows]
    used = torch.nonzero(mask.any(0)).flatten()
    cols = slice(int(used[0]), int(used[-1]) + 1)
    out = {key: batch[key][rows, cols] for key in ("input_ids", "attention_mask", "mm_token_type_ids", "labels")}
    out.update(batch["image_inputs"])  # the B images, encoded again by this pass
    return out


def four_pass_step(model, batch) -> None:
    n = len(batch["record_ids"])
    teacher_rows: dict[str, torch.Tensor] = {}
    for view in ("ss", "tt", "ts", "st"):  # teachers first
        inputs = view_batch(batch, VIEWS.index(view), n)
        labels = inputs.pop("labels")
        first = int(torch.nonzero((labels != IGNORE_INDEX).any(0)).flatten()[0])
        keep = labels.shape[1] - first + 1
        logits = model(**inputs, logits_to_keep=keep, use_cache=False).logits[:, :-1]
        shifted = labels[:, first:]
        mask = shifted != IGNORE_INDEX
        rows = logits[mask].float()
        loss = F.cross_entropy(rows, shifted[mask])
        if view in TEACHER:  # equal answer ids in both views (the collator's layout), so rows pair up
            loss = loss + token_divergence(rows, teacher_rows[TEACHER[view]], "reverse").mean()
        else:
            teacher_rows[view] = rows.detach()
        loss.backward()


def timed(step, model, optimizer, batch, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad(set_to_none=True)
        step(model, batch)
        optimizer.step()
    return steps / (time.perf_counter() - start)


def gradients(step, model, batch) -> dict[str, torch.Tensor]:
    model.zero_grad(set_to_none=True)
    step(model, batch)
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=8, help="records per batch (B); the batch holds 4 x B views")
    parser.add_argument("--steps", type=int, default=8, help="timed optimizer steps per round and mode")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--image-size", type=int, default=224, help="side of the generated images")
    parser.add_argument("--tiny-image-size", type=int, default=224,
                        help="the tiny model's pixel budget side: 224 gives 64 image tokens per image (real "
                             "VLMs: hundreds), 56 (the test models' default) only 4")
    args = parser.parse_args()

    torch.manual_seed(0)
    folder = build_tiny_model("qwen2-vl", tempfile.mkdtemp(prefix="tiny-qwen2-vl-"), image_size=args.tiny_image_size)
    model = AutoModelForImageTextToText.from_pretrained(folder).train()
    processor = AutoProcessor.from_pretrained(folder)
    records = list(generate(args.records, seed=0, split="train", config=SynthConfig(image_size=args.image_size)))
    batch = MVCLCollator(processor)(records)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6)

    one, four = gradients(one_batch_step, model, batch), gradients(four_pass_step, model, batch)
    worst = max(float((one[k] - four[k]).abs().max() / four[k].abs().max().clamp(min=1e-12)) for k in one)
    assert one.keys() == four.keys() and worst < 1e-3, f"the two modes' gradients differ (max rel. {worst:.2e})"

    modes = {"four separate passes": four_pass_step, "one batch of 4 views": one_batch_step}
    for step in modes.values():  # warm-up
        timed(step, model, optimizer, batch, 2)
    rates: dict[str, list[float]] = {name: [] for name in modes}
    for _ in range(args.rounds):
        for name, step in modes.items():
            rates[name].append(timed(step, model, optimizer, batch, args.steps))

    n_image = int(batch["image_inputs"]["image_grid_thw"][0].prod()) // 4
    print(f"tiny Qwen2-VL ({model.num_parameters():,} parameters, {n_image} image tokens per image), "
          f"B = {args.records} records "
          f"({4 * args.records} views, {batch['input_ids'].shape[1]} tokens wide), "
          f"{torch.get_num_threads()} threads; gradients equal (max rel. diff {worst:.1e})")
    for name, values in rates.items():
        print(f"  {name:24s} {statistics.median(values):7.2f} steps/s   (rounds: "
              f"{', '.join(f'{v:.2f}' for v in values)})")
    ratio = statistics.median(rates["one batch of 4 views"]) / statistics.median(rates["four separate passes"])
    print(f"  speed-up of one batch: {ratio:.2f}x  (target >= 1.5x)")


if __name__ == "__main__":
    main()
