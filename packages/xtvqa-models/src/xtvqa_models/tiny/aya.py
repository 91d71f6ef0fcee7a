"""Tiny Aya Vision models."""

from __future__ import annotations

from xtvqa_models.tiny.common import Builder

BUILDERS: dict[str, Builder] = {}
