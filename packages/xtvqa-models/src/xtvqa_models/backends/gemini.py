"""`gemini:<model>`: Google's Gemini models through the google-genai SDK.

Each item is one `client.models.generate_content(model, contents=[image part, prompt text],
config)` call, the image sent inline as PNG bytes (`Part.from_bytes`). Generation only: `score` stays unsupported.

The client, keys, image encoding, retries and concurrency come from `xtvqa_providers` (shared
with `openai:` and with xtvqa-build's LLM clients). The SDK's own retries are off, so that policy
is the only one (it also honours the `RetryInfo.retryDelay` that Gemini puts in a 429's error
details).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xtvqa_data import EvalItem
from xtvqa_providers import ItemError
from xtvqa_providers.gemini_api import GeminiAPI

from ..base import Generation, VisionLanguageModel
from ..prompts import PromptConfig
from ._api import generate_concurrently, init_api_fields


class GeminiModel(VisionLanguageModel):
    """A Gemini model behind `VisionLanguageModel.generate`.

    The key is read from `$api_key_env`, else `$GOOGLE_API_KEY`. `base_url` points the SDK at a
    proxy or a test server. `thinking_budget` (e.g. 0) bounds the hidden reasoning of Gemini 2.5+
    models, whose thinking tokens count against `max_new_tokens` and can leave no answer.
    """

    def __init__(
        self,
        model: str,
        *,
        api_key_env: str = "GEMINI_API_KEY",
        base_url: str | None = None,
        api_version: str | None = None,
        max_concurrency: int = 8,
        max_retries: int = 5,
        timeout: float = 60.0,
        prompt: PromptConfig | None = None,
        temperature: float | None = 0.0,
        image_format: str = "PNG",
        thinking_budget: int | None = None,
        seed: int | None = None,
        retry_base_delay: float = 1.0,
        retry_max_delay: float = 60.0,
    ):
        init_api_fields(self, "gemini", model, example="gemini-2.5-flash", prompt=prompt, temperature=temperature,
                        image_format=image_format, seed=seed, max_concurrency=max_concurrency, timeout=timeout,
                        max_retries=max_retries, retry_base_delay=retry_base_delay, retry_max_delay=retry_max_delay)
        self.thinking_budget = thinking_budget
        self._api = GeminiAPI(model, api_key_env=(api_key_env, "GOOGLE_API_KEY"), base_url=base_url,
                              api_version=api_version, timeout=timeout, package="xtvqa-models")
        self._types = self._api.types
        self._client = self._api.client
        self.host = self._api.host
        self.model_id = f"{model}@{self.host}"

    def __repr__(self) -> str:
        return (f"GeminiModel(model={self.model!r}, host={self.host!r}, "
                f"max_concurrency={self.max_concurrency})")

    def describe(self) -> dict[str, Any]:
        """What `results.json` records about this backend (no key, no full URL)."""
        return {
            "backend": "gemini", "model": self.model,
            "host": self.host, "temperature": self.temperature, "seed": self.seed,
            "image_format": self.image_format, "thinking_budget": self.thinking_budget,
            "max_concurrency": self.max_concurrency,
            "max_retries": self.retry_policy.max_retries, "timeout": self.timeout,
        }

    def generate(
        self, items: Sequence[EvalItem], *, max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[Generation]:
        """Answers, one request per item; `max_concurrency` bounds parallelism, not `batch_size`."""
        config = self._config(max_new_tokens)
        return generate_concurrently(
            items,
            prepare=self._contents,
            send=lambda contents: self._send(contents, config),
            max_concurrency=self.max_concurrency,
            policy=self.retry_policy,
            classify=self._api.classify,
            scrub=self._api.scrub,
            label=lambda item: f"gemini:{self.model} item {item.key}",
        )

    def _config(self, max_new_tokens: int) -> Any:
        types = self._types
        options: dict[str, Any] = {"max_output_tokens": max_new_tokens}
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        if self.thinking_budget is not None:
            options["thinking_config"] = types.ThinkingConfig(thinking_budget=self.thinking_budget)
        return types.GenerateContentConfig(**options)

    def _contents(self, item: EvalItem) -> list[Any]:
        return [self._api.image_part(item.image, self.image_format), self.prompt.text(item)]

    def _send(self, contents: list[Any], config: Any) -> Generation:
        response = self._client.models.generate_content(
            model=self.model, contents=contents, config=config
        )
        text = response.text
        if text is None:  # blocked prompt, safety stop, or all tokens spent on thinking
            feedback = response.prompt_feedback
            blocked = getattr(feedback, "block_reason", None) if feedback else None
            finish = response.candidates[0].finish_reason if response.candidates else None
            raise ItemError(f"no text in the answer (finish_reason={finish}, block_reason={blocked})")
        usage = response.usage_metadata
        finish = response.candidates[0].finish_reason if response.candidates else None
        return Generation(
            text=text.strip(),
            n_tokens=usage.candidates_token_count if usage is not None else None,
            meta={"finish_reason": str(getattr(finish, "value", finish))},
        )

    def close(self) -> None:
        self._client.close()
