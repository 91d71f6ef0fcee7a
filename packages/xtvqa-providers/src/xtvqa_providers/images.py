"""Images for the wire: encoded bytes and their MIME type, or a base64 data URL."""

from __future__ import annotations

import base64
import io

from PIL import Image

# image_format -> (PIL format name, MIME type)
IMAGE_FORMATS: dict[str, tuple[str, str]] = {
    "PNG": ("PNG", "image/png"),
    "JPEG": ("JPEG", "image/jpeg"),
    "JPG": ("JPEG", "image/jpeg"),
    "WEBP": ("WEBP", "image/webp"),
}


def check_image_format(image_format: str) -> str:
    """`image_format` upper-cased; ValueError when it is not one of `IMAGE_FORMATS`."""
    fmt = image_format.upper()
    if fmt not in IMAGE_FORMATS:
        raise ValueError(
            f"image_format {image_format!r} is not supported; use one of {sorted(IMAGE_FORMATS)}"
        )
    return fmt


def encode_image(image: Image.Image, image_format: str = "PNG") -> tuple[bytes, str]:
    """`image` encoded losslessly (PNG, the default) or as JPEG/WebP: `(bytes, mime type)`.

    PNG is the default because the images are text-rich: JPEG artefacts blur small glyphs.
    """
    pil_format, mime = IMAGE_FORMATS[check_image_format(image_format)]
    keeps_alpha = pil_format in ("PNG", "WEBP")
    if image.mode not in ("RGB", "L") and not (keeps_alpha and image.mode in ("RGBA", "LA")):
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha and keeps_alpha else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format=pil_format)
    return buffer.getvalue(), mime


def data_url(image: Image.Image, image_format: str = "PNG") -> str:
    """`data:<mime>;base64,...` of `encode_image(image, image_format)`."""
    data, mime = encode_image(image, image_format)
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
