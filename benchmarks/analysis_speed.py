"""Teacher-forced batched scoring of the clean and noised conditions against the authors' method
(issue 4, DESIGN.md 5), on the same tiny model and items.

Authors' method (ANCHORS.md): per item, two free-running greedy `generate(output_scores=True)`
calls, one on the clean image and one on the noised image, and the entropy of every generated
step's distribution. Ours (`xtvqa_models.analysis`): one batched greedy `generate` for the
answer, then one batched teacher-forced forward pass per condition that scores that same answer
(`HFModel.score`). Both get K = 1 noised image per item, the same Gaussian noise (sigma 80), drawn once before
the timing (the noise itself costs the same in both methods and is not what is compared).
Each method runs `--repeats` times, interleaved, and its best time counts (a busy shared machine
penalises both alike). Prints seconds per item and the ratio (target >= 3x).

Run: uv run python benchmarks/analysis_speed.py [--items 48] [--batch-size 16] [--threads 1]
Exit status 1 if the ratio is below the target.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import torch
from xtvqa_data import iter_items, load
from xtvqa_infotheory import gaussian_noise, token_entropy
from xtvqa_models import build_tiny_model, load_model
from xtvqa_models.chat import render_prompt, rgb_image
from xtvqa_models.defaults import find_repo_root

TARGET_RATIO = 3.0


def authors_method(model, items, noised, max_new_tokens: int) -> list[tuple[float, float]]:
    """Per item: greedy generate with output_scores on the clean and on the noised image;
    entropies of the generated steps (mean over steps, as their code does)."""
    out = []
    for item, noised_item in zip(items, noised, strict=True):
        entropies = []
        for image in (rgb_image(item), rgb_image(noised_item)):
            text = render_prompt(model.processor, item, model.prompt)
            inputs = model.processor(text=[text], images=[image], return_tensors="pt").to(model.device)
            generated = model.model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False,
                                             output_scores=True, return_dict_in_generate=True,
                                             pad_token_id=model.tokenizer.pad_token_id)
            scores = torch.stack(generated.scores, dim=1)  # [1, steps, V]
            entropies.append(float(token_entropy(scores).mean()))
        out.append((entropies[0], entropies[1]))
    return out


def our_method(model, items, noised, max_new_tokens: int, batch_size: int) -> list[tuple[float, float]]:
    answers = [g.text for g in model.generate(items, max_new_tokens=max_new_tokens, batch_size=batch_size)]
    clean = model.score(items, answers, batch_size=batch_size)
    noisy = model.score(noised, answers, batch_size=batch_size)
    return [(c.mean_entropy, n.mean_entropy) for c, n in zip(clean, noisy, strict=True)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--model", default=None, help="an hf: spec (default: a tiny Qwen2-VL-style model)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    root = find_repo_root()
    if root is None:
        print("run from the repository (data/sample is needed)", file=sys.stderr)
        return 2
    records = load(root / "data" / "sample")
    items = list(iter_items(records, ("en", "zh", "fr")))[: args.items]
    noised = [item.with_image(gaussian_noise(rgb_image(item), sigma=80.0, seed=i)) for i, item in enumerate(items)]
    with tempfile.TemporaryDirectory() as tmp:
        spec = args.model or f"hf:{build_tiny_model('qwen2-vl', tmp, seed=0)}"
        model = load_model(spec, dtype="float32")
        best = {"authors": float("inf"), "ours": float("inf")}
        for _ in range(args.repeats):
            for name in best:
                start = time.perf_counter()
                if name == "authors":
                    authors_method(model, items, noised, args.max_new_tokens)
                else:
                    our_method(model, items, noised, args.max_new_tokens, args.batch_size)
                best[name] = min(best[name], time.perf_counter() - start)
    per_item = {k: v / len(items) for k, v in best.items()}
    ratio = per_item["authors"] / per_item["ours"]
    print(f"items: {len(items)}  model: {spec}  batch size: {args.batch_size}  threads: {torch.get_num_threads()}")
    print(f"authors' method (2 x generate(output_scores) per item): {1000 * per_item['authors']:.1f} ms/item")
    print(f"ours (batched generate + teacher-forced clean + noised): {1000 * per_item['ours']:.1f} ms/item")
    print(f"ratio: {ratio:.2f}x (target >= {TARGET_RATIO}x)")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
