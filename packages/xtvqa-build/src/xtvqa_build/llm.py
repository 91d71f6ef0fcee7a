"""One narrow LLM interface for dataset construction: `complete_json` and a batched `map`.

The XPaperQA-zh pipeline asks an LLM for JSON (generated QA pairs, re-answers, consistency
verdicts, translations) tens of thousands of times. Everything that must hold for every
provider lives here, once:

- replies validated against a pydantic model; a malformed reply (prose, invalid JSON, missing
  fields, a confidence outside 1-10) is asked again up to `format_retries` times with the reason
  appended to the prompt, then quarantined with the raw text and the reason;
- 429 / 5xx / timeouts retried with capped exponential backoff and jitter, never forever, and a
  bad key or an unknown model stopping the run (the provider layer, `xtvqa_providers`, shared
  with the benchmark's API backends: SDK clients, retries, key scrubbing, image encoding);
- every raw reply cached on disk (`cache.ResponseCache`) before it is validated, keyed by the
  request and the format-retry attempt, so a rerun replays the same conversation for free;
- token usage counted per stage from the providers' usage fields;
- bounded concurrency in `map` (threads: the SDK clients are synchronous and thread-safe).

Backends (`llm_openai.OpenAIClient`, `llm_gemini.GeminiClient`) implement only `_send`, and
set `_api`: their provider's client from `xtvqa_providers`, which judges their errors.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from PIL import Image
from pydantic import BaseModel, ValidationError
from xtvqa_providers import (
    Failure,
    FatalAPIError,
    ItemError,
    RetryPolicy,
    map_concurrently,
    with_retries,
)

# Re-exported: translators and users import them from here.
from xtvqa_providers import TransientAPIError as TransientAPIError
from xtvqa_providers import is_transient as is_transient

from xtvqa_build.cache import NullCache, ResponseCache, cache_key


@dataclass
class LLMReply:
    """What a backend's `_send` returns: the reply text and its token usage."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


# A failure no retry can fix (bad key, unknown model, no key in the environment): abort the
# whole run. The provider layer's `FatalAPIError` under the name this package has always used.
LLMConfigError = FatalAPIError


class RequestRejected(ItemError):
    """The provider rejected this one request (400: context too long, safety block, ...)."""


@dataclass
class Quarantine:
    """Why a request produced no usable answer; written to the stage's quarantine file."""

    kind: str  # "malformed" | "api_error" | "rejected"
    reason: str
    raw: str | None = None


class LLMFailure(RuntimeError):
    """Raised by `complete_json` when the answer is quarantined."""

    def __init__(self, quarantine: Quarantine):
        super().__init__(f"{quarantine.kind}: {quarantine.reason}")
        self.quarantine = quarantine


@dataclass
class LLMRequest:
    """One `complete_json` call, for `map`."""

    prompt: str
    schema: type[BaseModel]
    images: Sequence[Image.Image] | None = None
    stage: str = "default"


@dataclass
class LLMResult:
    """Outcome of one request: `value` (validated, as a dict) or `error`."""

    value: dict[str, Any] | None = None
    error: Quarantine | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class StageUsage:
    calls: int = 0  # requests sent to the provider (cache misses)
    cached: int = 0  # replies served from the cache
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0  # transient-error retries
    format_retries: int = 0  # re-asks after a malformed reply
    quarantined: int = 0


@dataclass
class UsageMeter:
    """Thread-safe per-stage counters (tokens from the providers' usage fields)."""

    stages: dict[str, StageUsage] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, stage: str, **counts: int) -> None:
        with self._lock:
            usage = self.stages.setdefault(stage, StageUsage())
            for name, value in counts.items():
                setattr(usage, name, getattr(usage, name) + value)

    def as_dict(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: dict(vars(usage)) for name, usage in self.stages.items()}


_FENCE = re.compile(r"^```(?:json)?\s*\n(.*?)\n?```$", re.DOTALL)


def parse_json_reply(text: str, schema: type[BaseModel]) -> dict[str, Any]:
    """Validate a reply against `schema`; raise ValueError with a short reason.

    Accepted: the whole reply is JSON, or one ```json fenced block and nothing else. Prose
    around the JSON is malformed (it usually means the model did not follow the format).
    """
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at char {exc.pos})") from None
    try:
        return schema.model_validate(data).model_dump()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ValueError(f"does not match {schema.__name__}: {problems}") from None


def image_digest(image: Image.Image) -> str:
    """SHA-256 of the PNG bytes, so a cache key covers the pixels, not the object."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return hashlib.sha256(buffer.getvalue()).hexdigest()


class LLMClient(ABC):
    """Base class: caching, validation, retries, usage; backends implement `_send`."""

    provider: ClassVar[str]
    # The provider layer's client (`xtvqa_providers` `OpenAIAPI` / `GeminiAPI`), set by backends:
    # the SDK client, its key scrubber and the judgement of its errors.
    _api: Any = None

    def __init__(
        self,
        model: str,
        *,
        cache: ResponseCache | NullCache | None = None,
        temperature: float = 0.0,
        max_output_tokens: int | None = None,
        max_retries: int = 5,
        format_retries: int = 2,
        backoff_s: float = 1.0,
        max_backoff_s: float = 30.0,
        timeout_s: float = 120.0,
        concurrency: int = 8,
        sleep: Callable[[float], None] | None = None,
    ):
        if max_retries < 0 or format_retries < 0 or concurrency < 1:
            raise ValueError("max_retries and format_retries must be >= 0 and concurrency >= 1")
        self.model = model
        self.cache = cache if cache is not None else NullCache()
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens
        self.max_retries = max_retries
        self.format_retries = format_retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout_s = timeout_s
        self.concurrency = concurrency
        self.usage = UsageMeter()
        self._sleep = sleep  # None: wait on the run's stop event (tests pass a recorder)

    @property
    def spec(self) -> str:
        return f"{self.provider}:{self.model}"

    @abstractmethod
    def _send(self, prompt: str, images: Sequence[Image.Image], json_schema: dict[str, Any]) -> LLMReply:
        """One request to the provider; never retry here. Its SDK's exceptions are judged by
        `_classify`; `TransientAPIError`, `RequestRejected` and `LLMConfigError` need no judging."""

    def _classify(self, exc: BaseException) -> Failure | None:
        """Retry, reject or stop for an exception of `_send` (None: a bug, raised as it is)."""
        return self._api.classify(exc) if self._api is not None else None

    def cache_params(self) -> dict[str, Any]:
        """Everything besides the prompt that changes the answer (never credentials)."""
        return {"temperature": self.temperature, "max_output_tokens": self.max_output_tokens}

    # -- one request -------------------------------------------------------------------------
    def complete_json(
        self, prompt: str, schema: type[BaseModel], *, images: Sequence[Image.Image] | None = None,
        stage: str = "default",
    ) -> dict[str, Any]:
        """The reply to `prompt` validated against `schema`, as a dict.

        Raises `LLMFailure` (with a `Quarantine`) when every attempt was malformed or the API
        kept failing; `LLMConfigError` when no retry can help.
        """
        return self._complete_json(prompt, schema, images, stage, threading.Event())

    def _complete_json(self, prompt: str, schema: type[BaseModel], images: Sequence[Image.Image] | None,
                       stage: str, stop: threading.Event) -> dict[str, Any]:
        images = list(images or [])
        digests = [image_digest(img) for img in images]
        json_schema = schema.model_json_schema()
        attempt_prompt = prompt
        reason, last_raw = "", ""
        for attempt in range(self.format_retries + 1):
            if attempt:
                # Re-ask with the reason: with temperature 0 the same prompt gives the same reply.
                attempt_prompt = (
                    f"{prompt}\n\nYour previous reply was rejected: {reason}. Reply with one JSON "
                    f"object only, matching this JSON schema: {json.dumps(json_schema, ensure_ascii=False)}"
                )
                self.usage.add(stage, format_retries=1)
            text = self._cached_send(attempt_prompt, images, digests, json_schema, schema.__name__, stage,
                                     attempt, stop)
            try:
                return parse_json_reply(text, schema)
            except ValueError as exc:
                reason = str(exc)
                last_raw = text
        self.usage.add(stage, quarantined=1)
        raise LLMFailure(Quarantine("malformed", f"{reason} (after {self.format_retries + 1} attempts)", last_raw))

    def _cached_send(
        self, prompt: str, images: list[Image.Image], digests: list[str], json_schema: dict[str, Any],
        schema_name: str, stage: str, attempt: int, stop: threading.Event,
    ) -> str:
        # The attempt number is part of the key: two re-asks with the same reason have the same
        # prompt, and the second must reach the model rather than replay the first's reply.
        key_payload = {"prompt": prompt, "images": digests, "schema": schema_name, "json_schema": json_schema,
                       "attempt": attempt}
        key = cache_key(self.provider, self.model, self.cache_params(), key_payload)
        hit = self.cache.get(key)
        if hit is not None:
            self.usage.add(stage, cached=1)
            return hit["text"]
        reply = self._send_with_retries(prompt, images, json_schema, stage, stop)
        self.cache.put(key, {"text": reply.text, "prompt_tokens": reply.prompt_tokens,
                             "completion_tokens": reply.completion_tokens},
                       backend=self.provider, model=self.model)
        return reply.text

    def _send_with_retries(
        self, prompt: str, images: list[Image.Image], json_schema: dict[str, Any], stage: str,
        stop: threading.Event,
    ) -> LLMReply:
        outcome = with_retries(
            lambda: self._send(prompt, images, json_schema),
            policy=RetryPolicy(self.max_retries, self.backoff_s, self.max_backoff_s),
            classify=self._classify, scrub=self._api.scrub if self._api is not None else str,
            label=self.spec, stop=stop,
            sleep=self._sleep, on_retry=lambda: self.usage.add(stage, retries=1),
        )
        if outcome.error is not None:
            self.usage.add(stage, quarantined=1)
            if outcome.gave_up:
                raise LLMFailure(Quarantine(
                    "api_error", f"{outcome.error} (gave up after {outcome.attempts} tries)"))
            raise LLMFailure(Quarantine("rejected", outcome.error))
        reply = outcome.value
        self.usage.add(stage, calls=1, prompt_tokens=reply.prompt_tokens,
                       completion_tokens=reply.completion_tokens)
        return reply

    def try_complete_json(self, request: LLMRequest) -> LLMResult:
        """`complete_json` that returns the quarantine instead of raising it."""
        return self._try_complete_json(request, threading.Event())

    def _try_complete_json(self, request: LLMRequest, stop: threading.Event) -> LLMResult:
        try:
            return LLMResult(value=self._complete_json(
                request.prompt, request.schema, request.images, request.stage, stop))
        except LLMFailure as exc:
            return LLMResult(error=exc.quarantine)

    # -- many requests -----------------------------------------------------------------------
    def map(
        self, requests: Sequence[LLMRequest], *, concurrency: int | None = None,
        on_done: Callable[[int, LLMResult], None] | None = None,
    ) -> list[LLMResult]:
        """Run `requests` with at most `concurrency` in flight; results in request order.

        `on_done(index, result)` is called from the caller's thread as each finishes (progress
        bars, appending to a JSONL file). An `LLMConfigError` cancels the rest (requests waiting
        to retry included) and is raised.
        """
        stop = threading.Event()
        return map_concurrently(lambda request: self._try_complete_json(request, stop), requests,
                                max_concurrency=concurrency or self.concurrency, stop=stop,
                                on_done=on_done, thread_name_prefix="llm")
