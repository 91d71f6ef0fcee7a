"""Book-cover scenario (OCR-VQA style): title, author, publisher, year and genre on a cover,
photographed lying on a desk.

The cover is a flat portrait board with a decorative shape, drawn with PIL and warped in
perspective onto a desk (scenery.py). Chinese covers follow their own conventions: the author is
followed by 著 ("written by") and the year by 年.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.fonts import pil_font
from xtvqa_data.synth.layout import fit_size, wrap
from xtvqa_data.synth.names import BOOK_TITLES, PUBLISHERS, person_name
from xtvqa_data.synth.sampling import pick
from xtvqa_data.synth.scene import QA, Answer, Scene
from xtvqa_data.synth.scenery import desk, paste_warped, warp_quad
from xtvqa_data.synth.vocab import GENRES

VARIANTS: dict[str, tuple[str, ...]] = {
    "book": ("cover_title", "cover_author", "cover_publisher", "cover_year", "cover_genre", "cover_before", "cover_by"),
}
# (cover colour, ink, accent)
STYLES = (((28, 48, 84), (245, 240, 225), (214, 168, 72)), ((240, 232, 214), (40, 36, 32), (170, 50, 40)),
          ((120, 30, 40), (250, 240, 230), (235, 200, 120)), ((36, 82, 70), (240, 245, 235), (230, 190, 90)),
          ((245, 245, 245), (20, 20, 20), (40, 110, 170)), ((60, 50, 90), (245, 240, 250), (250, 170, 120)))


def render(variant: str, rng: np.random.Generator, lang: str, config: SynthConfig) -> Scene:
    if variant not in VARIANTS:
        raise ValueError(f"unknown cover variant {variant!r}; known: {', '.join(VARIANTS)}")
    S = config.image_size
    title, author, publisher = pick(rng, BOOK_TITLES[lang]), person_name(rng, lang), pick(rng, PUBLISHERS[lang])
    year, genre = int(rng.integers(1950, 2025)), pick(rng, GENRES)
    author_text = f"{author} 著" if lang == "zh" else author
    year_text = f"{year}年" if lang == "zh" else str(year)
    cover, title_lines = _cover(rng, config, title, author_text, publisher, year_text, genre[lang])
    width, height = cover.size
    x0 = (S - width) / 2 + float(rng.uniform(-0.4, 0.4)) * (S - width)
    y0 = (S - height) / 2 + float(rng.uniform(-0.4, 0.4)) * (S - height)
    quad = warp_quad(rng, (x0, y0, x0 + width, y0 + height), S, config.clutter)
    image = paste_warped(desk(rng, S, config.clutter), cover, quad)
    other = person_name(rng, lang)
    while other == author:
        other = person_name(rng, lang)
    shift = int(rng.integers(1, 15))
    qas = [QA("cover_title", Answer.name(title)), QA("cover_author", Answer.name(author)),
           QA("cover_publisher", Answer.name(publisher)),
           QA("cover_year", Answer.code(str(year), *([year_text] if year_text != str(year) else []))),
           QA("cover_genre", Answer.of_term(genre)),
           QA("cover_before", Answer.yes_no(True), {"year": str(year + shift)}),
           QA("cover_before", Answer.yes_no(False), {"year": str(year - shift)}),
           QA("cover_by", Answer.yes_no(True), {"name": author}), QA("cover_by", Answer.yes_no(False), {"name": other})]
    texts = (genre[lang], title, author_text, publisher, year_text)
    params = {"variant": variant, "title": title, "title_lines": title_lines, "author": author, "publisher": publisher,
              "year": year, "genre": genre[lang], "quad": [[round(x, 1), round(y, 1)] for x, y in quad]}
    return Scene(image=image, texts=texts, qas=tuple(qas), params=params)


def _px(config: SynthConfig, design: float, shrink: float) -> int:
    return max(6, round(config.px(design) * shrink))


def _cover(rng, config: SynthConfig, title, author, publisher, year, genre) -> tuple[Image.Image, list[str]]:
    """The flat cover (RGBA) and the title's wrapped lines.

    Text stacks from the top (genre, title, author) and from the bottom (publisher, year); if
    the two stacks would meet, every cover font shrinks until they leave a gap, and the
    decoration goes into that gap (or is left out), so nothing ever overlaps."""
    S, g = config.image_size, config.geometry
    height = int(S * 0.86)
    width = int(height * 0.68)
    fill, ink, accent = pick(rng, STYLES)
    motif = int(rng.integers(3))
    inner = width - 28 * g
    shrink = 1.0
    while True:
        sizes = {"genre": fit_size(genre, _px(config, 13, shrink), inner),
                 "author": fit_size(author, _px(config, 18, shrink), inner),
                 "publisher": fit_size(publisher, _px(config, 14, shrink), inner),
                 "year": fit_size(year, _px(config, 13, shrink), inner)}
        lines, title_size = wrap(title, _px(config, 30, shrink), inner, max_lines=3)
        top_end = 20 * g + sizes["genre"] * 1.6 + 10 * g + len(lines) * title_size * 1.25 + 12 * g + sizes["author"] * 1.3
        bottom_start = height - 16 * g - sizes["year"] * 1.2 - sizes["publisher"] * 1.5
        if bottom_start - top_end >= 8 * g or shrink < 0.3:
            break
        shrink *= 0.9
    cover = Image.new("RGBA", (width, height), (*fill, 255))
    draw = ImageDraw.Draw(cover)
    gap_top, gap_bottom = top_end + 6 * g, bottom_start - 6 * g
    if gap_bottom - gap_top > 0.12 * height:  # decoration only where no text is
        mid, half = (gap_top + gap_bottom) / 2, min((gap_bottom - gap_top) / 2, width * 0.22)
        if motif == 0:
            draw.rectangle([0, mid - half * 0.3, width, mid + half * 0.3], fill=accent)
        elif motif == 1:
            draw.ellipse([width / 2 - half, mid - half, width / 2 + half, mid + half], outline=accent, width=max(2, int(4 * g)))
        else:
            draw.polygon([(width / 2 - 1.4 * half, mid + half * 0.6), (width / 2, mid - half * 0.6),
                          (width / 2 + 1.4 * half, mid + half * 0.6)], fill=accent)
    y = 20 * g
    draw.text((width / 2, y), genre, font=pil_font(sizes["genre"]), fill=accent, anchor="mt")
    y += sizes["genre"] * 1.6 + 10 * g
    for line in lines:
        draw.text((width / 2, y), line, font=pil_font(title_size), fill=ink, anchor="mt")
        y += title_size * 1.25
    draw.text((width / 2, y + 12 * g), author, font=pil_font(sizes["author"]), fill=ink, anchor="mt")
    foot = height - 16 * g
    draw.text((width / 2, foot), year, font=pil_font(sizes["year"]), fill=ink, anchor="md")
    draw.text((width / 2, foot - sizes["year"] * 1.2), publisher, font=pil_font(sizes["publisher"]), fill=ink, anchor="md")
    return cover, lines
