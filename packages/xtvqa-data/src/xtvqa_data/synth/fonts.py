"""The generator's one font: PyMuPDF's built-in CJK font (Droid Sans Fallback).

Why one bundled font and no system fonts: images must be byte-identical on every machine with
the locked packages, and the font must cover Latin with French accents (é, è, ç, œ, «») and
Chinese. PyMuPDF ships Droid Sans Fallback inside its wheel (`pymupdf.Font("cjk")`), which covers
both. PyMuPDF renders document pages with it directly; PIL and matplotlib need a file, so the
buffer is written once to a cache file named after its hash (a PyMuPDF upgrade that changes the
font gets a new file, never a stale one) and registered with matplotlib's font manager.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

import pymupdf
from PIL import ImageFont

CACHE_ENV = "XTVQA_CACHE"  # overrides the cache folder (default ~/.cache/xtvqa, else the temp dir)


@functools.cache
def pdf_font() -> pymupdf.Font:
    """The font object PyMuPDF draws document text with (and measures it with)."""
    return pymupdf.Font("cjk")


@functools.cache
def font_buffer() -> bytes:
    """The TrueType bytes of PyMuPDF's built-in CJK font."""
    return bytes(pdf_font().buffer)


def _cache_dirs() -> list[Path]:
    dirs = []
    if os.environ.get(CACHE_ENV):
        dirs.append(Path(os.environ[CACHE_ENV]))
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    dirs.append(Path(base) / "xtvqa")
    dirs.append(Path(tempfile.gettempdir()) / "xtvqa")
    return dirs


@functools.cache
def font_path() -> Path:
    """A file holding `font_buffer()`, written once (atomically, so parallel workers agree)."""
    data = font_buffer()
    name = f"pymupdf-cjk-{hashlib.sha256(data).hexdigest()[:16]}.ttf"
    errors = []
    for folder in _cache_dirs():
        path = folder / "fonts" / name
        if path.is_file() and path.stat().st_size == len(data):
            return path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            return path
        except OSError as exc:  # read-only home: try the next folder
            errors.append(f"{folder}: {exc}")
    raise OSError(f"cannot write the generator's font cache file; tried {'; '.join(errors)} (set {CACHE_ENV})")


@functools.cache
def pil_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at `size` pixels for PIL drawing (cached per size)."""
    return ImageFont.truetype(str(font_path()), max(1, int(size)))


@functools.cache
def mpl_font_family() -> str:
    """Register the font with matplotlib's font manager; the family name to put in rcParams."""
    from matplotlib import font_manager

    path = str(font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def missing_glyphs(text: str) -> list[str]:
    """Characters of `text` the font has no glyph for (spaces excluded); [] when all render."""
    font = pdf_font()
    return sorted({ch for ch in text if not ch.isspace() and not font.has_glyph(ord(ch))})
