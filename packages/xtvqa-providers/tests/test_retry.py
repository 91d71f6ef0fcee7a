"""Retries and bounded concurrency: the backoff, the judgement of failures (retry, fail the
item, stop the run), Retry-After, and `map_concurrently`. No server, no SDK.

Run: uv run pytest packages/xtvqa-providers/tests/test_retry.py -q
"""

from __future__ import annotations

import email.utils
import random
import threading
import time

import pytest
from xtvqa_providers.concurrent import map_concurrently
from xtvqa_providers.retry import (
    Failure,
    FatalAPIError,
    ItemError,
    Outcome,
    RetryPolicy,
    TransientAPIError,
    Verdict,
    is_transient,
    retry_after_seconds,
    with_retries,
)


def classify(exc: BaseException) -> Failure | None:
    """A client's judgement: PermissionError stands for a 401, the rest are bugs."""
    return Failure(Verdict.FATAL, hint="Fix it.") if isinstance(exc, PermissionError) else None


def busy() -> TransientAPIError:  # needs no judging: retried, here without a delay
    return TransientAPIError("busy", retry_after=0.0)


def test_backoff_doubles_with_equal_jitter_and_is_capped():
    policy = RetryPolicy(max_retries=10, base_delay=1.0, max_delay=8.0)
    rng = random.Random(0)
    for k, cap in enumerate([1.0, 2.0, 4.0, 8.0, 8.0, 8.0]):
        delays = [policy.delay(k, None, rng) for _ in range(200)]
        assert cap / 2 <= min(delays) and max(delays) <= cap
        assert max(delays) - min(delays) > cap / 4  # actually jittered
    assert policy.delay(0, 3.5, rng) == 3.5  # the server's Retry-After wins
    assert policy.delay(0, 100.0, rng) == 8.0  # but never beyond max_delay
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)


def test_with_retries_stops_after_max_retries():
    calls, retries = [], []

    def send() -> str:
        calls.append(1)
        raise busy()

    out = with_retries(send, policy=RetryPolicy(2, 0.0, 0.0), classify=classify,
                       scrub=str, label="item", on_retry=lambda: retries.append(1))
    assert len(calls) == 3 and len(retries) == 2
    assert out == Outcome(error="TransientAPIError: busy", attempts=3, gave_up=True)


def test_item_error_is_recorded_without_retry_and_unknown_errors_propagate():
    calls = []

    def refuse() -> str:
        calls.append(1)
        raise ItemError("no text")

    out = with_retries(refuse, policy=RetryPolicy(5), classify=classify, scrub=str, label="x")
    assert out == Outcome(error="ItemError: no text", attempts=1) and not out.gave_up
    assert calls == [1]
    with pytest.raises(ZeroDivisionError):  # a bug is not an API failure
        with_retries(lambda: 1 / 0, policy=RetryPolicy(5), classify=classify, scrub=str, label="x")
    assert with_retries(lambda: "a", policy=RetryPolicy(), classify=classify, scrub=str,
                        label="x") == Outcome(value="a", attempts=1)


def test_transient_error_waits_the_servers_delay_and_fatal_sets_stop():
    delays: list[float] = []
    tries = iter([TransientAPIError("HTTP 429", retry_after=2.5), None])

    def send() -> str:
        error = next(tries)
        if error:
            raise error
        return "ok"

    out = with_retries(send, policy=RetryPolicy(3), classify=classify, scrub=str, label="x",
                       sleep=delays.append)
    assert out.value == "ok" and out.attempts == 2 and delays == [2.5]

    stop = threading.Event()
    with pytest.raises(FatalAPIError, match=r"^x: PermissionError: 401 key sk-\*\*\*\. Fix it\.$") as info:
        with_retries(lambda: (_ for _ in ()).throw(PermissionError("401 key sk-secret")), policy=RetryPolicy(),
                     classify=classify, scrub=lambda t: t.replace("secret", "***"), label="x", stop=stop)
    assert stop.is_set() and info.value.__cause__ is None


def test_a_stopped_run_cancels_the_backoff():
    stop = threading.Event()
    threading.Timer(0.05, stop.set).start()
    start = time.monotonic()
    out = with_retries(lambda: (_ for _ in ()).throw(ConnectionResetError("reset")),
                       policy=RetryPolicy(5, 30.0, 30.0),
                       classify=lambda exc: Failure(Verdict.RETRY), scrub=str, label="x", stop=stop)
    assert time.monotonic() - start < 5
    assert out.error == "Cancelled: run stopped (ConnectionResetError: reset)" and out.gave_up


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < retry_after_seconds({"retry-after": date}) <= 31
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


@pytest.mark.parametrize(("error", "transient"), [
    (TransientAPIError("HTTP 503"), True), (TimeoutError(), True), (ConnectionResetError(), True),
    (type("ConnectError", (type("TransportError", (Exception,), {}),), {})("refused"), True),
    (type("RetryError", (Exception,), {})("gave up"), True),
    (type("E", (Exception,), {"status_code": 502})(), True),
    (type("E", (Exception,), {"code": 400})(), False), (ValueError("bad input"), False),
])
def test_is_transient(error, transient):
    assert is_transient(error) is transient


def test_map_concurrently_keeps_order_bounds_concurrency_and_reports_progress():
    in_flight, peak, lock, done = [0], [0], threading.Lock(), []

    def run(i: int) -> int:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.002 * (12 - i))  # finish out of order
        with lock:
            in_flight[0] -= 1
        return i * i

    out = map_concurrently(run, list(range(12)), max_concurrency=3,
                           on_done=lambda i, r: done.append((i, r)))
    assert out == [i * i for i in range(12)] and 2 <= peak[0] <= 3
    assert sorted(done) == [(i, i * i) for i in range(12)]
    assert map_concurrently(run, [], max_concurrency=2) == []
    with pytest.raises(ValueError):
        map_concurrently(run, [1], max_concurrency=0)


def test_fatal_error_stops_the_items_not_started():
    sent = []

    def run(i: int) -> str:
        sent.append(i)
        return with_retries(lambda: (_ for _ in ()).throw(PermissionError("401 bad key")),
                            policy=RetryPolicy(), classify=classify, scrub=str,
                            label=f"item {i}", stop=stop).error

    stop = threading.Event()
    with pytest.raises(FatalAPIError, match=r"item 0: PermissionError: 401 bad key\. Fix it\."):
        map_concurrently(run, list(range(50)), max_concurrency=1, stop=stop)
    assert sent == [0] and stop.is_set()
