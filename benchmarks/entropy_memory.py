"""Peak extra memory of `token_entropy` against the naive full-vocabulary computation (issue 4).

Setting: float32 logits [16, 64, 150000] already in memory (614 MB), as a vision-language
model with a Qwen-size vocabulary returns them for 16 answers of 64 tokens. Budget: the extra
memory `token_entropy` allocates stays under 1 GB. Baselines, measured in the same run:
`torch.log_softmax(logits.float(), -1)` (the first step of any direct computation: one full
[B, T, V] float32 buffer) and the textbook `-(softmax * log_softmax).sum(-1)`.

How it measures (tracemalloc cannot see torch's allocations, and torch has no CPU allocator
statistics):
- CPU: every method runs in a fresh subprocess. The worker builds and touches the logits, resets
  the kernel's peak-RSS counter (`echo 5 > /proc/self/clear_refs` resets VmHWM to the current
  RSS, Linux >= 4.0), reads VmRSS, runs the method once and reads VmHWM: peak minus baseline is
  the memory the call really made resident, whatever allocator served it. A fresh process per
  method means no buffer freed by an earlier method can be silently reused.
- CUDA (when available, `--device cuda`): torch's caching-allocator counters,
  `max_memory_allocated() - memory_allocated()` around the call after `reset_peak_memory_stats`.

Run: uv run python benchmarks/entropy_memory.py            (CPU; ~1 minute on 2 cores)
     uv run python benchmarks/entropy_memory.py --device cuda
Exit status 1 if token_entropy's extra memory reaches the budget.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time

import torch
from xtvqa_infotheory import token_entropy

BUDGET = 1 << 30  # 1 GiB
METHODS = {
    "token_entropy": lambda x: token_entropy(x),
    "token_entropy (bf16 logits)": lambda x: token_entropy(x),
    "naive log_softmax(logits.float())": lambda x: torch.log_softmax(x.float(), -1),
    "naive -(softmax * log_softmax).sum": lambda x: -(x.float().softmax(-1) * x.float().log_softmax(-1)).sum(-1),
}


def _kib(field: str) -> int:
    with open("/proc/self/status") as f:
        status = f.read()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1)) * 1024


def _make_logits(shape: tuple[int, int, int], method: str, device: str) -> torch.Tensor:
    dtype = torch.bfloat16 if "bf16" in method else torch.float32
    gen = torch.Generator(device="cpu").manual_seed(0)
    logits = torch.empty(shape, dtype=torch.float32)
    for b in range(shape[0]):  # fill row by row: no second full-size temporary
        logits[b] = torch.randn(shape[1:], generator=gen) * 4
    return logits.to(device=device, dtype=dtype)


def worker(method: str, shape: tuple[int, int, int], device: str) -> dict:
    logits = _make_logits(shape, method, device)
    fn = METHODS[method]
    if device == "cuda":
        fn(logits[:1])  # warm the CUDA context and kernels outside the measured window
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        start = time.perf_counter()
        out = fn(logits)
        torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        extra = torch.cuda.max_memory_allocated() - base
    else:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset the peak-RSS counter to the current RSS
        base = _kib("VmRSS")
        start = time.perf_counter()
        out = fn(logits)
        seconds = time.perf_counter() - start
        extra = _kib("VmHWM") - base
    del out
    return {"extra_bytes": extra, "seconds": seconds, "logits_bytes": logits.nbytes}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--positions", type=int, default=64)
    parser.add_argument("--vocab", type=int, default=150_000)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    shape = (args.batch, args.positions, args.vocab)
    if args.worker:
        print(json.dumps(worker(args.worker, shape, args.device)))
        return 0

    print(f"logits {list(shape)} on {args.device}; extra = peak memory during the call minus "
          f"memory before it ({'CUDA allocator' if args.device == 'cuda' else 'peak RSS, fresh process each'})")
    results = {}
    for method in METHODS:
        cmd = [sys.executable, __file__, "--worker", method, "--device", args.device,
               "--batch", str(args.batch), "--positions", str(args.positions),
               "--vocab", str(args.vocab)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{method}: worker failed\n{done.stderr}", file=sys.stderr)
            return 1
        results[method] = json.loads(done.stdout.strip().splitlines()[-1])
    baseline = results["naive log_softmax(logits.float())"]["extra_bytes"]
    print(f"{'method':38} {'logits MB':>10} {'extra MB':>10} {'vs log_softmax':>15} {'ms':>9}")
    for method, r in results.items():
        print(f"{method:38} {r['logits_bytes'] / 1e6:10.1f} {r['extra_bytes'] / 1e6:10.1f} "
              f"{r['extra_bytes'] / baseline:14.3f}x {r['seconds'] * 1e3:9.1f}")
    worst = max(results["token_entropy"]["extra_bytes"],
                results["token_entropy (bf16 logits)"]["extra_bytes"])
    verdict = "within" if worst < BUDGET else "OVER"
    print(f"token_entropy peak extra {worst / 2**20:.0f} MiB: {verdict} the 1 GiB budget")
    return 0 if worst < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
