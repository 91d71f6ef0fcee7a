"""`openai:<model>`: any OpenAI-compatible chat-completions server (OpenAI, vLLM, ollama, ...).

With `base_url` pointing at a local vLLM or ollama server the whole pipeline runs offline. The
SDK's own retries are switched off (`max_retries=0`): `LLMClient` retries every backend the same
way and counts the retries. Requires the `openai` extra.
"""

from __future__ import annotations

import base64
import io
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

JSON_MODES = ("schema", "object", "none")


def _image_part(image: Image.Image) -> dict[str, Any]:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}


class OpenAIClient(LLMClient):
    """Chat completions with JSON output.

    json_mode: "schema" sends the pydantic model's JSON schema as `response_format`
    (OpenAI structured outputs, vLLM guided decoding, ollama `format`); "object" asks only for
    a JSON object (older servers); "none" relies on the prompt alone. The reply is validated
    by `LLMClient` either way.
    The key comes from the environment (`api_key_env`, default OPENAI_API_KEY); a local server
    given by `base_url` needs none.
    """

    provider = "openai"

    def __init__(self, model: str, *, base_url: str | None = None, api_key_env: str = "OPENAI_API_KEY",
                 json_mode: str = "schema", **kwargs: Any):
        super().__init__(model, **kwargs)
        if json_mode not in JSON_MODES:
            raise ValueError(f"json_mode must be one of {JSON_MODES}, got {json_mode!r}")
        try:
            import openai
        except ImportError as exc:
            raise ImportError(
                "the openai backend needs the openai SDK: pip install 'xtvqa-build[openai]'"
            ) from exc
        api_key = os.environ.get(api_key_env)
        if not api_key:
            if base_url is None:
                raise LLMConfigError(
                    f"openai:{model}: set {api_key_env} in the environment, or pass --base-url "
                    "for a local OpenAI-compatible server (vLLM, ollama)"
                )
            api_key = "not-needed"  # local servers ignore it; the SDK insists on one
        self._openai = openai
        self.base_url = base_url
        self.json_mode = json_mode
        self._client = openai.OpenAI(api_key=api_key, base_url=base_url, max_retries=0,
                                     timeout=self.timeout_s)

    def cache_params(self) -> dict[str, Any]:
        # base_url is part of the key: two servers may serve different weights under one name.
        return {**super().cache_params(), "base_url": self.base_url, "json_mode": self.json_mode}

    def _send(self, prompt: str, images: Sequence[Image.Image], json_schema: dict[str, Any]) -> LLMReply:
        openai = self._openai
        content: Any = prompt if not images else [
            {"type": "text", "text": prompt}, *(_image_part(img) for img in images)]
        kwargs: dict[str, Any] = {"temperature": self.temperature}
        if self.max_output_tokens is not None:
            kwargs["max_tokens"] = self.max_output_tokens
        if self.json_mode == "schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": json_schema.get("title", "reply"), "schema": json_schema, "strict": False}}
        elif self.json_mode == "object":
            kwargs["response_format"] = {"type": "json_object"}
        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=[{"role": "user", "content": content}], **kwargs)
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise TransientAPIError(f"{type(exc).__name__}: {exc}") from exc
        except (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError) as exc:
            raise LLMConfigError(f"openai:{self.model}: {exc.status_code} {exc.message}") from exc
        except openai.APIStatusError as exc:
            if is_transient_status(exc.status_code):
                raise TransientAPIError(f"HTTP {exc.status_code}",
                                        retry_after=retry_after_seconds(exc.response.headers)) from exc
            raise RequestRejected(f"HTTP {exc.status_code}: {exc.message}") from exc
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice is not None else None) or ""
        usage = response.usage
        return LLMReply(
            text=text,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )

