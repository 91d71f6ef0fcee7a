"""Tiny Mistral 3 models (Pixtral vision encoder)."""

from __future__ import annotations

from xtvqa_models.tiny.common import Builder

BUILDERS: dict[str, Builder] = {}
