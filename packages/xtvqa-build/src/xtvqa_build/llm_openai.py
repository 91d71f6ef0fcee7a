"""`openai:<model>`: any OpenAI-compatible chat-completions server (OpenAI, vLLM, ollama, ...).

With `base_url` pointing at a local vLLM or ollama server the whole pipeline runs offline. The
client, its key handling and the judgement of its errors are the provider layer's
(`xtvqa_providers.openai_api`, shared with the benchmark's `openai:` backend), built with the
SDK's own retries off: `LLMClient` retries every backend the same way and counts the retries.
Requires the `openai` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image
from xtvqa_providers.openai_api import OpenAIAPI, image_part

from xtvqa_build.llm import LLMClient, LLMReply

JSON_MODES = ("schema", "object", "none")


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
        self._api = OpenAIAPI(model, api_key_env=api_key_env, base_url=base_url, timeout=self.timeout_s,
                              package="xtvqa-build")
        self._client = self._api.client
        self.base_url = base_url
        self.json_mode = json_mode

    def cache_params(self) -> dict[str, Any]:
        # base_url is part of the key: two servers may serve different weights under one name.
        return {**super().cache_params(), "base_url": self.base_url, "json_mode": self.json_mode}

    def _send(self, prompt: str, images: Sequence[Image.Image], json_schema: dict[str, Any]) -> LLMReply:
        content: Any = prompt if not images else [
            {"type": "text", "text": prompt}, *(image_part(img) for img in images)]
        kwargs: dict[str, Any] = {"temperature": self.temperature}
        if self.max_output_tokens is not None:
            kwargs["max_tokens"] = self.max_output_tokens
        if self.json_mode == "schema":
            kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                "name": json_schema.get("title", "reply"), "schema": json_schema, "strict": False}}
        elif self.json_mode == "object":
            kwargs["response_format"] = {"type": "json_object"}
        response = self._client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": content}], **kwargs)
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice is not None else None) or ""
        usage = response.usage
        return LLMReply(
            text=text,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        )
