"""The pieces the API backends share: the retry policy, the concurrent runner's failure rules,
secret scrubbing, Retry-After parsing and image encoding. No server, no SDK.

Run: uv run pytest packages/xtvqa-models/tests/test_api_common.py -q
"""

from __future__ import annotations

import email.utils
import io
import random
import threading
import time

import pytest
from PIL import Image
from xtvqa_models.backends._api_common import (
    SecretScrubber,
    encode_image,
    host_of,
    retry_after_seconds,
)
from xtvqa_models.backends._concurrent import (
    Failure,
    FatalAPIError,
    ItemError,
    RetryPolicy,
    Verdict,
    generate_concurrently,
    with_retries,
)
from xtvqa_models.base import Generation


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
    calls = []

    def send() -> Generation:
        calls.append(1)
        raise Transient("busy")

    out = with_retries(send, policy=RetryPolicy(2, 0.0, 0.0), classify=classify,
                       scrub=str, label="item")
    assert len(calls) == 3 and out.error == "Transient: busy" and out.meta == {"attempts": "3"}


def test_item_error_is_recorded_without_retry_and_unknown_errors_propagate():
    calls = []

    def refuse() -> Generation:
        calls.append(1)
        raise ItemError("no text")

    out = with_retries(refuse, policy=RetryPolicy(5), classify=classify, scrub=str, label="x")
    assert out == Generation("", error="ItemError: no text", meta={"attempts": "1"})
    assert calls == [1]
    with pytest.raises(ZeroDivisionError):  # a bug is not an API failure
        with_retries(lambda: 1 / 0, policy=RetryPolicy(5), classify=classify, scrub=str, label="x")


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


def test_scrubber_removes_the_secret_and_its_pieces():
    scrub = SecretScrubber("sk-proj-abcdefghijklmnop")
    assert scrub("key sk-proj-abcdefghijklmnop rejected") == "key *** rejected"
    assert "ijklmnop" not in scrub("Incorrect API key provided: sk-proj-****ijklmnop")
    assert scrub("nothing secret here") == "nothing secret here"
    assert SecretScrubber(None)("text") == "text"
    assert "abcdef" not in repr(scrub)


def test_retry_after_forms():
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 < retry_after_seconds({"retry-after": date}) <= 31
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None and retry_after_seconds(None) is None


def test_host_of_drops_credentials_path_and_query():
    assert host_of("https://user:pw@api.example.com:8443/v1?key=s") == "api.example.com:8443"
    assert host_of("https://api.openai.com/v1") == "api.openai.com"
    assert host_of(None) == ""


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK", "I;16"])
def test_encode_image_round_trips_every_mode(mode):
    image = Image.new("RGB", (7, 5), (10, 200, 30)).convert(mode)
    for fmt, mime in [("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        data, got_mime = encode_image(image, fmt)
        decoded = Image.open(io.BytesIO(data))
        assert got_mime == mime and decoded.size == (7, 5) and decoded.format == fmt
    with pytest.raises(ValueError, match="not supported"):
        encode_image(image, "BMP")
