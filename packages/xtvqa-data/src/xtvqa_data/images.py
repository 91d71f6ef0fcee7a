"""Image decoding and encoding for storage and converters.

Two rules live here so that `save` and every converter agree on them:

- An image read from a PNG or JPEG file is stored with its *original bytes*: re-encoding a JPEG
  loses quality, and re-encoding a PNG costs time for nothing. `open_image` remembers the bytes
  it decoded; an image the caller opened with `PIL.Image.open(path)` is read back from its file
  (the same convention as `datasets.Image`, which stores such images by path). Any other image
  (drawn in memory, converted, cropped) is encoded as PNG (TIFF for modes PNG cannot hold).
- Decoding is checked eagerly (`Image.load()`), so a corrupt file is reported with the record id
  and the field where it is read, not later inside a model's processor.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from xtvqa_data.record import RecordError

# Formats whose original bytes are kept; anything else is re-encoded.
KEPT_FORMATS = ("PNG", "JPEG")
_RAW_ATTR = "_xtvqa_raw_bytes"  # set on images decoded by `open_image`


def open_image(
    source: bytes | str | Path, *, record_id: str, field_name: str = "image", lazy: bool = True
) -> Image.Image:
    """Decode an image from bytes or a file, raising `RecordError` naming the record and field.

    The pixels are decoded once to prove the data is sound. With `lazy` (converters, which
    stream records to `save` without touching pixels) the returned image is a fresh open of the
    same bytes, so holding many records costs their compressed size; without it (`load`, whose
    records go straight to a model) it is the decoded image itself, so nothing decodes twice.
    """
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise RecordError(record_id, field_name, f"file {str(path)!r} does not exist")
        raw = path.read_bytes()
        where = f" (file {str(path)!r})"
    else:
        raw, where = bytes(source), ""
    if not raw:
        raise RecordError(record_id, field_name, f"is empty (0 bytes){where}")
    try:
        probe = Image.open(io.BytesIO(raw))
        probe.load()  # full decode: a truncated or garbled file fails here
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        # Pillow names the unreadable buffer by its memory address: say what it means instead.
        detail = "no image format Pillow reads" if isinstance(exc, UnidentifiedImageError) else str(exc)
        raise RecordError(record_id, field_name, f"cannot be decoded{where}: {detail}") from exc
    image = Image.open(io.BytesIO(raw)) if lazy else probe
    setattr(image, _RAW_ATTR, raw)
    return image


def _original_bytes(image: Image.Image) -> bytes | None:
    """The encoded bytes `image` was decoded from, if known and still describing it."""
    raw = getattr(image, _RAW_ATTR, None)
    if raw is None and getattr(image, "filename", "") and image.format in KEPT_FORMATS:
        path = Path(image.filename)
        raw = path.read_bytes() if path.is_file() else None
    if raw is None:
        return None
    # Guard against in-place edits that change the geometry (`thumbnail`, `draft`): the header
    # of the original bytes must still describe this image. (In-place drawing is not detected;
    # draw on `image.copy()`.)
    try:
        with Image.open(io.BytesIO(raw)) as header:
            same = header.size == image.size and header.mode == image.mode
            fmt = header.format
    except (UnidentifiedImageError, OSError):
        return None
    return raw if same and fmt in KEPT_FORMATS else None


def encode_image(image: Image.Image, *, record_id: str = "?") -> tuple[bytes, str]:
    """Encoded bytes and format name (`PNG`, `JPEG`, `TIFF`) for storing `image`."""
    raw = _original_bytes(image)
    if raw is not None:
        return raw, Image.open(io.BytesIO(raw)).format or "PNG"
    fmt = "PNG" if image.mode in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16") else "TIFF"
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=fmt)
    except (OSError, ValueError) as exc:
        raise RecordError(record_id, "image", f"cannot be encoded as {fmt} (mode {image.mode}): {exc}") from exc
    return buffer.getvalue(), fmt
