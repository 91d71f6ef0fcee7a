"""LLM clients against the fake HTTP server: validation, quarantine, retries, cache, usage.

Both real SDK backends (openai, google-genai) talk HTTP to `FakeLLMServer` on 127.0.0.1.
Run: uv run pytest packages/xtvqa-build/tests/test_llm.py -q
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from xtvqa_build import LLMConfigError, LLMFailure, LLMRequest, ResponseCache, load_llm, parse_spec
from xtvqa_build.fake_server import FakeReply
from xtvqa_build.llm import parse_json_reply
from xtvqa_build.prompts import Answer, QAPairs, YesNoPairs
from xtvqa_build.specs import LLM_BACKENDS

GOOD = json.dumps({"answer": "42", "confidence": 9})


def scripted(*replies):
    """Responder answering the scripted replies in order, then GOOD forever."""
    queue = list(replies)
    lock = threading.Lock()

    def responder(request):
        with lock:
            return queue.pop(0) if queue else GOOD

    return responder


def client(server, backend="openai", **kwargs):
    url = server.openai_base_url if backend == "openai" else server.gemini_base_url
    delays: list[float] = []
    kwargs.setdefault("sleep", delays.append)  # record backoff instead of sleeping
    llm = load_llm(f"{backend}:fake-model", base_url=url, **kwargs)
    llm.delays = delays
    return llm


@pytest.mark.parametrize(("text", "problem"), [
    ("Sure! The answer is 42.", "not valid JSON"),
    ('{"answer": "42"}', "confidence: Field required"),
    ('{"answer": "42", "confidence": 11}', "confidence: Input should be less than or equal to 10"),
    ('{"answer": "42", "confidence": 0}', "greater than or equal to 1"),
    ('Here: {"answer": "42", "confidence": 9}', "not valid JSON"),
])
def test_malformed_replies_are_named(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_json_reply(text, Answer)


def test_fenced_json_and_yes_no_validation():
    assert parse_json_reply('```json\n{"answer": "x", "confidence": 7}\n```', Answer) == {"answer": "x", "confidence": 7}
    with pytest.raises(ValueError, match="yes/no"):
        parse_json_reply('{"pairs": [{"question": "q?", "answer": "maybe", "confidence": 8}]}', YesNoPairs)
    assert parse_json_reply('{"pairs": []}', QAPairs) == {"pairs": []}


@pytest.mark.parametrize("backend", ["openai", "gemini"])
def test_retries_429_500_and_a_malformed_reply(fake_server, backend, tmp_path):
    server = fake_server(scripted(FakeReply(status=429, headers={"Retry-After": "2"}), FakeReply(status=500),
                                  '{"answer": "42", "confidence": 11}'))
    llm = client(server, backend, cache=ResponseCache(tmp_path / "c.sqlite"), max_retries=3)
    assert llm.complete_json("What is the answer?", Answer, stage="s") == {"answer": "42", "confidence": 9}
    assert server.hits == 4  # 429, 500, out-of-range confidence, good
    assert llm.delays[0] >= 2.0  # Retry-After honoured
    usage = llm.usage.as_dict()["s"]
    assert (usage["retries"], usage["format_retries"], usage["calls"], usage["quarantined"]) == (2, 1, 2, 0)
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    # The re-ask carries the reason, so a deterministic model can change its answer.
    assert "rejected" in server.requests[-1].prompt and "less than or equal to 10" in server.requests[-1].prompt


@pytest.mark.parametrize("backend", ["openai", "gemini"])
def test_rerun_replays_from_cache_without_requests(fake_server, backend, tmp_path):
    server = fake_server(scripted("not json at all"))
    cache_path = tmp_path / "c.sqlite"
    first = client(server, backend, cache=ResponseCache(cache_path))
    assert first.complete_json("Q", Answer)["answer"] == "42"
    assert server.hits == 2
    second = client(server, backend, cache=ResponseCache(cache_path))
    assert second.complete_json("Q", Answer)["answer"] == "42"
    assert server.hits == 2  # both attempts (malformed, then good) came from the cache
    assert second.usage.as_dict()["default"]["cached"] == 2


def test_always_malformed_is_quarantined_with_raw_text(fake_server):
    server = fake_server(lambda request: "I cannot answer that.")
    llm = client(server, format_retries=2)
    with pytest.raises(LLMFailure) as info:
        llm.complete_json("Q", Answer)
    assert info.value.quarantine.kind == "malformed"
    assert info.value.quarantine.raw == "I cannot answer that."
    assert "not valid JSON" in info.value.quarantine.reason
    assert server.hits == 3


def test_error_storm_gives_up_after_bounded_retries(fake_server):
    server = fake_server(lambda request: FakeReply(status=503))
    llm = client(server, max_retries=4, backoff_s=1.0, max_backoff_s=3.0)
    result = llm.try_complete_json(LLMRequest("Q", Answer))
    assert not result.ok and result.error.kind == "api_error" and "503" in result.error.reason
    assert server.hits == 5
    assert len(llm.delays) == 4 and max(llm.delays) <= 3.0  # capped exponential backoff
    assert llm.delays[1] > llm.delays[0] * 0.9 or llm.delays[1] >= 1.0


def test_slow_reply_times_out_and_is_retried(fake_server):
    server = fake_server(scripted(FakeReply(GOOD, delay_s=1.5)))
    llm = client(server, timeout_s=0.3, max_retries=2)
    assert llm.complete_json("Q", Answer)["answer"] == "42"
    assert llm.usage.as_dict()["default"]["retries"] == 1


def test_auth_error_aborts_instead_of_quarantining(fake_server):
    server = fake_server(lambda request: FakeReply(status=401))
    with pytest.raises(LLMConfigError, match="401"):
        client(server).complete_json("Q", Answer)


def test_bad_request_is_quarantined_as_rejected(fake_server):
    server = fake_server(lambda request: FakeReply(status=400))
    result = client(server).try_complete_json(LLMRequest("Q", Answer))
    assert result.error.kind == "rejected" and server.hits == 1


def test_map_keeps_order_and_bounds_concurrency(fake_server):
    in_flight, peak, lock = [0], [0], threading.Lock()

    def responder(request):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return json.dumps({"answer": request.prompt, "confidence": 8})

    server = fake_server(responder)
    llm = client(server, concurrency=3)
    done = []
    results = llm.map([LLMRequest(f"q{i}", Answer) for i in range(12)], on_done=lambda i, r: done.append(i))
    assert [r.value["answer"] for r in results] == [f"q{i}" for i in range(12)]
    assert sorted(done) == list(range(12))
    assert 2 <= peak[0] <= 3


def test_api_key_never_reaches_cache(fake_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-123")
    server = fake_server(scripted())
    cache_path = tmp_path / "c.sqlite"
    llm = load_llm("openai:m", base_url=server.openai_base_url, cache=ResponseCache(cache_path))
    llm.complete_json("Q", Answer)
    llm.cache.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"SECRET" not in stored
    assert server.hits == 1


def test_missing_key_without_base_url_is_a_config_error():
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        load_llm("openai:gpt-4o-mini")
    with pytest.raises(LLMConfigError, match="GEMINI_API_KEY"):
        load_llm("gemini:gemini-2.0-flash")


def test_spec_parsing():
    assert parse_spec("openai:qwen2.5:7b", LLM_BACKENDS) == ("openai", "qwen2.5:7b")
    with pytest.raises(ValueError, match="did you mean openai"):
        parse_spec("opnai:x", LLM_BACKENDS)
    with pytest.raises(ValueError, match="provider:model"):
        parse_spec("gpt-4o", LLM_BACKENDS)


def test_images_are_sent_and_keyed_by_pixels(fake_server, tmp_path):
    from PIL import Image

    server = fake_server(scripted())
    llm = client(server, cache=ResponseCache(tmp_path / "c.sqlite"))
    red, blue = Image.new("RGB", (8, 8), "red"), Image.new("RGB", (8, 8), "blue")
    llm.complete_json("Q", Answer, images=[red])
    assert server.requests[-1].n_images == 1
    llm.complete_json("Q", Answer, images=[red.copy()])  # same pixels: cached
    assert server.hits == 1
    llm.complete_json("Q", Answer, images=[blue])
    assert server.hits == 2
