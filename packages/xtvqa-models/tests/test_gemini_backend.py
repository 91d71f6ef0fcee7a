"""The `gemini:` backend against a fake Gemini API server on 127.0.0.1 (no network).

The real google-genai SDK is pointed at `_fake_api_server.FakeAPIServer` through
`HttpOptions(base_url=...)` and sends real HTTP to its `/{version}/models/{model}:generateContent`
endpoint, which checks the request's JSON shape and answers from a per-item script.

Run: uv run pytest packages/xtvqa-models/tests/test_gemini_backend.py -q
"""

from __future__ import annotations

import logging
import re
import sys

import pytest
from _fake_api_server import FakeAPIServer, Reply, Script, decode_png, make_items, question_id
from xtvqa_models.backends.gemini import GeminiModel
from xtvqa_models.prompts import PromptConfig
from xtvqa_providers import FatalAPIError

KEY = "AIzaTestKey-5e8d2c7b1a9f3e6d4c0b"
MODEL = "gemini-fake"
ENDPOINT = re.compile(r"^/v1(beta|alpha)?/models/(?P<model>[^/:]+):generateContent$")


def ok(qid: str, text: str | None = None) -> Reply:
    return Reply(body={
        "candidates": [{"content": {"role": "model", "parts": [{"text": text or f" answer {qid} "}]},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 2,
                          "totalTokenCount": 12},
    })


def error(code: int, status: str, message: str, details: list | None = None, **headers) -> Reply:
    body = {"error": {"code": code, "status": status, "message": message,
                      **({"details": details} if details else {})}}
    return Reply(code, body, {k.replace("_", "-"): v for k, v in headers.items()})


def gemini_handler(script: Script, items, problems: list[str], *, max_new_tokens: int = 16):
    """Validates each request like the real endpoint would, then replies from `script`."""
    prompts = PromptConfig()
    by_qid = {question_id(item.question): item for item in items}

    def handle(path: str, headers: dict[str, str], body: dict) -> Reply:
        if headers.get("x-goog-api-key") != KEY:
            # The real API does not echo the key; this fake does, to test the scrubbing.
            sent = headers.get("x-goog-api-key")
            return error(400, "INVALID_ARGUMENT", f"API key not valid: {sent}. Pass a valid key.",
                         [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                           "reason": "API_KEY_INVALID"}])
        match = ENDPOINT.match(path)
        if not match or match["model"] != MODEL:
            return error(404, "NOT_FOUND", f"models/{match['model'] if match else path} is not found")
        (content,) = body["contents"]
        image_part, text_part = content["parts"]
        qid = question_id(text_part.get("text", ""))
        item = by_qid[qid]
        blob = image_part.get("inlineData") or image_part.get("inline_data") or {}
        mime = blob.get("mimeType") or blob.get("mime_type")
        image = decode_png(blob["data"]) if mime == "image/png" else None
        config = body.get("generationConfig", {})
        for good, what in [
            (content.get("role", "user") == "user", "role"),
            (image is not None and image.format == "PNG" and image.size == item.image.size,
             f"image of {item.key}"),
            (text_part == {"text": prompts.text(item)}, f"text {text_part}"),
            (config.get("maxOutputTokens") == max_new_tokens, f"config {config}"),
            (config.get("temperature") == 0.0, f"config {config}"),
        ]:
            if not good:
                problems.append(what)
        return script.next(qid)

    return handle


@pytest.fixture
def items():
    return make_items(3)  # 6 items, Q0..Q5


@pytest.fixture
def serve(monkeypatch, items):
    """`serve(script, **model_options)` -> (server, model) with the key in the environment."""
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    servers = []

    def start(script: Script, *, min_delay: float = 0.0, **options):
        problems: list[str] = []
        server = FakeAPIServer(gemini_handler(script, items, problems), min_delay=min_delay)
        server.problems = problems
        servers.append(server.__enter__())
        options = {"max_retries": 3, "retry_base_delay": 0.001, "timeout": 5.0, **options}
        return server, GeminiModel(options.pop("model", MODEL), base_url=server.url, **options)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.mark.parametrize("max_concurrency", [1, 3])
def test_answers_in_order_with_bounded_concurrency(serve, items, max_concurrency):
    server, model = serve(Script(ok), min_delay=0.05, max_concurrency=max_concurrency)
    out = model.generate(items, max_new_tokens=16)
    assert [g.text for g in out] == [f"answer Q{i}" for i in range(6)]
    assert all(g.ok and g.n_tokens == 2 and g.meta["attempts"] == "1" for g in out)
    assert out[0].meta["finish_reason"] == "STOP"
    assert server.problems == [] and len(server.requests) == 6
    assert server.max_in_flight <= max_concurrency
    if max_concurrency > 1:
        assert server.max_in_flight > 1


def test_429_with_retry_info_then_success(serve, items, caplog):
    caplog.set_level(logging.INFO, logger="xtvqa_models.backends")
    script = Script(ok)
    retry_info = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.25s"}]
    script["Q3"] = [error(429, "RESOURCE_EXHAUSTED", "quota", retry_info), ok("Q3")]
    _, model = serve(script, retry_base_delay=0.001)
    out = model.generate(items, max_new_tokens=16)
    assert out[3].text == "answer Q3" and out[3].meta["attempts"] == "2"
    assert script.calls["Q3"] == 2
    assert "retry 1/3 in 0.25s" in caplog.text  # the server's delay, not our backoff


def test_500_twice_then_success(serve, items):
    script = Script(ok)
    script["Q0"] = [error(500, "INTERNAL", "oops"), error(503, "UNAVAILABLE", "busy"), ok("Q0")]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[0].ok and out[0].meta["attempts"] == "3" and script.calls["Q0"] == 3


def test_permanent_500_fails_that_item_only_after_max_retries(serve, items):
    script = Script(ok)
    script["Q2"] = [error(500, "INTERNAL", "oops")]
    _, model = serve(script, max_retries=2)
    out = model.generate(items, max_new_tokens=16)
    assert out[2].text == "" and out[2].error.startswith("ServerError: 500 INTERNAL")
    assert script.calls["Q2"] == 3
    assert [g.ok for g in out] == [True, True, False, True, True, True]


def test_slow_reply_times_out_and_is_retried(serve, items):
    script = Script(ok)
    script["Q1"] = [Reply(delay=3.0, body=ok("Q1").body), ok("Q1")]
    script["Q4"] = [Reply(delay=3.0, body=ok("Q4").body)]
    _, model = serve(script, timeout=0.5, max_retries=1)
    out = model.generate(items, max_new_tokens=16)
    assert out[1].ok and out[1].meta["attempts"] == "2"
    assert "Timeout" in out[4].error.split(":")[0] and script.calls["Q4"] == 2
    assert all(g.ok for i, g in enumerate(out) if i != 4)


def test_bad_request_is_an_item_error_not_retried(serve, items):
    script = Script(ok)
    script["Q5"] = [error(400, "INVALID_ARGUMENT", "image could not be processed")]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[5].error.startswith("ClientError: 400 INVALID_ARGUMENT")
    assert script.calls["Q5"] == 1 and all(g.ok for g in out[:5])


def test_blocked_prompt_is_an_item_error(serve, items):
    script = Script(ok)
    script["Q1"] = [Reply(body={"promptFeedback": {"blockReason": "SAFETY"}})]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert out[1].error.startswith("ItemError: no text in the answer")
    assert "SAFETY" in out[1].error and script.calls["Q1"] == 1


def test_invalid_key_fails_fast_without_leaking_it(serve, items, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "AIzaWrongKey-0123456789abcdef"
    monkeypatch.setenv("XTVQA_TEST_KEY", wrong)
    server, model = serve(Script(ok), api_key_env="XTVQA_TEST_KEY", max_concurrency=2)
    with pytest.raises(FatalAPIError, match=r"API_KEY_INVALID|API key not valid") as info:
        model.generate(items * 5, max_new_tokens=16)
    assert len(server.requests) <= 2
    assert "0123456789" not in str(info.value) and "0123456789" not in caplog.text


def test_unknown_model_fails_fast(serve, items):
    server, model = serve(Script(ok), model="gemini-nonexistent")
    with pytest.raises(FatalAPIError, match=r"404 NOT_FOUND.*Check the model name"):
        model.generate(items, max_new_tokens=16)
    assert len(server.requests) <= model.max_concurrency


def test_key_absent_from_repr_describe_and_item_errors(serve, items, caplog):
    caplog.set_level(logging.DEBUG)
    script = Script(ok)
    script["Q0"] = [error(400, "INVALID_ARGUMENT", f"echo {KEY}")]
    _, model = serve(script)
    out = model.generate(items, max_new_tokens=16)
    assert "***" in out[0].error
    for text in [repr(model), str(model.describe()), *map(repr, out), caplog.text]:
        assert KEY not in text and KEY[-10:] not in text


def test_thinking_budget_and_google_api_key_fallback(monkeypatch, items):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GOOGLE_API_KEY", KEY)
    script = Script(ok)
    problems: list[str] = []
    with FakeAPIServer(gemini_handler(script, items, problems)) as server:
        model = GeminiModel(MODEL, base_url=server.url, thinking_budget=0)
        out = model.generate(items[:2], max_new_tokens=16)
    assert [g.text for g in out] == ["answer Q0", "answer Q1"] and problems == []
    config = server.requests[0].body["generationConfig"]
    # The SDK writes some nested fields in snake_case; the real API (protobuf JSON) takes both.
    assert config["thinkingConfig"] in ({"thinkingBudget": 0}, {"thinking_budget": 0})
    assert model.model_id == f"{MODEL}@127.0.0.1:{server.port}"


def test_missing_key_names_both_variables(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    with pytest.raises(ValueError, match=r"\$GEMINI_API_KEY \(or \$GOOGLE_API_KEY\)"):
        GeminiModel("gemini-2.5-flash")


def test_official_host_and_score_not_supported(monkeypatch, items):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    model = GeminiModel("gemini-2.5-flash")
    assert model.model_id == "gemini-2.5-flash@generativelanguage.googleapis.com"
    assert model.spec == "gemini:gemini-2.5-flash" and not model.can_score
    with pytest.raises(NotImplementedError):
        model.score(items[:1], ["1"])


def test_missing_sdk_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.genai", None)
    with pytest.raises(ImportError, match=r"xtvqa-models\[gemini\]"):
        GeminiModel("gemini-2.5-flash")
