"""`provider:name` specs: the one parser behind `load_model`, `load_llm`, `load_translator` and
the run folders' names (`slug`)."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Collection

# "provider:" at the start of a spec: two characters at least, so that "C:\runs" stays a plain
# path; letters and digits, and inner hyphens ("google-cloud"). The name keeps its own colons
# (ollama's `qwen2.5:7b`).
_SPEC = re.compile(r"([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*[A-Za-z0-9]):(.*)", re.DOTALL)


def split_spec(text: str) -> tuple[str, str] | None:
    """`(provider, name)` of `provider:name`, the provider lowercased and the name stripped;
    None for text that has no provider prefix (a plain path)."""
    match = _SPEC.fullmatch(text.strip())
    return (match.group(1).lower(), match.group(2).strip()) if match else None


def parse_spec(spec: str, known: Collection[str], *, what: str = "model",
               suggest: str = "spec") -> tuple[str, str]:
    """Split `provider:name` and check the provider against `known`; ValueError otherwise,
    with the closest providers as a hint: as whole specs (`did you mean 'hf:x'?`) or, with
    `suggest="provider"`, as bare names (`did you mean hf?`)."""
    known = list(known)
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"{what} spec must be a non-empty string like '{known[0]}:<name>', got {spec!r}")
    parts = split_spec(spec)
    if parts is None:
        raise ValueError(f"{what} spec {spec!r} has no provider prefix; write 'provider:model', e.g. "
                         f"'{known[0]}:{spec.strip()}' (providers: {', '.join(known)})")
    provider, name = parts
    if provider not in known:
        close = difflib.get_close_matches(provider, known, n=2, cutoff=0.5)
        shown = [repr(f"{c}:{name}") for c in close] if suggest == "spec" else close
        hint = f"; did you mean {' or '.join(shown)}?" if close else ""
        raise ValueError(f"unknown {what} provider {provider!r} in spec {spec!r} "
                         f"(known: {', '.join(known)}){hint}")
    if not name:
        raise ValueError(f"{what} spec {spec!r} names no model after '{provider}:'")
    return provider, name


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_.")


def slug(spec: str) -> str:
    """A folder-safe, readable name for a model spec, unique per spec (a run's sub-folder).

    `provider:name` -> `<provider>-<last part of name>`, e.g. `openai:gpt-4o` -> `openai-gpt-4o`.
    When that readable part would lose or alter anything (the name has a `/`, capitals that a
    case-insensitive filesystem folds, characters that are not folder-safe, or it is over 60
    characters), `-` + 8 hex of the SHA-1 of `provider:name` is appended: so
    `hf:Qwen/Qwen2-VL-2B-Instruct` -> `hf-Qwen2-VL-2B-Instruct-<hash>`, and the same spec on
    `vllm:` or another org's model of that name gets another folder, the same spec the same one
    in every run (a `--resume` finds it). A name kept whole is `provider-` + exactly the name,
    so two specs cannot share it either (a provider with a `-` always gets the hash).

    A plain path with no provider prefix (`apps/train --out` names its run folder with it) keeps
    its last part alone, as before: there the name only tells apart runs of the same second.
    """
    parts = split_spec(spec)
    if parts is None:  # a plain path
        return _safe(spec.strip().rstrip("/").split("/")[-1])[:60] or "model"
    provider, name = parts
    readable = f"{provider}-{_safe(name.rstrip('/').split('/')[-1]) or 'model'}"
    if "-" not in provider and readable == f"{provider}-{name.lower()}" and len(readable) <= 60:
        return readable
    digest = hashlib.sha1(f"{provider}:{name}".encode()).hexdigest()[:8]
    return f"{readable[:51]}-{digest}"
