"""How a failed request is judged and retried, for every client of every provider.

- transient failures (429, 408, 409, 5xx, timeouts, connection errors) are retried with
  exponential backoff and jitter, or after the delay the server asks for, at most `max_retries`
  times;
- a failure of one request (400, a refused or empty answer, retries used up) comes back as an
  `Outcome` with `error` set, for the caller to record in that item's place;
- a failure every request would share (401/403: the key; 404: the model or the base URL) raises
  `FatalAPIError` and sets the run's `stop` event, instead of failing thousands of items one by
  one.

The retries are ours, not the SDKs': both SDKs are built with theirs off (openai `max_retries=0`,
google-genai `HttpRetryOptions(attempts=1)`), so that one policy covers both providers,
attempts are counted, a fatal error stops other threads' backoff at once, and tests can make
the delays tiny.
"""

from __future__ import annotations

import email.utils
import enum
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


class Verdict(enum.Enum):
    RETRY = "retry"  # transient: try the same request again after a delay
    FAIL_ITEM = "fail_item"  # this request cannot succeed: record the error, go on
    FATAL = "fatal"  # no request can succeed: stop the run


@dataclass(frozen=True)
class Failure:
    """How a client judges one exception. `retry_after` is the delay the server asked for (s)."""

    verdict: Verdict
    retry_after: float | None = None
    hint: str = ""  # for FATAL: what the user should check


class TransientAPIError(RuntimeError):
    """A failure worth retrying (429, 5xx, timeout, dropped connection)."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class ItemError(RuntimeError):
    """This one request cannot succeed (a rejected request, an answer with no text, a refusal):
    recorded for the item, not retried."""


class FatalAPIError(RuntimeError):
    """Every remaining request would fail the same way (bad key, unknown model): the run stops."""


# HTTP statuses worth retrying, besides every server error: request timeout, conflict (a lock,
# Google's ABORTED, retryable as AIP-194 says) and rate limit; the SDKs retry the same set.
RETRY_STATUSES = frozenset({408, 409, 429})


def is_retryable_status(status: int | None) -> bool:
    """Whether an HTTP status is worth retrying: 408, 409, 429 or any 5xx."""
    return status is not None and (status in RETRY_STATUSES or status >= 500)


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The delay a server asks for (`retry-after-ms`, `retry-after` in seconds or an HTTP date).

    `headers` is any case-insensitive mapping (httpx's `Headers`). None when absent or unreadable.
    """
    if not headers or not hasattr(headers, "get"):
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


# Timeouts and dropped connections of the HTTP libraries under the SDKs, by class name so that
# none has to be imported here: httpx's and httpx2's `TimeoutException` and `TransportError`
# (ConnectError, RemoteProtocolError, ReadError, ... derive from it).
_TRANSPORT_NAMES = frozenset({"TimeoutException", "TransportError", "ConnectError", "RemoteProtocolError"})


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_transport_error(exc: BaseException) -> bool:
    """A timeout or connection failure of httpx / httpx2 (what the SDKs send with)."""
    return bool(_TRANSPORT_NAMES & _class_names(exc))


def is_transient(exc: BaseException) -> bool:
    """Whether a failure may go away on its own, so that a later run should try again.

    True for `TransientAPIError`, timeouts and dropped connections (`TimeoutError`,
    `ConnectionError`, httpx's), google-api-core's exhausted retries (`RetryError`), and any
    exception carrying an HTTP status (`code` or `status_code`, as google-api-core's
    `ServiceUnavailable` / `TooManyRequests` and the SDKs' status errors do) of 408, 409, 429 or
    5xx. Everything else (bad input, a rejected request, a model error) is permanent: retrying
    the same request gives the same failure.
    """
    if isinstance(exc, (TransientAPIError, TimeoutError, ConnectionError)):
        return True
    if is_transport_error(exc) or "RetryError" in _class_names(exc):
        return True
    for attr in ("status_code", "code"):
        code = getattr(exc, attr, None)
        if isinstance(code, int) and not isinstance(code, bool):  # HTTPStatus is an int too
            return is_retryable_status(code)
    return False


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


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What `with_retries` got: `value`, or `error` ("<type>: <message>", scrubbed)."""

    value: T | None = None
    error: str | None = None
    attempts: int = 1
    gave_up: bool = False  # the error was transient: retries ran out, or the run stopped


def _judge(exc: Exception, classify: Callable[[BaseException], Failure | None]) -> Failure | None:
    if isinstance(exc, ItemError):
        return Failure(Verdict.FAIL_ITEM)
    if isinstance(exc, TransientAPIError):
        return Failure(Verdict.RETRY, exc.retry_after)
    return classify(exc)


def with_retries(
    send: Callable[[], T],
    *,
    policy: RetryPolicy,
    classify: Callable[[BaseException], Failure | None],
    scrub: Callable[[str], str],
    label: str,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
    sleep: Callable[[float], object] | None = None,
    on_retry: Callable[[], object] | None = None,
    log: logging.Logger | None = None,
) -> Outcome[T]:
    """`send()` retried under `policy`. `classify` judges the exceptions besides `ItemError`
    (FAIL_ITEM) and `TransientAPIError` (RETRY); a FATAL verdict sets `stop` and raises
    `FatalAPIError` (a `FatalAPIError` raised by `send` is re-raised as it is), and exceptions
    that `classify` does not recognise (None) are re-raised: those are bugs, not API failures.

    The wait before a retry is `stop.wait(delay)`, so a fatal error elsewhere ends it at once;
    `sleep` replaces it (tests record the delays). `on_retry` is called before each retry.
    """
    stop = stop or threading.Event()
    rng = rng or random.Random()
    attempts = 0
    while True:
        attempts += 1
        try:
            value = send()
        except FatalAPIError:
            stop.set()
            raise
        except Exception as exc:
            failure = _judge(exc, classify)
            if failure is None:
                raise
            message = scrub(f"{type(exc).__name__}: {exc}")
            if failure.verdict is Verdict.FATAL:
                stop.set()  # before raising, so no thread of this pool starts another request
                # `from None`: the SDK exception's own text may hold what `scrub` removed.
                raise FatalAPIError(f"{label}: {message}. {failure.hint}".strip()) from None
            transient = failure.verdict is Verdict.RETRY
            if not (transient and attempts <= policy.max_retries) or stop.is_set():
                if log is not None:
                    log.warning("%s failed after %d attempt(s): %s", label, attempts, message)
                return Outcome(error=message, attempts=attempts, gave_up=transient)
            delay = policy.delay(attempts - 1, failure.retry_after, rng)
            if log is not None:
                log.info("%s: %s; retry %d/%d in %.2fs", label, message, attempts,
                         policy.max_retries, delay)
            if on_retry is not None:
                on_retry()
            if sleep is not None:
                sleep(delay)
            if stop.is_set() if sleep is not None else stop.wait(delay):
                # another request hit a fatal error while we waited
                return Outcome(error=f"Cancelled: run stopped ({message})", attempts=attempts,
                               gave_up=True)
        else:
            return Outcome(value=value, attempts=attempts)
