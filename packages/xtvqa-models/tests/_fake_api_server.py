"""A scripted JSON-over-HTTP server on 127.0.0.1 for the API backends' tests (no network).

A fake over mocks (STYLE.md): the real SDKs talk real HTTP to it, so request encoding, status
codes, headers and timeouts go through the same code paths as against a real server. The test
supplies `handler(path, headers, body) -> Reply`; the server records every request and the
largest number of requests it was serving at once.
"""

from __future__ import annotations

import base64
import io
import json
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image


@dataclass
class Reply:
    status: int = 200
    body: dict = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict


Handler = Callable[[str, dict[str, str], dict], Reply]


class FakeAPIServer:
    """`with FakeAPIServer(handler) as server:` serves on `server.url` until the block ends."""

    def __init__(self, handler: Handler, *, min_delay: float = 0.0):
        self.handler = handler
        self.min_delay = min_delay  # every reply takes at least this long (to observe overlap)
        self.requests: list[Request] = []
        self.problems: list[str] = []  # request-shape violations seen by the handler
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    body = json.loads(self.rfile.read(length) or b"{}")
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    with server._lock:
                        server.requests.append(Request(self.path, headers, body))
                    try:
                        reply = server.handler(self.path, headers, body)
                    except Exception as exc:  # a malformed request: say so, never hang up
                        with server._lock:
                            server.problems.append(f"{type(exc).__name__}: {exc}")
                        reply = Reply(400, {"error": {"code": 400, "message": repr(exc)}})
                    server._closing.wait(max(reply.delay, server.min_delay))
                    payload = json.dumps(reply.body).encode()
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): expected in the timeout tests
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep pytest output clean

        return _Handler

    def __enter__(self) -> FakeAPIServer:
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()  # wake handlers sleeping in a slow reply
        self._httpd.shutdown()
        self._httpd.server_close()


class Script:
    """Per-item scripted replies: `script["Q3"] = [Reply(429), ...]` is served in order, the
    last one repeating; items without a script get `default(qid)`. Also counts calls per item."""

    def __init__(self, default: Callable[[str], Reply]):
        self.default = default
        self.replies: dict[str, list[Reply]] = {}
        self.calls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def __setitem__(self, qid: str, replies: list[Reply]) -> None:
        self.replies[qid] = list(replies)

    def next(self, qid: str) -> Reply:
        with self._lock:
            n = self.calls[qid]
            self.calls[qid] += 1
        replies = self.replies.get(qid)
        if not replies:
            return self.default(qid)
        return replies[min(n, len(replies) - 1)]


QID = re.compile(r"\bQ\d+\b")


def question_id(text: str) -> str:
    """The `Q<n>` tag the tests put in every question, to tell items apart server-side."""
    match = QID.search(text)
    return match.group(0) if match else "?"


def decode_png(data_b64: str) -> Image.Image:
    """Decodes standard or URL-safe base64 (google-genai sends the URL-safe alphabet)."""
    data = base64.urlsafe_b64decode(data_b64.replace("+", "-").replace("/", "_"))
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def make_items(n_records: int = 3) -> list:
    """`2 * n_records` evaluation items (each record asked in en and zh), every image a
    different size and every question tagged `Q<n>`; record 0 is a yes-no item."""
    from xtvqa_data import Record, iter_items

    records = []
    for i in range(n_records):
        image = Image.new("RGB", (40 + 4 * i, 30 + 2 * i), (255, 255, 255))
        image.paste((20 * i, 0, 0), (2, 2, 12, 12))
        records.append(Record(
            id=f"chart-{i}", source="chartqa", image=image, image_lang="en",
            question={"en": f"Q{2 * i}: what is the total?", "zh": f"Q{2 * i + 1}: 总数是多少？"},
            answers={"en": [str(i)]},
            question_type="yes-no" if i == 0 else "extractive",
        ))
    return list(iter_items(records, ["en", "zh"]))
