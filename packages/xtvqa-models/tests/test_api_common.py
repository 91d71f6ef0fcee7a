"""`generate_concurrently`, the API backends' runner over xtvqa-providers: one `Generation` per
item, in order, failures in their items' places, a fatal error stopping the run. No server, no
SDK (the provider layer's own tests: packages/xtvqa-providers/tests).

Run: uv run pytest packages/xtvqa-models/tests/test_api_common.py -q
"""

from __future__ import annotations

import threading
import time

import pytest
from xtvqa_models.backends._api import generate_concurrently
from xtvqa_models.base import Generation
from xtvqa_providers import Failure, FatalAPIError, RetryPolicy, Verdict


class Transient(Exception):
    pass


class Fatal(Exception):
    pass


def classify(exc: BaseException) -> Failure | None:
    if isinstance(exc, Transient):
        return Failure(Verdict.RETRY, retry_after=0.0)
    if isinstance(exc, Fatal):
        return Failure(Verdict.FATAL, hint="Fix it.")
    return None


def test_generate_concurrently_keeps_order_and_isolates_failures():
    items = list(range(12))
    attempts: dict[int, int] = {}
    lock = threading.Lock()

    def send(i: int) -> Generation:
        with lock:
            attempts[i] = attempts.get(i, 0) + 1
        time.sleep(0.002 * (12 - i))  # finish out of order
        if i == 3:
            raise Transient("always")
        if i == 5 and attempts[i] == 1:
            raise Transient("once")
        return Generation(text=f"a{i}")

    out = generate_concurrently(items, prepare=lambda i: i, send=send, max_concurrency=4,
                                policy=RetryPolicy(2, 0.0, 0.0), classify=classify, scrub=str,
                                label=str)
    assert [g.text for g in out] == [f"a{i}" if i != 3 else "" for i in items]
    assert out[3].error == "Transient: always" and attempts[3] == 3
    assert out[5].meta["attempts"] == "2"
    assert generate_concurrently([], prepare=int, send=send, max_concurrency=2,
                                 policy=RetryPolicy(), classify=classify, scrub=str,
                                 label=str) == []


def test_bad_input_fails_its_item_and_fatal_stops_the_run():
    def prepare(i: int) -> int:
        if i == 1:
            raise OSError("cannot encode image")
        return i

    out = generate_concurrently([0, 1, 2], prepare=prepare, send=lambda i: Generation(str(i)),
                                max_concurrency=2, policy=RetryPolicy(), classify=classify,
                                scrub=str, label=str)
    assert [g.error for g in out] == [None, "OSError: cannot encode image", None]

    sent = []

    def send(i: int) -> Generation:
        sent.append(i)
        raise Fatal("401 bad key")

    with pytest.raises(FatalAPIError, match=r"item 0: Fatal: 401 bad key\. Fix it\."):
        generate_concurrently(list(range(50)), prepare=int, send=send, max_concurrency=1,
                              policy=RetryPolicy(), classify=classify, scrub=str,
                              label=lambda i: f"item {i}")
    assert sent == [0]
