"""`gemini:<model>`: Google's Gemini models through the google-genai SDK.

google-genai is Google's current Python SDK; the older google-generativeai package has ended
support (no new models or features), so it is not used here. Each item is one
`client.models.generate_content(model, contents=[image part, prompt text], config)` call, the
image sent inline as PNG bytes (`Part.from_bytes`). Generation only: `score` stays unsupported.

Concurrency, retries and failure recording live in `_concurrent` (shared with `openai:`). The SDK
retries only when given `HttpRetryOptions`; we give none, so our policy is the only one (it also
honours the `RetryInfo.retryDelay` that Gemini puts in a 429's error details).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from xtvqa_data import EvalItem

from ..base import Generation, VisionLanguageModel
from ..prompts import PromptConfig
from ._api_common import (
    NO_KEY_PLACEHOLDER,
    SecretScrubber,
    encode_image,
    host_of,
    init_api_fields,
    read_api_key,
    retry_after_seconds,
)
from ._concurrent import (
    Failure,
    ItemError,
    Verdict,
    generate_concurrently,
    is_retryable_status,
)

GEMINI_HOST = "generativelanguage.googleapis.com"


def _import_genai() -> tuple[Any, Any, Any]:
    try:
        from google import genai
        from google.genai import errors, types
    except ImportError as exc:
        raise ImportError(
            "the gemini: backend needs the google-genai SDK: pip install 'xtvqa-models[gemini]' "
            "(in this workspace: uv sync --extra gemini)"
        ) from exc
    return genai, types, errors


def _transient_transport_errors() -> tuple[type[BaseException], ...]:
    """Timeouts and connection failures of whichever httpx the SDK uses (httpx or httpx2)."""
    classes: list[type[BaseException]] = []
    for name in ("httpx", "httpx2"):
        try:
            module = __import__(name)
        except ImportError:
            continue
        classes += [module.TimeoutException, module.TransportError]
    return tuple(classes)


def _retry_info_delay(details: Any) -> float | None:
    """`retryDelay` ("13s", "0.5s") of a google.rpc.RetryInfo in a Gemini error body."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = re.fullmatch(r"\s*([0-9.]+)s\s*", str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


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
        genai, types, errors = _import_genai()
        init_api_fields(self, "gemini", model, example="gemini-2.5-flash", prompt=prompt, temperature=temperature,
                        image_format=image_format, seed=seed, max_concurrency=max_concurrency, timeout=timeout,
                        max_retries=max_retries, retry_base_delay=retry_base_delay, retry_max_delay=retry_max_delay)
        key = read_api_key([api_key_env, "GOOGLE_API_KEY"])
        if key is None and base_url is None:
            raise ValueError(
                f"no API key for gemini:{model}: set ${api_key_env} (or $GOOGLE_API_KEY) in the "
                "environment"
            )
        self.thinking_budget = thinking_budget
        self._types = types
        self._errors = errors
        self._transport_errors = _transient_transport_errors()
        self._scrub = SecretScrubber(key)
        # HttpOptions.timeout is in milliseconds; no retry_options: retries are ours.
        http_options = types.HttpOptions(base_url=base_url, api_version=api_version,
                                         timeout=int(timeout * 1000))
        self._client = genai.Client(api_key=key or NO_KEY_PLACEHOLDER, vertexai=False,
                                    http_options=http_options)
        self.host = host_of(base_url) if base_url else GEMINI_HOST
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
            classify=self._classify,
            scrub=self._scrub,
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
        data, mime = encode_image(item.image, self.image_format)
        return [self._types.Part.from_bytes(data=data, mime_type=mime), self.prompt.text(item)]

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

    def _classify(self, exc: BaseException) -> Failure | None:
        if isinstance(exc, self._transport_errors):
            return Failure(Verdict.RETRY)
        if not isinstance(exc, self._errors.APIError):
            return None
        code = exc.code or 0
        if code in (401, 403) or (code == 400 and "API_KEY_INVALID" in str(exc.details)):
            # Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
            return Failure(Verdict.FATAL, hint=f"Check the API key and its access to {self.model!r}.")
        if code == 404:
            return Failure(Verdict.FATAL, hint=f"Check the model name {self.model!r} "
                                               "(list them with client.models.list()).")
        if is_retryable_status(code):
            headers = getattr(exc.response, "headers", None)
            delay = retry_after_seconds(headers)
            return Failure(Verdict.RETRY, delay if delay is not None
                           else _retry_info_delay(exc.details))
        return Failure(Verdict.FAIL_ITEM)

    def close(self) -> None:
        self._client.close()
