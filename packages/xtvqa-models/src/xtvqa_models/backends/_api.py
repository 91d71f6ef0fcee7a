"""What the API backends (`openai:`, `gemini:`) share besides the provider layer: their common
options, and one `Generation` per item from `xtvqa_providers`' retries and bounded concurrency.

Failure rules (xtvqa-providers README, "Failures"): an item that cannot be answered becomes
`Generation(text="", error="<type>: <message>")` in its place, never dropped and never raised
for the whole batch; a failure every item would share raises `FatalAPIError` and stops the run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from xtvqa_providers import (
    Failure,
    RetryPolicy,
    check_image_format,
    map_concurrently,
    with_retries,
)

from ..base import Generation

log = logging.getLogger("xtvqa_models.backends")
T = TypeVar("T")
P = TypeVar("P")


def init_api_fields(obj: Any, provider: str, model: str, *, example: str, prompt: Any, temperature: float | None,
                    image_format: str, seed: int | None, max_concurrency: int, timeout: float,
                    max_retries: int, retry_base_delay: float, retry_max_delay: float) -> None:
    """Check and set the options every API backend shares (one place, not one per backend)."""
    from xtvqa_models.prompts import PromptConfig

    if not model:
        raise ValueError(f"{provider}: backend needs a model name, e.g. '{provider}:{example}'")
    image_format = check_image_format(image_format)
    if max_concurrency < 1:
        raise ValueError(f"max_concurrency must be >= 1, got {max_concurrency}")
    obj.spec = f"{provider}:{model}"
    obj.model = model
    obj.prompt = prompt or PromptConfig()
    obj.temperature = temperature
    obj.image_format = image_format
    obj.seed = seed
    obj.max_concurrency = max_concurrency
    obj.timeout = timeout
    obj.retry_policy = RetryPolicy(max_retries, retry_base_delay, retry_max_delay)


def generate_concurrently(
    items: Sequence[T],
    *,
    prepare: Callable[[T], P],
    send: Callable[[P], Generation],
    max_concurrency: int,
    policy: RetryPolicy,
    classify: Callable[[BaseException], Failure | None],
    scrub: Callable[[str], str],
    label: Callable[[T], str],
) -> list[Generation]:
    """One `Generation` per item, in order. `prepare(item)` builds the request payload once (an
    item whose image cannot be encoded fails alone); `send(payload)` is retried; at most
    `max_concurrency` requests are in flight; `meta["attempts"]` counts the tries."""

    stop = threading.Event()  # set by a fatal error: the other items stop

    def run_one(item: T) -> Generation:
        try:
            payload = prepare(item)
        except (OSError, ValueError) as exc:  # PIL cannot encode the image, an unknown format
            return Generation(text="", error=scrub(f"{type(exc).__name__}: {exc}"))
        outcome = with_retries(lambda: send(payload), policy=policy, classify=classify, scrub=scrub,
                               label=label(item), stop=stop, log=log)
        attempts = {"attempts": str(outcome.attempts)}
        if outcome.value is None:
            return Generation(text="", error=outcome.error, meta=attempts)
        return replace(outcome.value, meta={**outcome.value.meta, **attempts})

    return map_concurrently(run_one, items, max_concurrency=max_concurrency, stop=stop)
