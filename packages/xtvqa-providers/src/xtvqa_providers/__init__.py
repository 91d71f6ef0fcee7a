"""xtvqa-providers: one client layer for the OpenAI-compatible and Gemini APIs.

Used by the benchmark backends (`xtvqa_models.backends`) and the dataset-construction LLM
clients (`xtvqa_build.llm`): `provider:name` specs, API keys read from the environment and
scrubbed from every message, images encoded for the wire, the SDK clients built with their own
retries off, one judgement of every failure (retry, fail the item, stop the run), retries with
backoff and Retry-After, and bounded concurrency. The SDK modules (`openai_api`, `gemini_api`)
are imported only by who uses them.
"""

from xtvqa_providers.concurrent import map_concurrently
from xtvqa_providers.images import IMAGE_FORMATS, check_image_format, data_url, encode_image
from xtvqa_providers.keys import (
    NO_KEY_PLACEHOLDER,
    MissingAPIKeyError,
    SecretScrubber,
    host_of,
    read_api_key,
    require_api_key,
)
from xtvqa_providers.retry import (
    RETRY_STATUSES,
    Failure,
    FatalAPIError,
    ItemError,
    Outcome,
    RetryPolicy,
    TransientAPIError,
    Verdict,
    is_retryable_status,
    is_transient,
    is_transport_error,
    retry_after_seconds,
    with_retries,
)
from xtvqa_providers.specs import parse_spec, split_spec

__all__ = [
    "IMAGE_FORMATS",
    "NO_KEY_PLACEHOLDER",
    "RETRY_STATUSES",
    "Failure",
    "FatalAPIError",
    "ItemError",
    "MissingAPIKeyError",
    "Outcome",
    "RetryPolicy",
    "SecretScrubber",
    "TransientAPIError",
    "Verdict",
    "check_image_format",
    "data_url",
    "encode_image",
    "host_of",
    "is_retryable_status",
    "is_transient",
    "is_transport_error",
    "map_concurrently",
    "parse_spec",
    "read_api_key",
    "require_api_key",
    "retry_after_seconds",
    "split_spec",
    "with_retries",
]
