"""`gemini:<model>`: Google's Gemini API through the google-genai SDK (the paper used Gemini).

JSON output is requested with `response_mime_type="application/json"` and the pydantic model's
JSON schema (`response_json_schema`). The SDK's retries are switched off
(`HttpRetryOptions(attempts=1)`) so `LLMClient` retries and counts uniformly. `base_url`
redirects the client (a proxy, or the fake server of the tests). Requires the `gemini` extra.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from PIL import Image

from xtvqa_build.llm import (
    LLMClient,
    LLMConfigError,
    LLMReply,
    RequestRejected,
    TransientAPIError,
    is_transient_status,
    retry_after_seconds,
)


def _transient_transport_errors() -> tuple[type[BaseException], ...]:
    """Timeout / connection exception classes of whichever httpx the SDK uses."""
    classes: list[type[BaseException]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        classes += [getattr(module, n) for n in ("TimeoutException", "ConnectError", "RemoteProtocolError")
                    if hasattr(module, n)]
    return tuple(classes)


class GeminiClient(LLMClient):
    """generate_content with JSON output. Key from GEMINI_API_KEY or GOOGLE_API_KEY."""

    provider = "gemini"

    def __init__(self, model: str, *, base_url: str | None = None,
                 api_key_env: tuple[str, ...] = ("GEMINI_API_KEY", "GOOGLE_API_KEY"), **kwargs: Any):
        super().__init__(model, **kwargs)
        try:
            from google import genai
            from google.genai import errors, types
        except ImportError as exc:
            raise ImportError(
                "the gemini backend needs google-genai: pip install 'xtvqa-build[gemini]'"
            ) from exc
        api_key = next((os.environ[name] for name in api_key_env if os.environ.get(name)), None)
        if api_key is None:
            if base_url is None:
                raise LLMConfigError(f"gemini:{model}: set {' or '.join(api_key_env)} in the environment")
            api_key = "not-needed"
        self._errors, self._types = errors, types
        self.base_url = base_url
        options = types.HttpOptions(
            base_url=base_url, timeout=int(self.timeout_s * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        self._client = genai.Client(api_key=api_key, http_options=options)
        self._transport_errors = _transient_transport_errors()

    def cache_params(self) -> dict[str, Any]:
        return {**super().cache_params(), "base_url": self.base_url}

    def _send(self, prompt: str, images: Sequence[Image.Image], json_schema: dict[str, Any]) -> LLMReply:
        types, errors = self._types, self._errors
        config = types.GenerateContentConfig(
            temperature=self.temperature, max_output_tokens=self.max_output_tokens,
            response_mime_type="application/json", response_json_schema=json_schema,
        )
        try:
            response = self._client.models.generate_content(
                model=self.model, contents=[prompt, *images], config=config)
        except errors.APIError as exc:
            if is_transient_status(exc.code):
                headers = getattr(getattr(exc, "response", None), "headers", None)
                raise TransientAPIError(f"HTTP {exc.code}: {exc.message}",
                                        retry_after=retry_after_seconds(headers)) from exc
            if exc.code in (401, 403, 404):
                raise LLMConfigError(f"gemini:{self.model}: {exc.code} {exc.message}") from exc
            raise RequestRejected(f"HTTP {exc.code}: {exc.message}") from exc
        except self._transport_errors as exc:
            raise TransientAPIError(f"{type(exc).__name__}: {exc}") from exc
        usage = response.usage_metadata
        return LLMReply(
            text=response.text or "",
            prompt_tokens=int(getattr(usage, "prompt_token_count", 0) or 0),
            completion_tokens=int(getattr(usage, "candidates_token_count", 0) or 0),
        )
