"""Google's Gemini API through the google-genai SDK: the client, built with the SDK's retries
off, inline image parts, and the judgement of its exceptions. What a request says stays with
its caller.

google-genai is Google's current Python SDK; the older google-generativeai package has ended
support (no new models or features), so it is not used here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from PIL import Image

from xtvqa_providers.images import encode_image
from xtvqa_providers.keys import NO_KEY_PLACEHOLDER, SecretScrubber, host_of, require_api_key
from xtvqa_providers.retry import (
    Failure,
    Verdict,
    is_retryable_status,
    is_transport_error,
    retry_after_seconds,
)

GEMINI_HOST = "generativelanguage.googleapis.com"


def import_genai(package: str = "xtvqa-providers") -> tuple[Any, Any, Any]:
    """`(genai, types, errors)` of google-genai; an ImportError naming `package`'s extra."""
    try:
        from google import genai
        from google.genai import errors, types
    except ImportError as exc:
        raise ImportError(
            f"the gemini: backend needs the google-genai SDK: pip install '{package}[gemini]' "
            "(in this workspace: uv sync --extra gemini)"
        ) from exc
    return genai, types, errors


def retry_info_delay(details: Any) -> float | None:
    """`retryDelay` ("13s", "0.5s") of a google.rpc.RetryInfo in a Gemini error body."""
    error = details.get("error", details) if isinstance(details, dict) else {}
    for detail in error.get("details", []) if isinstance(error, dict) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("RetryInfo"):
            match = re.fullmatch(r"\s*([0-9.]+)s\s*", str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


class GeminiAPI:
    """`genai.Client` for `model` (API key, not Vertex AI), its key scrubber and host, inline
    image parts, and `classify` for its errors.

    The key is the first set of `api_key_env`. `base_url` points the SDK at a proxy or a test
    server (then a missing key is allowed). `package` is named in the ImportError of a missing SDK.
    """

    def __init__(self, model: str, *, api_key_env: Sequence[str] = ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
                 base_url: str | None = None, api_version: str | None = None, timeout: float = 60.0,
                 package: str = "xtvqa-providers"):
        genai, self.types, self.errors = import_genai(package)
        key = require_api_key(f"gemini:{model}", list(api_key_env), local_allowed=base_url is not None)
        self.model = model
        self.scrub = SecretScrubber(key)
        # HttpOptions.timeout is in milliseconds; one attempt: retries are ours.
        http_options = self.types.HttpOptions(
            base_url=base_url, api_version=api_version, timeout=int(timeout * 1000),
            retry_options=self.types.HttpRetryOptions(attempts=1),
        )
        self.client = genai.Client(api_key=key or NO_KEY_PLACEHOLDER, vertexai=False,
                                   http_options=http_options)
        self.host = host_of(base_url) if base_url else GEMINI_HOST

    def image_part(self, image: Image.Image, image_format: str = "PNG") -> Any:
        """`image` as inline bytes (`Part.from_bytes`)."""
        data, mime = encode_image(image, image_format)
        return self.types.Part.from_bytes(data=data, mime_type=mime)

    def classify(self, exc: BaseException) -> Failure | None:
        if is_transport_error(exc):
            return Failure(Verdict.RETRY)
        if not isinstance(exc, self.errors.APIError):
            return None
        code = exc.code or 0
        if code in (401, 403) or (code == 400 and "API_KEY_INVALID" in str(exc.details)):
            # Gemini answers a bad key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID.
            return Failure(Verdict.FATAL, hint=f"Check the API key and its access to {self.model!r}.")
        if code == 404:
            return Failure(Verdict.FATAL, hint=f"Check the model name {self.model!r} "
                                               "(list them with client.models.list()).")
        if is_retryable_status(code):
            delay = retry_after_seconds(getattr(exc.response, "headers", None))
            return Failure(Verdict.RETRY, delay if delay is not None else retry_info_delay(exc.details))
        return Failure(Verdict.FAIL_ITEM)

    def close(self) -> None:
        self.client.close()
