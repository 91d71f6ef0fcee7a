"""`openai:<model>`: any server that speaks the OpenAI chat-completions API with images.

One backend for GPT-4o on api.openai.com and for a local vLLM, ollama or llama.cpp server
(`base_url="http://localhost:8000/v1"`): the image goes in the user turn as a base64 data URL
(`{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}`), which all of them
accept, followed by the prompt text from `PromptConfig`. Generation only: the API returns no
full-vocabulary distributions, so `score` stays unsupported (base class).

The client, keys, image encoding, retries and concurrency come from `xtvqa_providers` (shared
with `gemini:` and with xtvqa-build's LLM clients); the SDK's own retries are switched off
(`max_retries=0`) so that policy is the only one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xtvqa_data import EvalItem
from xtvqa_providers import ItemError
from xtvqa_providers.openai_api import OPENAI_HOST, OpenAIAPI, image_part

from ..base import Generation, VisionLanguageModel
from ..prompts import PromptConfig
from ._api import generate_concurrently, init_api_fields


class OpenAIModel(VisionLanguageModel):
    """A chat-completions model behind `VisionLanguageModel.generate`.

    The key is read from `$api_key_env`; with `base_url` set (or `$OPENAI_BASE_URL`) a missing
    key is allowed, for local servers. `max_tokens_field=None` sends `max_completion_tokens` to
    api.openai.com (its newer models reject `max_tokens`) and `max_tokens` elsewhere (what every
    OpenAI-compatible server accepts). `temperature=None` omits the field (reasoning models
    accept only their default). `image_detail` ("low", "high", "auto") is OpenAI's resolution hint.
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        max_concurrency: int = 8,
        max_retries: int = 5,
        timeout: float = 60.0,
        prompt: PromptConfig | None = None,
        temperature: float | None = 0.0,
        image_format: str = "PNG",
        image_detail: str | None = None,
        max_tokens_field: str | None = None,
        seed: int | None = None,
        retry_base_delay: float = 1.0,
        retry_max_delay: float = 60.0,
    ):
        init_api_fields(self, "openai", model, example="gpt-4o", prompt=prompt, temperature=temperature,
                        image_format=image_format, seed=seed, max_concurrency=max_concurrency, timeout=timeout,
                        max_retries=max_retries, retry_base_delay=retry_base_delay, retry_max_delay=retry_max_delay)
        self.image_detail = image_detail
        self._api = OpenAIAPI(model, api_key_env=api_key_env, base_url=base_url, timeout=timeout,
                              package="xtvqa-models")
        self._client = self._api.client
        self.host = self._api.host
        self.model_id = f"{model}@{self.host}"
        self.max_tokens_field = max_tokens_field or (
            "max_completion_tokens" if self.host == OPENAI_HOST else "max_tokens"
        )

    def __repr__(self) -> str:
        return (f"OpenAIModel(model={self.model!r}, host={self.host!r}, "
                f"max_concurrency={self.max_concurrency})")

    def describe(self) -> dict[str, Any]:
        """What `results.json` records about this backend (no key, no full URL)."""
        return {
            "backend": "openai", "model": self.model,
            "host": self.host, "temperature": self.temperature, "seed": self.seed,
            "image_format": self.image_format, "image_detail": self.image_detail,
            "max_tokens_field": self.max_tokens_field, "max_concurrency": self.max_concurrency,
            "max_retries": self.retry_policy.max_retries, "timeout": self.timeout,
        }

    def generate(
        self, items: Sequence[EvalItem], *, max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[Generation]:
        """Answers, one request per item; `max_concurrency` bounds parallelism (not `batch_size`:
        the API has no batch dimension to fill)."""
        return generate_concurrently(
            items,
            prepare=self._messages,
            send=lambda messages: self._send(messages, max_new_tokens),
            max_concurrency=self.max_concurrency,
            policy=self.retry_policy,
            classify=self._api.classify,
            scrub=self._api.scrub,
            label=lambda item: f"openai:{self.model} item {item.key}",
        )

    def _messages(self, item: EvalItem) -> list[dict[str, Any]]:
        content = [image_part(item.image, self.image_format, self.image_detail),
                   {"type": "text", "text": self.prompt.text(item)}]
        return [{"role": "user", "content": content}]

    def _send(self, messages: list[dict[str, Any]], max_new_tokens: int) -> Generation:
        options: dict[str, Any] = {self.max_tokens_field: max_new_tokens}
        if self.temperature is not None:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        response = self._client.chat.completions.create(
            model=self.model, messages=messages, **options
        )
        if not response.choices:
            raise ItemError("the response has no choices")
        choice = response.choices[0]
        text = choice.message.content
        if text is None:  # a refusal or a content filter; the answer is text, never evaluated
            refusal = getattr(choice.message, "refusal", None)
            raise ItemError(f"no text in the answer (finish_reason={choice.finish_reason!r}"
                            + (f", refusal={refusal!r})" if refusal else ")"))
        usage = response.usage
        return Generation(
            text=text.strip(),
            n_tokens=usage.completion_tokens if usage is not None else None,
            meta={"finish_reason": str(choice.finish_reason)},
        )

    def close(self) -> None:
        self._client.close()
