"""Sign scenario (scene text): shop fronts, café menu boards and road direction signs, drawn
with PIL, then warped in perspective onto a cluttered street (scenery.py).

A board is a list of `Line`s: centred text, or a row with text on the left and a value on the
right (a price, a distance), optionally after a road-sign arrow. The board's height follows from
its lines, and each line is shrunk to the board's width (all of them if the board would be taller
than the image), so every answer is drawn whole at any `text_scale`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from PIL import Image, ImageDraw

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.fonts import pil_font
from xtvqa_data.synth.layout import fit_size
from xtvqa_data.synth.names import phone_number, shop_name
from xtvqa_data.synth.sampling import distinct_ints, pick, sample
from xtvqa_data.synth.scene import QA, Answer, Scene
from xtvqa_data.synth.scenery import background, paste_warped, warp_quad
from xtvqa_data.synth.vocab import CITIES, MENU_ITEMS, ON_WEEKDAYS, SHOP_TYPES, WEEKDAYS

VARIANTS: dict[str, tuple[str, ...]] = {
    "shop": ("shop_type", "shop_name", "shop_opens", "shop_closes", "shop_closed_day", "shop_open_on", "shop_phone"),
    "menu": ("menu_price", "menu_cheapest", "menu_priciest", "menu_more_expensive", "menu_on"),
    "direction": ("dir_distance", "dir_nearest", "dir_farther"),
}
SHOP_WORDS = {"en": ("Open", "Closed on {day}s", "Tel."), "zh": ("营业时间", "{day}休息", "电话"),
              "fr": ("Ouvert", "Fermé le {day}", "Tél.")}
MENU_TITLE = {"en": "Menu", "zh": "菜单", "fr": "La carte"}
BOARDS = (((250, 246, 235), (40, 40, 40)), ((35, 60, 50), (245, 245, 235)), ((30, 30, 32), (250, 250, 250)),
          ((150, 30, 40), (255, 250, 240)), ((20, 70, 140), (255, 255, 255)))
ROAD = {"green": ((0, 110, 70), (255, 255, 255)), "blue": ((20, 70, 150), (255, 255, 255))}


class Line(NamedTuple):
    text: str
    size: float  # design pixels at 448 px
    right: str = ""  # non-empty: `text` left-aligned and this right-aligned on the same row
    arrow: str = ""  # "left", "right" or "up": an arrow before the text (direction signs)


def render(variant: str, rng: np.random.Generator, lang: str, config: SynthConfig) -> Scene:
    if variant not in VARIANTS:
        raise ValueError(f"unknown sign variant {variant!r}; known: {', '.join(VARIANTS)}")
    backdrop = background(rng, config.image_size, config.clutter)
    lines, qas, params, colors = {"shop": _shop, "menu": _menu, "direction": _direction}[variant](rng, lang, config)
    board, width, height = _board(lines, colors, config)
    S = config.image_size
    x0, y0 = (S - width) / 2 + float(rng.uniform(-0.5, 0.5)) * (S - width) * 0.6, (S - height) / 2 + float(rng.uniform(-0.3, 0.3)) * (S - height)
    quad = warp_quad(rng, (x0, y0, x0 + width, y0 + height), S, config.clutter)
    image = paste_warped(backdrop, board, quad)
    texts = [t for line in lines for t in (line.text, line.right) if t]
    return Scene(image=image, texts=tuple(texts), qas=tuple(qas),
                 params={"variant": variant, "quad": [[round(x, 1), round(y, 1)] for x, y in quad], **params})


def _board(lines: list[Line], colors, config: SynthConfig) -> tuple[Image.Image, int, int]:
    """Draw the flat board: its RGBA image and size. Each line is fitted to the inner width."""
    fill, ink = colors
    S, g = config.image_size, config.geometry
    width = int(S * 0.78)
    pad = 16 * g
    arrows = any(line.arrow for line in lines)
    inner = width - 2 * pad - (config.px(20) if arrows else 0)
    texts = [f"{line.text}    {line.right}" if line.right else line.text for line in lines]
    sizes = [fit_size(text, config.px(line.size), inner) for text, line in zip(texts, lines, strict=True)]
    room = S * 0.86 - 2 * pad
    if sum(sizes) * 1.45 > room:  # too tall for the image: shrink every line alike
        sizes = [max(6, int(size * room / (sum(sizes) * 1.45))) for size in sizes]
    height = int(sum(s * 1.45 for s in sizes) + 2 * pad)
    board = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(board)
    draw.rounded_rectangle([0, 0, width - 1, height - 1], radius=int(10 * g), fill=(*fill, 255),
                           outline=tuple(int(c * 0.6) for c in fill), width=max(1, int(3 * g)))
    y = pad
    for line, size in zip(lines, sizes, strict=True):
        font = pil_font(size)
        step = size * 1.45
        left = pad + (config.px(20) if arrows else 0)
        if line.arrow:
            _arrow(draw, pad, y + step / 2, config.px(14), ink, line.arrow)
        if line.right:
            draw.text((left, y + step / 2), line.text, font=font, fill=ink, anchor="lm")
            draw.text((width - pad, y + step / 2), line.right, font=font, fill=ink, anchor="rm")
        else:
            draw.text((width / 2, y + step / 2), line.text, font=font, fill=ink, anchor="mm")
        y += step
    return board, width, height


def _arrow(draw: ImageDraw.ImageDraw, x: float, cy: float, size: float, ink, direction: str) -> None:
    h = size / 2
    if direction == "left":
        pts = [(x, cy), (x + size, cy - h), (x + size, cy + h)]
    elif direction == "right":
        pts = [(x + size, cy), (x, cy - h), (x, cy + h)]
    else:
        pts = [(x + h, cy - h), (x, cy + h), (x + size, cy + h)]
    draw.polygon(pts, fill=ink)


def _shop(rng, lang, config):
    kind, name = pick(rng, SHOP_TYPES), shop_name(rng, lang)
    opens = f"{int(rng.integers(6, 11))}:{pick(rng, ['00', '30'])}"
    closes = f"{int(rng.integers(17, 23))}:{pick(rng, ['00', '30'])}"
    day = int(rng.integers(7))
    phone = phone_number(rng, lang)
    open_word, closed_pattern, tel = SHOP_WORDS[lang]
    sep = "–" if lang == "zh" else " – "
    hours = f"{open_word} {opens}{sep}{closes}"
    closed = closed_pattern.format(day=WEEKDAYS[day][lang])
    lines = [Line(name, 40), Line(kind[lang], 24), Line(hours, 17), Line(closed, 17), Line(f"{tel} {phone}", 15)]
    other = pick(rng, [d for d in range(7) if d != day])
    qas = [QA("shop_type", Answer.of_term(kind)), QA("shop_name", Answer.name(name)),
           QA("shop_opens", Answer.code(opens, f"0{opens}" if len(opens) == 4 else opens)),
           QA("shop_closes", Answer.code(closes)), QA("shop_closed_day", Answer.of_term(WEEKDAYS[day])),
           QA("shop_open_on", Answer.yes_no(True), {"day_on": ON_WEEKDAYS[other]}),
           QA("shop_open_on", Answer.yes_no(False), {"day_on": ON_WEEKDAYS[day]}),
           QA("shop_phone", Answer.code(phone))]
    return lines, qas, {"name": name, "type": kind[lang], "hours": [opens, closes], "closed": day}, pick(rng, BOARDS)


def _menu(rng, lang, config):
    n = int(rng.integers(3, max(3, min(config.max_items, 6)) + 1))  # >= 3 dishes: priciest, cheapest
    chosen = sample(rng, MENU_ITEMS, n + 1)
    items, absent = chosen[:n], chosen[n]
    low, high = (8, 48) if lang == "zh" else (2, 16)
    prices = distinct_ints(rng, low, high, n)
    printed = [{"en": f"${p}", "zh": f"¥{p}", "fr": f"{p} €"}[lang] for p in prices]
    lines = [Line(MENU_TITLE[lang], 32)] + [Line(it[lang], 19, right=pr) for it, pr in zip(items, printed, strict=True)]
    qas = [QA("menu_price", Answer.number(p, printed=pr), {"item": it}) for it, p, pr in zip(items, prices, printed, strict=True)]
    qas += [QA("menu_cheapest", Answer.of_term(items[int(np.argmin(prices))])),
            QA("menu_priciest", Answer.of_term(items[int(np.argmax(prices))]))]
    i, j = (int(k) for k in rng.choice(n, size=2, replace=False))
    qas += [QA("menu_more_expensive", Answer.yes_no(prices[i] > prices[j]), {"item": items[i], "item2": items[j]}),
            QA("menu_more_expensive", Answer.yes_no(prices[j] > prices[i]), {"item": items[j], "item2": items[i]}),
            QA("menu_on", Answer.yes_no(True), {"item": items[int(rng.integers(n))]}),
            QA("menu_on", Answer.yes_no(False), {"item": absent})]
    return lines, qas, {"items": [it[lang] for it in items], "prices": prices}, pick(rng, BOARDS[:3])


def _direction(rng, lang, config):
    n = int(rng.integers(2, min(config.max_items, 4) + 1))
    cities = sample(rng, CITIES, n)
    distances = sorted(distinct_ints(rng, 3, 480, n))
    arrows = [pick(rng, ["left", "right", "up"]) for _ in range(n)]
    lines = [Line(c[lang], 24, right=f"{d} km", arrow=a) for c, d, a in zip(cities, distances, arrows, strict=True)]
    qas = [QA("dir_distance", Answer.number(d, printed=f"{d} km"), {"city": c}) for c, d in zip(cities, distances, strict=True)]
    qas.append(QA("dir_nearest", Answer.of_term(cities[0])))
    i, j = (int(k) for k in rng.choice(n, size=2, replace=False))
    qas += [QA("dir_farther", Answer.yes_no(distances[i] > distances[j]), {"city": cities[i], "city2": cities[j]}),
            QA("dir_farther", Answer.yes_no(distances[j] > distances[i]), {"city": cities[j], "city2": cities[i]})]
    return lines, qas, {"cities": [c[lang] for c in cities], "km": distances}, ROAD[pick(rng, sorted(ROAD))]
