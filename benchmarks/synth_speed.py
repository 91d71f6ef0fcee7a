"""Images per second of the procedural generator (`xtvqa_data.synth`), per scenario and mixed.

Issue 2 requires >= 20 images/s on the project's 2-core machine. Printed: wall-clock and
CPU-time rates (the CPU rate does not depend on what else the shared machine runs), the ratio to
the 20 images/s target, and the ratio of the chart scenario with reused matplotlib figures (what
the generator does) to a baseline measured in the same run that builds a fresh Figure and Axes
for every chart (the usual `plt.figure()` per plot).

Run: uv run python benchmarks/synth_speed.py [--n 200] [--workers 1]
"""

from __future__ import annotations

import argparse
import os
import time

from xtvqa_data.synth import SCENARIOS, charts, generate

TARGET = 20.0  # images/s, issue 2


def rate(n: int, **kwargs) -> tuple[float, float]:
    """(wall images/s, CPU images/s) for generating n records with `generate(**kwargs)`."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in generate(n, **kwargs):
        pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return n / wall, n / max(cpu, 1e-9)


class FreshFigures:
    """Baseline: forget the cached figure before every chart, so each chart builds a new one."""

    def __enter__(self):
        self.original = charts._figure

        def fresh(variant: str, size: int):
            self.original.cache_clear()
            return self.original(variant, size)

        charts._figure = fresh
        return self

    def __exit__(self, *exc):
        charts._figure = self.original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="records in the mixed run (per scenario: n / 2)")
    parser.add_argument("--workers", type=int, default=1, help="processes for the mixed run")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    rate(12, seed=99)  # warm-up: font file, matplotlib font cache, first figures
    print(f"{'scenario':<10} {'wall img/s':>11} {'cpu img/s':>10}")
    per = max(8, args.n // 2)
    for scenario in SCENARIOS:
        wall, cpu = rate(per, seed=1, scenarios=(scenario,))
        print(f"{scenario:<10} {wall:>11.1f} {cpu:>10.1f}")
    with FreshFigures():
        base_wall, base_cpu = rate(per, seed=1, scenarios=("chart",))
    reuse_wall, reuse_cpu = rate(per, seed=1, scenarios=("chart",))
    print(f"{'chart, fresh figure each (baseline)':<36} {base_wall:>8.1f} {base_cpu:>10.1f}")
    print(f"{'chart, reused figures':<36} {reuse_wall:>8.1f} {reuse_cpu:>10.1f}")
    print(f"figure reuse speed-up (CPU): {reuse_cpu / base_cpu:.2f}x")
    wall, cpu = rate(args.n, seed=0, workers=args.workers)
    print(f"mixed, {args.n} records, workers={args.workers}: {wall:.1f} images/s wall, {cpu:.1f} images/s CPU "
          f"(main process)")
    print(f"ratio to the {TARGET:.0f} images/s target: {wall / TARGET:.2f}x wall")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
