"""One API request per item, at most `max_concurrency` at once, retried with backoff: the part
that the OpenAI-compatible and Gemini backends share.

The backends differ only in how a request is built and an answer read; how failures are
handled must be the same for both (issue 3, "Reliability and bad input"):
- transient failures (429, 408, 5xx, timeouts, connection errors) are retried with exponential
  backoff and jitter, or after the delay the server asks for, at most `max_retries` times;
- a failure of one item (400, a refused or empty answer, retries used up) becomes
  `Generation(text="", error="<type>: <message>")` in that item's place: never dropped, and
  never raised for the whole batch;
- a failure every item would share (401/403: the key; 404: the model or the base URL) stops the
  whole run at once with `FatalAPIError`, instead of failing thousands of items one by one.

The retries are ours, not the SDKs': both SDKs are built with theirs off (openai
`max_retries=0`; google-genai retries only when given `HttpRetryOptions`, which we leave unset),
so that one policy covers both backends, attempts are counted in `Generation.meta`, a fatal
error stops other threads' backoff at once, and tests can make the delays tiny.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TypeVar

from ..base import Generation

log = logging.getLogger("xtvqa_models.backends")
T = TypeVar("T")
P = TypeVar("P")


class Verdict(enum.Enum):
    RETRY = "retry"  # transient: try the same request again after a delay
    FAIL_ITEM = "fail_item"  # this request cannot succeed: record the error, go on
    FATAL = "fatal"  # no request can succeed: stop the run


@dataclass(frozen=True)
class Failure:
    """How a backend judges one exception. `retry_after` is the delay the server asked for (s)."""

    verdict: Verdict
    retry_after: float | None = None
    hint: str = ""  # for FATAL: what the user should check


# HTTP statuses worth retrying, for both backends: request timeout, conflict (a lock or an
# aborted transaction), rate limit, and every server error (the SDKs retry the same set).
RETRY_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    return status in RETRY_STATUSES or status >= 500


class ItemError(Exception):
    """Raised by a backend for an answer that is unusable but not an API error (no text, a
    refusal): recorded for the item, not retried."""


class FatalAPIError(RuntimeError):
    """Every remaining item would fail the same way (bad key, unknown model): the run stops."""


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_retries` retries after the first attempt; the k-th retry waits
    `min(max_delay, base_delay * 2**k)`, of which the upper half is random ("equal jitter", AWS
    Architecture Blog, "Exponential Backoff and Jitter"), or the server's delay if it gave one."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0

    def __post_init__(self) -> None:
        if self.max_retries < 0 or self.base_delay < 0 or self.max_delay < 0:
            raise ValueError(f"RetryPolicy fields must be >= 0, got {self}")

    def delay(self, retry_index: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        cap = min(self.max_delay, self.base_delay * 2.0**retry_index)
        return cap / 2 + rng.uniform(0.0, cap / 2)


def with_retries(
    send: Callable[[], Generation],
    *,
    policy: RetryPolicy,
    classify: Callable[[BaseException], Failure | None],
    scrub: Callable[[str], str],
    label: str,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> Generation:
    """`send()` retried under `policy`; an item-level failure comes back as a `Generation` with
    `error` set. Raises `FatalAPIError` for a FATAL verdict, and re-raises exceptions that
    `classify` does not recognise (None): those are bugs, not API failures."""
    stop = stop or threading.Event()
    rng = rng or random.Random()
    attempts = 0
    while True:
        attempts += 1
        try:
            generation = send()
        except Exception as exc:
            failure = Failure(Verdict.FAIL_ITEM) if isinstance(exc, ItemError) else classify(exc)
            if failure is None:
                raise
            message = scrub(f"{type(exc).__name__}: {exc}")
            if failure.verdict is Verdict.FATAL:
                stop.set()  # before raising, so no thread of this pool starts another request
                # `from None`: the SDK exception's own text may hold what `scrub` removed.
                raise FatalAPIError(f"{label}: {message}. {failure.hint}".strip()) from None
            retries_left = failure.verdict is Verdict.RETRY and attempts <= policy.max_retries
            if not retries_left or stop.is_set():
                log.warning("%s failed after %d attempt(s): %s", label, attempts, message)
                return Generation(text="", error=message, meta={"attempts": str(attempts)})
            delay = policy.delay(attempts - 1, failure.retry_after, rng)
            log.info("%s: %s; retry %d/%d in %.2fs", label, message, attempts,
                     policy.max_retries, delay)
            if stop.wait(delay):  # another item hit a fatal error while we waited
                return Generation(text="", error=f"Cancelled: run stopped ({message})",
                                  meta={"attempts": str(attempts)})
        else:
            return replace(generation, meta={**generation.meta, "attempts": str(attempts)})


def generate_concurrently(
    items: Sequence[T],
    *,
    prepare: Callable[[T], P],
    send: Callable[[P], Generation],
    max_concurrency: int,
    policy: RetryPolicy,
    classify: Callable[[BaseException], Failure | None],
    scrub: Callable[[str], str],
    label: Callable[[T], str],
) -> list[Generation]:
    """One `Generation` per item, in order. `prepare(item)` builds the request payload once (an
    item whose image cannot be encoded fails alone); `send(payload)` is retried; at most
    `max_concurrency` requests are in flight. A `FatalAPIError` cancels what has not started."""
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
    stop = threading.Event()
    results: list[Generation | None] = [None] * len(items)

    def run_one(index: int) -> None:
        item = items[index]
        if stop.is_set():
            return
        try:
            payload = prepare(item)
        except (OSError, ValueError) as exc:  # PIL cannot encode the image, an unknown format
            results[index] = Generation(text="", error=scrub(f"{type(exc).__name__}: {exc}"))
            return
        results[index] = with_retries(
            lambda: send(payload), policy=policy, classify=classify, scrub=scrub,
            label=label(item), stop=stop,
        )

    if not items:
        return []
    pool = ThreadPoolExecutor(max_workers=min(max_concurrency, len(items)),
                              thread_name_prefix="xtvqa-api")
    try:
        futures = [pool.submit(run_one, i) for i in range(len(items))]
        wait(futures, return_when=FIRST_EXCEPTION)
        for future in futures:
            if future.done() and future.exception() is not None:
                raise future.exception()  # FatalAPIError, or a bug in a backend
    except BaseException:  # KeyboardInterrupt too: do not leave requests queued behind us
        stop.set()  # wake threads sleeping in backoff; skip items not yet started
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    missing = [i for i, g in enumerate(results) if g is None]
    if missing:  # cannot happen without an exception above; never return a short list
        raise RuntimeError(f"internal error: no result for items {missing[:5]}")
    return results  # type: ignore[return-value]
