"""A scripted fake of the OpenAI chat-completions and Gemini generateContent HTTP APIs.

Tests and `benchmarks/llm_concurrency.py` point the real SDK clients at it (`base_url`), so the
whole client stack (SDK, retries, caching, validation) runs without a network or a key.
A `responder(FakeRequest) -> FakeReply` decides each answer: text, an HTTP error status, a
delay. Listens on 127.0.0.1 only, on a free port, in a daemon thread.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_GEMINI_PATH = re.compile(r"^/v1(?:beta|alpha)?\d*/models/(?P<model>[^:]+):generateContent$")
_GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                  500: "INTERNAL", 503: "UNAVAILABLE"}


@dataclass
class FakeRequest:
    api: str  # "openai" | "gemini"
    model: str
    prompt: str  # the user turn's text parts, joined
    body: dict[str, Any]
    n_images: int


@dataclass
class FakeReply:
    text: str = ""
    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] | None = None


def _openai_prompt(body: dict[str, Any]) -> tuple[str, int]:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content, 0
    texts = [p["text"] for p in content if p.get("type") == "text"]
    return "\n".join(texts), sum(p.get("type") == "image_url" for p in content)


def _gemini_prompt(body: dict[str, Any]) -> tuple[str, int]:
    parts = [p for c in body.get("contents", []) for p in c.get("parts", [])]
    return "\n".join(p["text"] for p in parts if "text" in p), sum("inlineData" in p or "inline_data" in p for p in parts)


class FakeLLMServer:
    """`with FakeLLMServer(responder) as server:` then `server.openai_base_url` /
    `server.gemini_base_url`; `server.hits` counts requests answered (errors included)."""

    def __init__(self, responder: Callable[[FakeRequest], FakeReply | str]):
        self.responder = responder
        self.hits = 0
        self.requests: list[FakeRequest] = []
        self.errors: list[str] = []  # exceptions raised by the responder (answered with HTTP 500)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real APIs

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                match = _GEMINI_PATH.match(self.path.split("?")[0])
                if self.path.endswith("/chat/completions"):
                    prompt, n_images = _openai_prompt(body)
                    request = FakeRequest("openai", body.get("model", ""), prompt, body, n_images)
                elif match:
                    prompt, n_images = _gemini_prompt(body)
                    request = FakeRequest("gemini", match["model"], prompt, body, n_images)
                else:
                    self._send(404, {"error": {"message": f"no route {self.path}", "code": 404}})
                    return
                with server._lock:
                    server.hits += 1
                    server.requests.append(request)
                try:
                    reply = server.responder(request)
                except Exception as exc:  # a bug in the script: answer 500 and keep it for the test
                    with server._lock:
                        server.errors.append(f"{type(exc).__name__}: {exc}")
                    reply = FakeReply(status=500)
                reply = FakeReply(reply) if isinstance(reply, str) else reply
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.status != 200:
                    error = {"message": f"fake error {reply.status}", "code": reply.status,
                             "status": _GEMINI_STATUS.get(reply.status, "UNKNOWN"), "type": "fake"}
                    self._send(reply.status, {"error": error}, reply.headers)
                    return
                n_in, n_out = len(prompt.split()), len(reply.text.split())
                if request.api == "openai":
                    payload = {"id": "fake", "object": "chat.completion", "created": 0, "model": request.model,
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": reply.text}}],
                               "usage": {"prompt_tokens": n_in, "completion_tokens": n_out, "total_tokens": n_in + n_out}}
                else:
                    payload = {"candidates": [{"index": 0, "finishReason": "STOP",
                                               "content": {"role": "model", "parts": [{"text": reply.text}]}}],
                               "usageMetadata": {"promptTokenCount": n_in, "candidatesTokenCount": n_out,
                                                 "totalTokenCount": n_in + n_out}, "modelVersion": request.model}
                self._send(200, payload, reply.headers)

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def openai_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def gemini_base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
