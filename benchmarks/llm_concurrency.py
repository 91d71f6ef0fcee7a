"""LLM stage throughput: requests/s with bounded concurrency against a server answering in 200 ms.

Runs the real client stack (openai SDK -> HTTP -> `FakeLLMServer` on 127.0.0.1, JSON validation,
the SQLite response cache) twice in this run: the baseline with one request in flight, then
with `--concurrency` (issue 7 target at 16: >= 60 requests/s; the ideal is concurrency / 0.2 s).
Every request is distinct, so nothing is served from the cache.

Run: uv run python benchmarks/llm_concurrency.py [--concurrency 16] [--requests 480] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from xtvqa_build import LLMRequest, ResponseCache, load_llm
from xtvqa_build.fake_server import FakeLLMServer, FakeReply
from xtvqa_build.prompts import Answer


def throughput(base_url: str, cache_path: Path, concurrency: int, n: int, tag: str) -> float:
    llm = load_llm("openai:fake", base_url=base_url, cache=ResponseCache(cache_path), concurrency=concurrency)
    requests = [LLMRequest(f"{tag} question {i}", Answer, stage="bench") for i in range(n)]
    start = time.perf_counter()
    results = llm.map(requests)
    elapsed = time.perf_counter() - start
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    llm.cache.close()
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=480)
    parser.add_argument("--latency", type=float, default=0.2, help="server reply delay in seconds")
    args = parser.parse_args()
    reply = json.dumps({"answer": "42", "confidence": 9})
    with FakeLLMServer(lambda request: FakeReply(reply, delay_s=args.latency)) as server, \
            tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache.sqlite"
        base = throughput(server.openai_base_url, cache, 1, max(10, args.requests // args.concurrency), "seq")
        fast = throughput(server.openai_base_url, cache, args.concurrency, args.requests, "par")
    ideal = args.concurrency / args.latency
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; server latency {args.latency * 1000:.0f} ms")
    print(f"baseline, 1 in flight:        {base:7.1f} requests/s")
    print(f"concurrency {args.concurrency:<18d}{fast:7.1f} requests/s "
          f"({fast / ideal:.0%} of the ideal {ideal:.0f})")
    print(f"ratio: {fast / base:.1f}x; target >= 60 requests/s: {'met' if fast >= 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
