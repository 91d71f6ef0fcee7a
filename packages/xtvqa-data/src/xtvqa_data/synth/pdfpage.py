"""A square PyMuPDF page to draw text, lines and boxes on, rendered to a PIL image.

Document scenes are real PDF pages (PyMuPDF builds them in memory and renders them with its
own rasteriser, as a scanned page would be), so they have a document's typography rather than a
screen's. One point is one pixel: the page is `size` x `size` points rendered at 72 dpi.
Text goes through `pymupdf.TextWriter` with the generator's one font; a writer holds one colour,
so there is one per colour used.
"""

from __future__ import annotations

import pymupdf
from PIL import Image

from xtvqa_data.synth.fonts import pdf_font
from xtvqa_data.synth.layout import fit_size

RGB = tuple[float, float, float]


class PdfPage:
    """Drawing calls in pixel coordinates (origin top left); `render()` returns the image."""

    def __init__(self, size: int, paper: RGB = (1, 1, 1)):
        self.size = size
        self.doc = pymupdf.open()
        self.page = self.doc.new_page(width=size, height=size)
        self.shape = self.page.new_shape()  # one Shape for all lines and boxes: a Shape per call costs ~1 ms
        self.writers: dict[RGB, pymupdf.TextWriter] = {}
        self.box(0, 0, size, size, fill=paper)

    def text(self, x: float, baseline: float, text: str, size: float, color: RGB = (0, 0, 0),
             align: str = "left", max_width: float | None = None) -> float:
        """Write `text` with its baseline at `baseline`, shrunk to `max_width` if given; its size."""
        if max_width is not None:
            size = fit_size(text, int(size), max_width)
        width = pdf_font().text_length(text, fontsize=size)
        if align == "right":
            x -= width
        elif align == "center":
            x -= width / 2
        writer = self.writers.setdefault(color, pymupdf.TextWriter(self.page.rect))
        writer.append((x, baseline), text, font=pdf_font(), fontsize=size)
        return size

    def line(self, x0: float, y0: float, x1: float, y1: float, color: RGB = (0.6, 0.6, 0.6), width: float = 0.8) -> None:
        self.shape.draw_line((x0, y0), (x1, y1))
        self.shape.finish(color=color, width=width)

    def box(self, x0: float, y0: float, x1: float, y1: float, fill: RGB | None = None,
            color: RGB | None = None, width: float = 0.8) -> None:
        self.shape.draw_rect(pymupdf.Rect(x0, y0, x1, y1))
        self.shape.finish(color=color, fill=fill, width=width if color else 0)

    def render(self, tilt: float = 0.0) -> Image.Image:
        """Rasterise the page, rotated by `tilt` degrees about its centre (a skewed scan).

        MuPDF rotates while rasterising (exact, anti-aliased, ~10x faster than rotating the
        pixels afterwards); the rotated page's bounding box is cropped back to the page size.
        """
        self.shape.commit()
        for color, writer in self.writers.items():
            writer.write_text(self.page, color=color)
        matrix = pymupdf.Matrix(1, 1).prerotate(tilt) if tilt else pymupdf.Identity
        pix = self.page.get_pixmap(matrix=matrix, alpha=False)
        image = Image.frombytes("RGB", (pix.width, pix.height), pix.samples)
        self.doc.close()
        if image.size != (self.size, self.size):
            left, top = (image.width - self.size) // 2, (image.height - self.size) // 2
            image = image.crop((left, top, left + self.size, top + self.size))
        return image
