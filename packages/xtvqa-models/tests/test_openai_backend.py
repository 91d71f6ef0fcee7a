"""The `openai:` backend against a fake OpenAI-compatible server on 127.0.0.1 (no network).

The real `openai` SDK sends real HTTP to `_fake_api_server.FakeAPIServer`, which checks each
request's shape and answers from a per-item script (429, 5xx, slow replies, 401, 404, ...).

Run: uv run pytest packages/xtvqa-models/tests/test_openai_backend.py -q
"""

from __future__ import annotations

import logging
import sys

import pytest
from _fake_api_server import FakeAPIServer, Reply, Script, decode_png, make_items, question_id
from xtvqa_models.backends.openai_compat import OpenAIModel
from xtvqa_models.prompts import PromptConfig
from xtvqa_providers import FatalAPIError

KEY = "sk-test-7f3a9c1e5b2d8f4a6c0e"
MODEL = "fake-vlm"


def ok(qid: str) -> Reply:
    return Reply(body={
        "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": MODEL,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": f" answer {qid} "}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
    })


def error(status: int, message: str, *, code: str | None = None, **headers: str) -> Reply:
    return Reply(status, {"error": {"message": message, "type": "error", "code": code}},
                 {k.replace("_", "-"): v for k, v in headers.items()})


def openai_handler(script: Script, items, server_ref: list, *, max_new_tokens: int = 16):
    """Checks each request's shape like a strict server would, then replies from `script`."""
    prompts = PromptConfig()
    by_qid = {question_id(item.question): item for item in items}

    def handle(path: str, headers: dict[str, str], body: dict) -> Reply:
        problems = server_ref[0].problems
        if headers.get("authorization") != f"Bearer {KEY}":
            # Like api.openai.com, echo (part of) the key that was sent.
            return error(401, f"Incorrect API key provided: {headers.get('authorization')}",
                         code="invalid_api_key")
        if path != "/v1/chat/completions":
            problems.append(f"path {path}")
        (message,) = body["messages"]
        image_part, text_part = message["content"]
        item = by_qid[question_id(text_part["text"])]
        url = image_part["image_url"]["url"]
        prefix = "data:image/png;base64,"
        image = decode_png(url[len(prefix):]) if url.startswith(prefix) else None
        for ok_, what in [
            (body["model"] == MODEL, f"model {body['model']}"),
            (message["role"] == "user", "role"),
            (image_part["type"] == "image_url" and image is not None, "image part"),
            (image is not None and image.format == "PNG" and image.size == item.image.size,
             f"image of {item.key}"),
            (text_part == {"type": "text", "text": prompts.text(item)}, f"text {text_part}"),
            (body.get("max_tokens") == max_new_tokens, f"max_tokens {body.get('max_tokens')}"),
            (body.get("temperature") == 0.0, "temperature"),
        ]:
            if not ok_:
                problems.append(what)
        return script.next(question_id(text_part["text"]))

    return handle


@pytest.fixture
def items():
    return make_items(3)  # 6 items, Q0..Q5


@pytest.fixture
def serve(monkeypatch, items):
    """`serve(script, **model_options)` -> (server, model) with the key in the environment."""
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    servers = []

    def start(script: Script, *, min_delay: float = 0.0, **options):
        ref: list = []
        server = FakeAPIServer(openai_handler(script, items, ref), min_delay=min_delay)
        ref.append(server)
        servers.append(server.__enter__())
        options = {"max_retries": 3, "retry_base_delay": 0.001, "timeout": 5.0, **options}
        model = OpenAIModel(MODEL, base_url=f"{server.url}/v1", **options)
        return server, model

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.parametrize("max_concurrency", [1, 3])
def test_answers_in_order_with_bounded_concurrency(serve, items, max_concurrency):
    server, model = serve(Script(ok), min_delay=0.05, max_concurrency=max_concurrency)
    out = model.generate(items, max_new_tokens=16)
    assert [g.text for g in out] == [f"answer Q{i}" for i in range(6)]
    assert all(g.ok and g.n_tokens == 3 and g.meta["attempts"] == "1" for g in out)
    assert server.problems == []
    assert len(server.requests) == 6
    assert server.max_in_flight <= max_concurrency
    if max_concurrency > 1:
        assert server.max_in_flight > 1


def test_429_with_retry_after_then_success(serve, items, caplog):
    caplog.set_level(logging.INFO, logger="xtvqa_models.backends")
    script = Script(ok)
    script["Q2"] = [error(429, "rate limited", retry_after="0"), ok("Q2")]
    server, model = serve(script, retry_base_delay=0.5)  # our backoff would wait >= 0.25 s
    out = model.generate(items, max_new_tokens=16)
    assert out[2].text == "answer Q2" and out[2].meta["attempts"] == "2"
    assert script.calls["Q2"] == 2 and server.problems == []
    assert "retry 1/3 in 0.00s" in caplog.text  # Retry-After: 0 honoured


def test_500_twice_then_success(serve, items):
    script = Script(ok)
    script["Q1"] = [error(500, "boom"), error(500, "boom"), ok("Q1")]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[1].ok and out[1].text == "answer Q1" and out[1].meta["attempts"] == "3"
    assert script.calls["Q1"] == 3


def test_permanent_500_fails_that_item_only_after_max_retries(serve, items):
    script = Script(ok)
    script["Q4"] = [error(503, "overloaded")]
    _, model = serve(script, max_retries=2)
    out = model.generate(items, max_new_tokens=16)
    assert len(out) == 6
    assert out[4].text == "" and out[4].error.startswith("InternalServerError: ")
    assert out[4].meta["attempts"] == "3" and script.calls["Q4"] == 3  # 1 try + 2 retries
    assert [g.ok for g in out] == [True, True, True, True, False, True]


def test_slow_reply_times_out_and_is_retried(serve, items):
    script = Script(ok)
    script["Q0"] = [Reply(delay=3.0, body=ok("Q0").body), ok("Q0")]  # slow, then fine
    script["Q3"] = [Reply(delay=3.0, body=ok("Q3").body)]  # always too slow
    _, model = serve(script, timeout=0.5, max_retries=1)
    out = model.generate(items, max_new_tokens=16)
    assert out[0].ok and out[0].meta["attempts"] == "2"
    assert out[3].error.startswith("APITimeoutError: ") and script.calls["Q3"] == 2
    assert all(g.ok for i, g in enumerate(out) if i != 3)


def test_bad_request_is_not_retried(serve, items):
    script = Script(ok)
    script["Q5"] = [error(400, "image too large")]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[5].error == "BadRequestError: Error code: 400 - image too large"
    assert script.calls["Q5"] == 1


def test_missing_text_is_an_item_error(serve, items):
    script = Script(ok)
    refused = ok("Q1")
    refused.body["choices"][0].update(finish_reason="content_filter",
                                      message={"role": "assistant", "content": None})
    script["Q1"] = [refused]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[1].error == "ItemError: no text in the answer (finish_reason='content_filter')"
    assert script.calls["Q1"] == 1


def test_answer_is_returned_verbatim_never_evaluated(serve, items):
    code = "__import__('os').system('touch pwned') or 1/0"
    _, model = serve(Script(lambda qid: Reply(body={**ok(qid).body, "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": code}}
    ]})))
    out = model.generate(items[:2], max_new_tokens=16)
    assert [g.text for g in out] == [code, code]


def test_401_fails_fast_without_leaking_the_key(serve, items, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    wrong_key = "sk-wrong-key-0123456789abcdef"
    monkeypatch.setenv("XTVQA_TEST_KEY", wrong_key)
    server, model = serve(Script(ok), api_key_env="XTVQA_TEST_KEY", max_concurrency=2)
    with pytest.raises(FatalAPIError) as info:
        model.generate(items * 5, max_new_tokens=16)  # 30 items
    # No retries, and no new item started after the first 401: at most the 2 in flight.
    assert len(server.requests) <= 2
    message = str(info.value)
    assert "AuthenticationError" in message and "Check the API key" in message
    assert "0123456789" not in message and "0123456789" not in caplog.text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_unknown_model_fails_fast(serve, items):
    script = Script(lambda qid: error(404, f"The model '{MODEL}' does not exist",
                                      code="model_not_found"))
    server, model = serve(script)
    with pytest.raises(FatalAPIError, match=r"NotFoundError.*Check the model name 'fake-vlm'"):
        model.generate(items, max_new_tokens=16)
    assert len(server.requests) <= model.max_concurrency


def test_insufficient_quota_429_fails_fast(serve, items):
    script = Script(lambda qid: error(429, "You exceeded your quota", code="insufficient_quota"))
    server, model = serve(script, max_concurrency=1)
    with pytest.raises(FatalAPIError, match="no quota left"):
        model.generate(items, max_new_tokens=16)
    assert len(server.requests) == 1


def test_key_absent_from_repr_describe_and_item_errors(serve, items, caplog):
    caplog.set_level(logging.DEBUG)
    script = Script(ok)
    script["Q0"] = [error(400, f"bad request from key {KEY}")]  # a server echoing the key
    script["Q1"] = [error(500, f"upstream saw {KEY[:-2]}")]  # a partial echo, retried
    _, model = serve(script, max_retries=1)
    out = model.generate(items, max_new_tokens=16)
    assert out[0].error and out[1].error
    texts = [repr(model), str(model.describe()), *map(repr, out), caplog.text]
    for text in texts:
        assert KEY not in text and KEY[3:11] not in text and KEY[-8:] not in text
    assert "***" in out[0].error and "***" in out[1].error


def test_model_id_records_host_without_credentials(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = OpenAIModel(MODEL, base_url="http://user:secretpw@127.0.0.1:8123/v1?token=abc")
    assert model.model_id == "fake-vlm@127.0.0.1:8123" and model.spec == "openai:fake-vlm"
    assert model.describe()["host"] == "127.0.0.1:8123"
    assert model.describe()["max_tokens_field"] == "max_tokens"
    for text in (repr(model), str(model.describe())):
        assert "secretpw" not in text and "abc" not in text and KEY not in text
    official = OpenAIModel("gpt-4o")
    assert official.model_id == "gpt-4o@api.openai.com"
    assert official.max_tokens_field == "max_completion_tokens"


def test_missing_key_is_an_error_unless_a_local_server_is_given(monkeypatch, items):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ValueError, match=r"set \$OPENAI_API_KEY"):
        OpenAIModel("gpt-4o")
    seen = []

    def handler(path, headers, body):
        seen.append(headers["authorization"])
        return ok(question_id(body["messages"][0]["content"][1]["text"]))

    with FakeAPIServer(handler) as server:
        local = OpenAIModel(MODEL, base_url=f"{server.url}/v1")
        assert [g.text for g in local.generate(items[:1])] == ["answer Q0"]
    assert seen == ["Bearer no-key-required"]


def test_score_is_not_supported(monkeypatch, items):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    model = OpenAIModel("gpt-4o")
    assert not model.can_score
    with pytest.raises(NotImplementedError, match="cannot score"):
        model.score(items[:1], ["1"])


def test_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(ImportError, match=r"xtvqa-models\[openai\]"):
        OpenAIModel("gpt-4o")


def test_loaded_through_the_registry(serve, items):
    from xtvqa_models import load_model

    server, _ = serve(Script(ok))
    model = load_model(f"openai:{MODEL}", base_url=f"{server.url}/v1", max_concurrency=2)
    assert isinstance(model, OpenAIModel) and model.spec == f"openai:{MODEL}"
    assert [g.text for g in model.generate(items[:2], max_new_tokens=16)] == ["answer Q0",
                                                                                "answer Q1"]
