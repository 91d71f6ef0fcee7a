"""Model FLOPs utilisation (MFU) of one MVCL-MI training step of a 2B-parameter-class VLM on a GPU.

The model is a Qwen2-VL-2B-shaped `Qwen2VLForConditionalGeneration` built locally from its
config with random bf16 weights (no hub). A batch is laid out as `MVCLCollator` lays it out (B
records x 4 views, left-padded prompts of 256 image tokens plus question tokens whose length
differs by language, right-padded answers), and one step is exactly the trainer's:
`view_logits` (each image encoded once, LM head on the answer region), `mvcl_mi_loss`,
backward, a fused AdamW step (bf16 weights and optimizer state: this measures throughput, not
a recipe).

Model FLOPs per step (PaLM's convention, Chowdhery et al. 2022, appendix B: 6 FLOPs per
parameter per token for forward + backward, plus 12 * layers * d * T per token for attention
with the full T x T score matrix counted):

    LM:      6 * N_decoder * (4B * T)  +  12 * L * d * T^2 * 4B  +  6 * V * d * (4B * K)
    vision:  6 * N_vision * P * n_enc  +  12 * L_v * d_v * P^2 * n_enc

with T the padded row width (every position is computed), K the logit positions kept, P the
patches per image, n_enc = B images (features reused) or 4B (re-encoded). MFU = model FLOPs per
second / the device's dense bf16 peak (H100 SXM and H200: 989 TFLOP/s, H100 PCIe: 756,
A100: 312; others: pass --peak-tflops).

Run (on a GPU): uv run python benchmarks/train_mfu.py [--records 8] [--steps 10] [--no-reuse]
On a machine without CUDA it says so and exits with status 1 (`--smoke` runs a tiny config
anywhere, to check the script itself).
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time

import torch
from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
from xtvqa_train import VIEWS, mvcl_mi_loss
from xtvqa_train.forward import core_model, view_logits

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100 PCIe": 756.0, "H100": 989.0, "A100": 312.0}

# Qwen2-VL-2B-Instruct's shapes (its config.json), token ids of our own: random weights anyway.
QWEN2_VL_2B = {
    "text": {"vocab_size": 151936, "hidden_size": 1536, "intermediate_size": 8960, "num_hidden_layers": 28,
             "num_attention_heads": 12, "num_key_value_heads": 2, "tie_word_embeddings": True},
    "vision": {"depth": 32, "embed_dim": 1280, "hidden_size": 1536, "num_heads": 16, "mlp_ratio": 4},
    "image_side_patches": 32,  # 448 px / 14 px: 1024 patches, 256 tokens after the 2x2 merge
}
SMOKE = {
    "text": {"vocab_size": 512, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "tie_word_embeddings": True},
    "vision": {"depth": 1, "embed_dim": 32, "hidden_size": 64, "num_heads": 2, "mlp_ratio": 2},
    "image_side_patches": 4,
}
SPECIAL = {"pad": 0, "image": 1, "video": 2, "vision_start": 3, "vision_end": 4}


def build_model(shape: dict, device: torch.device) -> Qwen2VLForConditionalGeneration:
    text = dict(shape["text"])
    head_dim = text["hidden_size"] // text["num_attention_heads"]
    half = head_dim // 2
    text["rope_parameters"] = {"rope_type": "default", "rope_theta": 1e6,
                               "mrope_section": [half - 2 * (half // 3), half // 3, half // 3]}
    config = Qwen2VLConfig(
        text_config={**text, "max_position_embeddings": 32768, "pad_token_id": SPECIAL["pad"],
                     "bos_token_id": None, "eos_token_id": None},
        vision_config={**shape["vision"], "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2},
        image_token_id=SPECIAL["image"], video_token_id=SPECIAL["video"],
        vision_start_token_id=SPECIAL["vision_start"], vision_end_token_id=SPECIAL["vision_end"],
        tie_word_embeddings=text["tie_word_embeddings"],
    )
    config._attn_implementation = "sdpa"
    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    with torch.device(device):
        model = Qwen2VLForConditionalGeneration._from_config(config, dtype=dtype)
    return model.train()


def make_batch(shape: dict, n_records: int, device: torch.device, seed: int = 0) -> dict:
    """A batch in MVCLCollator's layout: view-major rows, prompts left-padded, answers right-padded."""
    g = torch.Generator().manual_seed(seed)
    side, vocab = shape["image_side_patches"], shape["text"]["vocab_size"]
    n_image_tokens = side * side // 4
    question = {"s": 40, "t": 28}  # question + instruction tokens per language
    answer = {"s": 6, "t": 9}
    answers = {b: {lang: torch.randint(8, vocab, (answer[lang],), generator=g).tolist() for lang in "st"}
               for b in range(n_records)}
    prompts, completions = [], []
    for view in VIEWS:  # view = (question language, answer language)
        for b in range(n_records):
            q = torch.randint(8, vocab, (question[view[0]],), generator=g).tolist()
            prompts.append([SPECIAL["vision_start"], *[SPECIAL["image"]] * n_image_tokens, SPECIAL["vision_end"], *q])
            completions.append(answers[b][view[1]])
    width_p, width_c = max(map(len, prompts)), max(map(len, completions))
    ids, mask, labels = [], [], []
    for p, c in zip(prompts, completions, strict=True):
        left, right = width_p - len(p), width_c - len(c)
        ids.append([SPECIAL["pad"]] * left + p + c + [SPECIAL["pad"]] * right)
        mask.append([0] * left + [1] * (len(p) + len(c)) + [0] * right)
        labels.append([-100] * width_p + c + [-100] * right)
    input_ids = torch.tensor(ids, device=device)
    patches = n_records * side * side
    return {
        "input_ids": input_ids,
        "attention_mask": torch.tensor(mask, device=device),
        "mm_token_type_ids": (input_ids == SPECIAL["image"]).long(),
        "labels": torch.tensor(labels, device=device),
        "image_inputs": {
            "pixel_values": torch.randn(patches, 3 * 2 * 14 * 14, generator=g).to(device),
            "image_grid_thw": torch.tensor([[1, side, side]] * n_records, device=device),
        },
        "record_ids": [str(b) for b in range(n_records)],
    }


def model_flops(model, batch: dict, shape: dict, *, reuse: bool) -> float:
    text, vision = shape["text"], shape["vision"]
    rows, width = batch["input_ids"].shape
    answer_cols = torch.nonzero((batch["labels"] != -100).any(0)).flatten()
    kept = width - int(answer_cols[0]) + 1
    decoder = sum(p.numel() for n, p in model.named_parameters() if ".language_model.layers." in n)
    vision_params = sum(p.numel() for n, p in model.named_parameters() if ".visual." in n)
    d, layers = text["hidden_size"], text["num_hidden_layers"]
    lm = 6 * decoder * rows * width + 12 * layers * d * width**2 * rows + 6 * text["vocab_size"] * d * rows * kept
    n_images = len(batch["record_ids"]) * (1 if reuse else len(VIEWS))
    patches = shape["image_side_patches"] ** 2
    enc = 6 * vision_params * patches * n_images + 12 * vision["depth"] * vision["embed_dim"] * patches**2 * n_images
    return float(lm + enc)


def peak_tflops(device: torch.device, override: float | None) -> float | None:
    if override:
        return override
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((peak for key, peak in PEAK_BF16_TFLOPS.items() if key in name), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=8, help="records per step (the batch holds 4x as many rows)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps (after 3 warm-up steps)")
    parser.add_argument("--no-reuse", action="store_true", help="encode each image once per view (FSDP's path)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's dense bf16 peak, if not in the table")
    parser.add_argument("--smoke", action="store_true", help="a tiny config on any device: checks the script only")
    args = parser.parse_args()

    if not torch.cuda.is_available() and not args.smoke:
        print("train_mfu.py needs a CUDA GPU (it measures a 2B-parameter model's bf16 step); none found. "
              "Use --smoke to check the script on this machine.", file=sys.stderr)
        return 1
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    shape = SMOKE if args.smoke else QWEN2_VL_2B
    torch.manual_seed(0)
    model = build_model(shape, device)
    batch = make_batch(shape, args.records, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-6, fused=device.type == "cuda")
    # transformers versions without `mm_encoder_outputs` encode per view whatever we ask
    reuse = not args.no_reuse and "mm_encoder_outputs" in inspect.signature(core_model(model).forward).parameters

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        logits, labels = view_logits(model, batch, reuse_image_features=reuse)
        loss = mvcl_mi_loss(logits, labels).total
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(3):
        loss = step()
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    sync()
    seconds = (time.perf_counter() - start) / args.steps

    flops = model_flops(model, batch, shape, reuse=reuse)
    achieved = flops / seconds / 1e12
    rows, width = batch["input_ids"].shape
    real_tokens = int(batch["attention_mask"].sum())
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"device: {name}; model: {model.num_parameters() / 1e9:.2f}B parameters "
          f"({'Qwen2-VL-2B shape' if not args.smoke else 'smoke shape'}), {next(model.parameters()).dtype}, "
          "random weights")
    print(f"batch: {args.records} records x 4 views = {rows} rows x {width} tokens "
          f"({real_tokens} not padding); image features {'reused' if reuse else 're-encoded per view'}")
    print(f"step: {seconds * 1e3:.1f} ms, loss {loss:.3f}, {real_tokens / seconds:,.0f} real tokens/s, "
          f"model FLOPs {flops / 1e12:.2f} TFLOP per step -> {achieved:.1f} TFLOP/s")
    if device.type == "cuda":
        print(f"peak memory: {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB")
    peak = peak_tflops(device, args.peak_tflops)
    if peak:
        print(f"MFU: {100 * achieved / peak:.1f} % of {peak:.0f} TFLOP/s dense bf16")
    else:
        print("MFU: unknown peak for this device; pass --peak-tflops")
    return 0


if __name__ == "__main__":
    sys.exit(main())
