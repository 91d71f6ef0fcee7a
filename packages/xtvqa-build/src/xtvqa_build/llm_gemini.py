"""`gemini:<model>`: Google's Gemini API through the google-genai SDK (the paper used Gemini).

JSON output is requested with `response_mime_type="application/json"` and the pydantic model's
JSON schema (`response_json_schema`). The client, its key handling, image parts and the
judgement of its errors are the provider layer's (`xtvqa_providers.gemini_api`, shared with the
benchmark's `gemini:` backend), built with the SDK's retries off so `LLMClient` retries and
counts uniformly. `base_url` redirects the client (a proxy, or the fake server of the tests).
Requires the `gemini` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PIL import Image
from xtvqa_providers.gemini_api import GeminiAPI

from xtvqa_build.llm import LLMClient, LLMReply


class GeminiClient(LLMClient):
    """generate_content with JSON output. Key from GEMINI_API_KEY or GOOGLE_API_KEY."""

    provider = "gemini"

    def __init__(self, model: str, *, base_url: str | None = None,
                 api_key_env: tuple[str, ...] = ("GEMINI_API_KEY", "GOOGLE_API_KEY"), **kwargs: Any):
        super().__init__(model, **kwargs)
        self._api = GeminiAPI(model, api_key_env=api_key_env, base_url=base_url, timeout=self.timeout_s,
                              package="xtvqa-build")
        self._client = self._api.client
        self.base_url = base_url

    def cache_params(self) -> dict[str, Any]:
        return {**super().cache_params(), "base_url": self.base_url}

    def _send(self, prompt: str, images: Sequence[Image.Image], json_schema: dict[str, Any]) -> LLMReply:
        config = self._api.types.GenerateContentConfig(
            temperature=self.temperature, max_output_tokens=self.max_output_tokens,
            response_mime_type="application/json", response_json_schema=json_schema,
        )
        response = self._client.models.generate_content(
            model=self.model, contents=[prompt, *(self._api.image_part(img) for img in images)], config=config)
        usage = response.usage_metadata
        return LLMReply(
            text=response.text or "",
            prompt_tokens=int(getattr(usage, "prompt_token_count", 0) or 0),
            completion_tokens=int(getattr(usage, "candidates_token_count", 0) or 0),
        )
