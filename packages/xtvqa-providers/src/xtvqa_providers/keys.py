"""API keys: read from the environment only, and kept out of every message.

Every text that can leave a client (an error recorded for an item, an exception, a log line)
passes through `SecretScrubber` first, because servers sometimes echo the key they rejected.
Run records name the server by `host_of(url)`, which drops user info, path and query.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from urllib.parse import urlsplit

from xtvqa_providers.retry import FatalAPIError

# Stands in for the key of a local server that needs none (vLLM, ollama, llama.cpp); the SDKs
# refuse an empty key. It is not a secret, but it is still never logged or recorded.
NO_KEY_PLACEHOLDER = "no-key-required"


class MissingAPIKeyError(FatalAPIError, ValueError):
    """No key in the environment and no local server given: nothing can be sent."""


def read_api_key(env_names: Sequence[str]) -> str | None:
    """The first non-empty value among the environment variables `env_names`, else None."""
    for name in env_names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def require_api_key(spec: str, env_names: Sequence[str], *, local_allowed: bool,
                    local_hint: str = "") -> str | None:
    """The key from `env_names`; None when it is missing but a local server (`local_allowed`)
    needs none; else `MissingAPIKeyError` naming the variables."""
    key = read_api_key(env_names)
    if key is None and not local_allowed:
        names = f"${env_names[0]}" + "".join(f" (or ${name})" for name in env_names[1:])
        raise MissingAPIKeyError(f"no API key for {spec}: set {names} in the environment{local_hint}")
    return key


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
