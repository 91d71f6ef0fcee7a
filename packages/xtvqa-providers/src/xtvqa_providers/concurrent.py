"""One request per item, at most `max_concurrency` at once, in threads (the SDK clients are
synchronous and thread-safe)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_SKIPPED = object()


def map_concurrently(
    run: Callable[[T], R],
    items: Sequence[T],
    *,
    max_concurrency: int,
    stop: threading.Event | None = None,
    on_done: Callable[[int, R], object] | None = None,
    thread_name_prefix: str = "xtvqa-api",
) -> list[R]:
    """`[run(item) for item in items]`, at most `max_concurrency` calls at once, in order.

    `on_done(index, result)` is called from the caller's thread as each finishes (progress bars,
    appending to a file). The first exception that a call raises (a `FatalAPIError`, a bug, or
    KeyboardInterrupt in the caller) sets `stop` (pass the event `run` retries under, so that
    calls sleeping in backoff wake up), cancels the calls not yet started, waits for the
    running ones and is raised: no request is left queued behind it.
    """
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
    if not items:
        return []
    stop = stop or threading.Event()
    results: list = [_SKIPPED] * len(items)

    def run_one(index: int) -> object:
        if stop.is_set():  # a fatal error elsewhere: do not start another request
            return _SKIPPED
        return run(items[index])

    pool = ThreadPoolExecutor(max_workers=min(max_concurrency, len(items)),
                              thread_name_prefix=thread_name_prefix)
    try:
        futures = {pool.submit(run_one, i): i for i in range(len(items))}
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_done is not None and results[index] is not _SKIPPED:
                on_done(index, results[index])
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    skipped = [i for i, result in enumerate(results) if result is _SKIPPED]
    if skipped:  # `stop` set by a call that did not raise: never return a short list
        raise RuntimeError(f"the run was stopped; no result for items {skipped[:5]}")
    return results
