"""Where a tiny-base training step's time goes: the bundled reader's step, with transformers'
own M-RoPE positions (baseline), with positions handed over by the collator, and with the vision
tower's attention batched over the images (`vision_attention`), and with its rotary positions
built for one image and tiled (`vision_attention.same_size_image_features`, what `answer_loss`
does); and a batch's processor calls,
through the processor and by `pretrain.encode_one_image`.

The reader sees each image as one merged visual token (28 px), so its M-RoPE positions are
plain 1-D positions: `pretrain.collate_answers(..., text_positions=True)` builds them from the
attention mask, and the model skips `get_rope_index`, which walks the batch sample by sample.
The run first checks that both give the same logits, then times each (forward, answer-only CE,
backward, AdamW step) and prints steps/s and the ratio, plus the cost of preparing one batch
(encode + collate, what each data-loading worker does) for comparison.

Run: uv run python benchmarks/reader_step.py [--batch-size 256] [--steps 20]
(on CUDA when present; on a CPU use --batch-size 32 --steps 3).
"""

from __future__ import annotations

import argparse
import time

import torch
from xtvqa_data import EvalItem
from xtvqa_data.synth import generate
from xtvqa_models.chat import render_prompt
from xtvqa_reader import pretrain
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader
from xtvqa_reader.pretrain import (
    AnswerDataset,
    LanguageMix,
    answer_loss,
    collate_answers,
    encode_one_image,
)
from xtvqa_reader.vision_attention import use_batched_vision_attention


def step_fn(model, optimizer):
    """One training step as the recipe's trainer takes it: `pretrain.answer_loss`, backward, AdamW."""

    def step(batch: dict[str, torch.Tensor]) -> None:
        answer_loss(model, batch)[0].backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def timed(fn, batches, device) -> float:
    """Steps per second over `batches` (after 3 warm-up steps)."""
    for batch in batches[:3]:
        fn(batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    for batch in batches:
        fn(batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(batches) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    records = list(generate(max(args.batch_size, 300), seed=1000, split="train", resize_to=28, workers=2))
    model, processor = build_ocr_reader("bench", records[:300], size=ReaderSize(vocab_size=8192, hidden_size=192))
    model.to(device).train()
    dataset = AnswerDataset(records, processor, mix=LanguageMix(), epochs=1, seed=0, prompt=READER_PROMPT,
                            image_size=28)
    pad = processor.tokenizer.pad_token_id
    started = time.perf_counter()
    features = [dataset[k] for k in range(args.batch_size)]
    plain = collate_answers(features, pad)
    prepare_s = time.perf_counter() - started
    positioned = collate_answers(features, pad, text_positions=True)

    def on_device(batch):
        return {k: v.to(device) for k, v in batch.items()}

    with torch.no_grad():
        model.eval()
        a = model(**{k: v for k, v in on_device(plain).items() if k != "labels"}).logits
        b = model(**{k: v for k, v in on_device(positioned).items() if k != "labels"}).logits
        model.train()
    mask = plain["attention_mask"].to(device).bool()
    difference = (a - b).abs()[mask].max().item()
    print(f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}), batch "
          f"{args.batch_size}, prompt+answer width {plain['input_ids'].shape[1]}")
    print(f"same logits with the collator's positions: max |difference| {difference:.2e}")
    if difference > 1e-4:
        raise SystemExit("positions from the collator change the logits")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    step = step_fn(model, optimizer)
    # the first three variants let the model build the vision tower's positions image by image
    tiled = pretrain.same_size_image_features
    pretrain.same_size_image_features = lambda *_args: None
    base = timed(step, [on_device(plain)] * args.steps, device)
    fast = timed(step, [on_device(positioned)] * args.steps, device)
    print(f"transformers' positions:  {base:7.2f} steps/s  ({base * args.batch_size:8.0f} samples/s)")
    print(f"collator's positions:     {fast:7.2f} steps/s  ({fast * args.batch_size:8.0f} samples/s)  "
          f"ratio {fast / base:.2f}x")
    batch = on_device(positioned)

    def vision(_):
        features = model.model.get_image_features(batch["pixel_values"], batch["image_grid_thw"])
        torch.cat(list(features.pooler_output if hasattr(features, "pooler_output") else features)).sum().backward()

    print(f"of which the vision tower alone (forward + backward, {args.batch_size} images): "
          f"{1000 / timed(vision, [None] * args.steps, device):.1f} ms")
    with torch.no_grad():  # the steps above changed the weights: both logits afresh
        model.eval()
        inputs = {k: v for k, v in on_device(positioned).items() if k != "labels"}
        b = model(**inputs).logits
        use_batched_vision_attention(model)
        c = model(**inputs).logits
        model.train()
    difference = (c - b).abs()[mask].max().item()
    print(f"same logits with the batched vision attention: max |difference| {difference:.2e}")
    if difference > 1e-4:
        raise SystemExit("the batched vision attention changes the logits")
    batched = timed(step, [on_device(positioned)] * args.steps, device)
    print(f"+ batched vision attention: {batched:7.2f} steps/s  ({batched * args.batch_size:8.0f} samples/s)  "
          f"ratio {batched / fast:.2f}x over the collator's positions, {batched / base:.2f}x over the baseline")
    print(f"  the vision tower alone: {1000 / timed(vision, [None] * args.steps, device):.1f} ms")
    pretrain.same_size_image_features = tiled  # the recipe's step: one image's positions, tiled
    with torch.no_grad():
        model.eval()
        pretrain.same_size_image_features = lambda *_args: None
        loss_per_image = answer_loss(model, batch)[0].item()
        pretrain.same_size_image_features = tiled
        loss_tiled = answer_loss(model, batch)[0].item()
        model.train()
    print(f"same loss with the vision positions tiled: {loss_tiled:.6f} vs {loss_per_image:.6f}")
    if abs(loss_tiled - loss_per_image) > 1e-5:
        raise SystemExit("tiling the vision positions changes the loss")
    positions = timed(step, [batch] * args.steps, device)
    print(f"+ vision positions tiled:   {positions:7.2f} steps/s  ({positions * args.batch_size:8.0f} samples/s)  "
          f"ratio {positions / batched:.2f}x over the batched attention, {positions / base:.2f}x over the baseline")

    def tiled_vision(_):
        features = tiled(model, batch["pixel_values"], batch["image_grid_thw"])
        torch.cat(list(features.pooler_output)).sum().backward()

    print(f"  the vision tower alone: {1000 / timed(tiled_vision, [None] * args.steps, device):.1f} ms")
    encode = [dataset.records[k % len(dataset.records)] for k in range(args.batch_size)]
    started = time.perf_counter()
    for record in encode:
        processor(text=[render_prompt(processor, EvalItem(record, "en"), READER_PROMPT)],
                  images=[record.image.convert("RGB").resize((28, 28))], return_tensors="pt")
    through_processor = time.perf_counter() - started
    started = time.perf_counter()
    for record in encode:
        encode_one_image(processor, render_prompt(processor, EvalItem(record, "en"), READER_PROMPT),
                         record.image.convert("RGB").resize((28, 28)))
    one_image = time.perf_counter() - started
    print(f"one batch prepared (encode + collate) in {prepare_s * 1000:.0f} ms by one process; its processor "
          f"calls: {through_processor * 1000:.0f} ms through the processor, {one_image * 1000:.0f} ms by "
          f"pretrain.encode_one_image (ratio {through_processor / one_image:.2f}x)")


if __name__ == "__main__":
    main()
