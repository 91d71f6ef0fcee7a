"""The OpenAI chat-completions API (api.openai.com, or any compatible server: vLLM, ollama,
llama.cpp) through the official `openai` SDK: the client, built with the SDK's retries off, and
the judgement of its exceptions. What a request says stays with its caller."""

from __future__ import annotations

import os
from typing import Any

from PIL import Image

from xtvqa_providers.images import data_url
from xtvqa_providers.keys import NO_KEY_PLACEHOLDER, SecretScrubber, host_of, require_api_key
from xtvqa_providers.retry import Failure, Verdict, is_retryable_status, retry_after_seconds

OPENAI_HOST = "api.openai.com"


def import_openai(package: str = "xtvqa-providers") -> Any:
    """The `openai` module; an ImportError naming `package`'s extra when it is missing."""
    try:
        import openai
    except ImportError as exc:
        raise ImportError(
            f"the openai: backend needs the OpenAI SDK: pip install '{package}[openai]' "
            "(in this workspace: uv sync --extra openai)"
        ) from exc
    return openai


def image_part(image: Image.Image, image_format: str = "PNG", detail: str | None = None) -> dict[str, Any]:
    """A user-turn content part carrying `image` as a base64 data URL (`detail`: OpenAI's
    "low" / "high" / "auto" resolution hint)."""
    url: dict[str, str] = {"url": data_url(image, image_format)}
    if detail:
        url["detail"] = detail
    return {"type": "image_url", "image_url": url}


class OpenAIAPI:
    """`openai.OpenAI` for `model`, its key scrubber and host, and `classify` for its errors.

    The key is read from `$api_key_env`; with `base_url` set (or `$OPENAI_BASE_URL`) a missing
    key is allowed, for local servers. `package` is named in the ImportError of a missing SDK.
    """

    def __init__(self, model: str, *, api_key_env: str = "OPENAI_API_KEY", base_url: str | None = None,
                 timeout: float = 60.0, package: str = "xtvqa-providers"):
        self.sdk = import_openai(package)
        base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = require_api_key(
            f"openai:{model}", [api_key_env], local_allowed=base_url is not None,
            local_hint=", or pass --base-url for a local OpenAI-compatible server that needs no key",
        )
        self.model = model
        self.scrub = SecretScrubber(key)
        # Retries are ours (xtvqa_providers.retry), hence max_retries=0 here.
        self.client = self.sdk.OpenAI(api_key=key or NO_KEY_PLACEHOLDER, base_url=base_url,
                                      timeout=timeout, max_retries=0)
        self.host = host_of(str(self.client.base_url))

    def classify(self, exc: BaseException) -> Failure | None:
        openai = self.sdk
        if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
            return Failure(Verdict.RETRY)
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return Failure(Verdict.FATAL, hint=f"Check the API key and its access to {self.model!r} "
                                               f"at {self.host}.")
        if isinstance(exc, openai.NotFoundError):
            return Failure(Verdict.FATAL, hint=f"Check the model name {self.model!r} and the base "
                                               "URL (OpenAI-compatible servers serve under /v1).")
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            if status == 429 and exc.code == "insufficient_quota":  # billing, not a rate limit
                return Failure(Verdict.FATAL, hint="The account has no quota left.")
            if is_retryable_status(status):
                return Failure(Verdict.RETRY, retry_after_seconds(exc.response.headers))
            return Failure(Verdict.FAIL_ITEM)  # 400, 413, 422: this request is bad
        if isinstance(exc, openai.OpenAIError):  # e.g. an unparseable response
            return Failure(Verdict.FAIL_ITEM)
        return None

    def close(self) -> None:
        self.client.close()
