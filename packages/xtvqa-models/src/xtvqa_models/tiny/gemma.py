"""Tiny Gemma 3 and PaliGemma models."""

from __future__ import annotations

from xtvqa_models.tiny.common import Builder

BUILDERS: dict[str, Builder] = {}
