"""What the API backends (`openai:`, `gemini:`) need besides the request itself: the API key
read from the environment and kept out of every message, the server's host for the run record,
an image encoded for the wire, and the delay a server asks for before a retry.

Secrets rule (DESIGN.md section 8): a key comes from the environment only, and every text that
can leave a backend (an error recorded in `predictions.jsonl`, an exception, a log line) passes
through `SecretScrubber` first, because servers sometimes echo the key they rejected.
"""

from __future__ import annotations

import email.utils
import io
import math
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

# Stands in for the key of a local server that needs none (vLLM, ollama, llama.cpp); the SDKs
# refuse an empty key. It is not a secret, but it is still never logged or recorded.
NO_KEY_PLACEHOLDER = "no-key-required"

# image_format -> (PIL format name, MIME type)
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("PNG", "image/png"),
    "JPEG": ("JPEG", "image/jpeg"),
    "JPG": ("JPEG", "image/jpeg"),
    "WEBP": ("WEBP", "image/webp"),
}


def read_api_key(env_names: Sequence[str]) -> str | None:
    """The first non-empty value among the environment variables `env_names`, else None."""
    for name in env_names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def host_of(url: str | None) -> str:
    """`host[:port]` of `url`: no user info, path or query, any of which may carry credentials."""
    if not url:
        return ""
    parts = urlsplit(str(url))
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


class SecretScrubber:
    """Removes a secret from text: the whole secret and any 8-character piece of it, so that a
    partly masked echo (`sk-abc...wxyz1234`) does not leak part of the key either."""

    _WINDOW = 8

    def __init__(self, secret: str | None):
        self._secret = secret or ""

    def __call__(self, text: str) -> str:
        secret = self._secret
        if not secret or not text:
            return text
        text = text.replace(secret, "***")
        if len(secret) > self._WINDOW:
            for start in range(len(secret) - self._WINDOW + 1):
                piece = secret[start : start + self._WINDOW]
                if piece in text:
                    text = text.replace(piece, "***")
        return text

    def __repr__(self) -> str:
        return "SecretScrubber(***)"


def encode_image(image: Image.Image, image_format: str = "PNG") -> tuple[bytes, str]:
    """`image` encoded losslessly (PNG, the default) or as JPEG/WebP: `(bytes, mime type)`.

    PNG is the default because the images are text-rich: JPEG artefacts blur small glyphs.
    """
    fmt = image_format.upper()
    if fmt not in IMAGE_FORMATS:
        raise ValueError(
            f"image_format {image_format!r} is not supported; use one of {sorted(IMAGE_FORMATS)}"
        )
    pil_format, mime = IMAGE_FORMATS[fmt]
    keeps_alpha = pil_format in ("PNG", "WEBP")
    if image.mode not in ("RGB", "L") and not (keeps_alpha and image.mode in ("RGBA", "LA")):
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha and keeps_alpha else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=pil_format)
    return buffer.getvalue(), mime


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The delay a server asks for (`retry-after-ms`, `retry-after` in seconds or an HTTP date).

    `headers` is any case-insensitive mapping (httpx's `Headers`). None when absent or unreadable.
    """
    if not headers:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is None:
                continue
            seconds = email.utils.mktime_tz(parsed) - time.time()
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


def init_api_fields(obj: Any, provider: str, model: str, *, example: str, prompt: Any, temperature: float | None,
                    image_format: str, seed: int | None, max_concurrency: int, timeout: float,
                    max_retries: int, retry_base_delay: float, retry_max_delay: float) -> None:
    """Check and set the options every API backend shares (one place, not one per backend)."""
    from xtvqa_models.backends._concurrent import RetryPolicy
    from xtvqa_models.prompts import PromptConfig

    if not model:
        raise ValueError(f"{provider}: backend needs a model name, e.g. '{provider}:{example}'")
    if image_format.upper() not in IMAGE_FORMATS:
        raise ValueError(f"image_format {image_format!r}: use one of {sorted(IMAGE_FORMATS)}")
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
    obj.spec = f"{provider}:{model}"
    obj.model = model
    obj.prompt = prompt or PromptConfig()
    obj.temperature = temperature
    obj.image_format = image_format.upper()
    obj.seed = seed
    obj.max_concurrency = max_concurrency
    obj.timeout = timeout
    obj.retry_policy = RetryPolicy(max_retries, retry_base_delay, retry_max_delay)
