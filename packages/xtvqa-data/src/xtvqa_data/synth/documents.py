"""Document scenario: invoices and train timetables built as PDF pages with PyMuPDF.

A page is laid out in design pixels (448 px), scaled by `config.geometry` for lengths and
`config.px` for text; table rows are added only while they fit, so a large `text_scale` gives
fewer rows rather than overflow. With clutter the rendered page is tilted slightly, as a scan.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.layout import text_width
from xtvqa_data.synth.names import SELLERS, person_name
from xtvqa_data.synth.pdfpage import PdfPage
from xtvqa_data.synth.sampling import jitter, pick, sample
from xtvqa_data.synth.scene import QA, Answer, Scene
from xtvqa_data.synth.vocab import CITIES, OFFICE_ITEMS

VARIANTS: dict[str, tuple[str, ...]] = {
    "invoice": ("doc_qty", "doc_amount", "doc_total", "doc_number", "doc_customer", "doc_listed", "doc_qty_more"),
    "timetable": ("tt_time", "tt_platform", "tt_dest", "tt_platform_yn"),
}
INVOICE = {  # title, number label, date label, customer label, columns, total label, footer
    "en": ("INVOICE", "Invoice No.", "Date", "Customer", ("Item", "Qty", "Unit price", "Amount"), "Total", "Thank you for your business."),
    "zh": ("发票", "发票号码", "日期", "客户", ("品名", "数量", "单价", "金额"), "合计", "谢谢惠顾！"),
    "fr": ("FACTURE", "Facture n°", "Date", "Client", ("Article", "Qté", "Prix unitaire", "Montant"), "Total", "Merci de votre confiance."),
}
TIMETABLE = {  # title, columns, footer
    "en": ("Departures", ("Time", "Destination", "Train", "Platform"), "Platforms may change at short notice."),
    "zh": ("出发时刻表", ("时间", "目的地", "车次", "站台"), "站台如有变更，请留意广播。"),
    "fr": ("Départs", ("Heure", "Destination", "Train", "Voie"), "Les voies peuvent changer au dernier moment."),
}
ACCENT = ((0.16, 0.32, 0.55), (0.55, 0.16, 0.2), (0.13, 0.45, 0.33), (0.3, 0.3, 0.3))
HEADER_FILL = (0.9, 0.92, 0.95)


def money(value: int, lang: str) -> str:
    return {"en": f"${value}", "zh": f"¥{value}", "fr": f"{value} €"}[lang]


def render(variant: str, rng: np.random.Generator, lang: str, config: SynthConfig) -> Scene:
    if variant not in VARIANTS:
        raise ValueError(f"unknown document variant {variant!r}; known: {', '.join(VARIANTS)}")
    shade = float(rng.uniform(0.95, 1.0))
    page = PdfPage(config.image_size, paper=(shade, shade, shade * 0.985))
    draw = _invoice if variant == "invoice" else _timetable
    fitted, compact = _fitted(config, variant)
    texts, qas, params = draw(page, rng, lang, fitted, compact)
    angle = jitter(rng, 1.5 * config.clutter)
    image = page.render(tilt=angle)
    return Scene(image=image, texts=tuple(texts), qas=tuple(qas), params={"variant": variant, "tilt": round(angle, 3), **params})


def _top(config: SynthConfig, variant: str, compact: bool) -> float:
    """Where the table starts: the height of the heading block above it."""
    g = config.geometry
    if variant == "invoice":
        info_lines = 2 if compact else 3  # a compact invoice leaves out the date
        return 26 * g + config.px(22) + config.px(13) * (1.4 + info_lines * 1.7) + 16 * g
    return 26 * g + config.px(22) + 26 * g


def _reserve(config: SynthConfig, variant: str, compact: bool) -> float:
    """Room kept below the table: total line and footer (a compact page has no footer)."""
    footer = 0 if compact else config.px(11) * 2.5
    if variant == "invoice":
        return config.px(13) * 2.0 + footer + 14 * config.geometry
    return footer + 6 * config.geometry


MIN_ROWS = {"invoice": 2, "timetable": 3}


def _fitted(config: SynthConfig, variant: str) -> tuple[SynthConfig, bool]:
    """The config and layout that hold the minimum rows: first the full page at the requested
    text scale, then a compact page (no date, no footer), then smaller text. A page never
    overflows, so every answer stays on it."""
    def fits(c: SynthConfig, compact: bool) -> bool:
        return _rows_that_fit(c, _top(c, variant, compact), _reserve(c, variant, compact)) >= MIN_ROWS[variant]

    if fits(config, False):
        return config, False
    while config.text_scale > 0.5 and not fits(config, True):
        config = dataclasses.replace(config, text_scale=max(0.5, round(config.text_scale * 0.9, 3)))
    return config, True


def _table(page: PdfPage, config: SynthConfig, top: float, header: tuple[str, ...], rows: list[tuple[str, ...]],
           widths: tuple[float, ...], right_aligned: tuple[bool, ...], accent) -> float:
    """Draw a ruled table from `top`; returns the y below it. Every cell is shrunk to its column."""
    g, body = config.geometry, config.px(13)
    left, width = 26 * g, config.image_size - 52 * g
    row_h = body * 2.0
    xs = [left + width * sum(widths[:i]) for i in range(len(widths) + 1)]
    page.box(left, top, left + width, top + row_h, fill=HEADER_FILL)
    for r, cells in enumerate([header, *rows]):
        y0 = top + r * row_h
        baseline = y0 + row_h * 0.68
        for c, cell in enumerate(cells):
            pad = 6 * g
            x = xs[c + 1] - pad if right_aligned[c] else xs[c] + pad
            page.text(x, baseline, cell, body, color=accent if r == 0 else (0.1, 0.1, 0.1),
                      align="right" if right_aligned[c] else "left", max_width=xs[c + 1] - xs[c] - 2 * pad)
        page.line(left, y0 + row_h, left + width, y0 + row_h, width=0.6 * g)
    bottom = top + (len(rows) + 1) * row_h
    page.box(left, top, left + width, bottom, color=(0.45, 0.45, 0.45), width=0.8 * g)
    return bottom


def _rows_that_fit(config: SynthConfig, top: float, reserve: float) -> int:
    row_h = config.px(13) * 2.0
    return int((config.image_size - top - reserve) // row_h) - 1  # minus the header row


def _invoice(page: PdfPage, rng, lang, config, compact):
    g, S = config.geometry, config.image_size
    title, no_label, date_label, cust_label, columns, total_label, footer = INVOICE[lang]
    accent = pick(rng, ACCENT)
    seller, customer = pick(rng, SELLERS[lang]), person_name(rng, lang)
    year, month, day = int(rng.integers(2015, 2025)), int(rng.integers(1, 13)), int(rng.integers(1, 29))
    number = {"en": f"INV-{rng.integers(10000, 99999)}", "zh": f"{rng.integers(10000000, 99999999)}",
              "fr": f"F{year}-{rng.integers(1000, 9999)}"}[lang]
    date = {"en": f"{year}-{month:02d}-{day:02d}", "zh": f"{year}年{month}月{day}日", "fr": f"{day:02d}/{month:02d}/{year}"}[lang]
    sep = "：" if lang == "zh" else (" : " if lang == "fr" else ": ")
    info = [f"{no_label}{sep}{number}", *([] if compact else [f"{date_label}{sep}{date}"]), f"{cust_label}{sep}{customer}"]
    y = 26 * g + config.px(22)
    title_size = page.text(S - 26 * g, y, title, config.px(22), color=accent, align="right", max_width=S * 0.38)
    room = S - 52 * g - text_width(title, title_size) - 12 * g  # the seller never runs into the title
    page.text(26 * g, y, seller, config.px(15), color=(0.15, 0.15, 0.15), max_width=room)
    y += config.px(13) * 1.4
    for line in info:
        y += config.px(13) * 1.7
        page.text(26 * g, y, line, config.px(13), max_width=S - 52 * g)
    top = _top(config, "invoice", compact)
    fit = _rows_that_fit(config, top, _reserve(config, "invoice", compact))
    n = int(rng.integers(2, max(2, min(config.max_items, 6, fit)) + 1))
    items = sample(rng, OFFICE_ITEMS, n + 1)  # the extra one is the "not listed" distractor
    items, absent = items[:n], items[n]
    qty = [int(q) for q in rng.integers(1, 25, size=n)]
    low, high = (5, 120) if lang == "zh" else (2, 45)
    price = [int(p) for p in rng.integers(low, high, size=n)]
    amount = [q * p for q, p in zip(qty, price, strict=True)]
    total = sum(amount)
    rows = [(it[lang], str(q), money(p, lang), money(a, lang)) for it, q, p, a in zip(items, qty, price, amount, strict=True)]
    bottom = _table(page, config, top, columns, rows, (0.44, 0.14, 0.2, 0.22), (False, True, True, True), accent)
    total_text = money(total, lang)
    y = bottom + config.px(13) * 1.7
    page.text(S - 32 * g, y, f"{total_label}{sep}{total_text}", config.px(13), color=accent, align="right", max_width=S * 0.6)
    footers = [] if compact else [footer]
    for text in footers:
        page.text(26 * g, min(S - 12 * g, y + config.px(11) * 2.4), text, config.px(11), color=(0.4, 0.4, 0.4), max_width=S - 52 * g)
    qas = []
    for it, q, a in zip(items, qty, amount, strict=True):
        qas.append(QA("doc_qty", Answer.number(q), {"item": it}))
        qas.append(QA("doc_amount", Answer.number(a, printed=money(a, lang)), {"item": it}))
    qas += [QA("doc_total", Answer.number(total, printed=total_text)), QA("doc_number", Answer.code(number)),
            QA("doc_customer", Answer.name(customer))]
    k = pick(rng, range(n))
    qas += [QA("doc_listed", Answer.yes_no(True), {"item": items[k]}), QA("doc_listed", Answer.yes_no(False), {"item": absent})]
    below, above = qty[k] - int(rng.integers(1, 4)), qty[k] + int(rng.integers(0, 4))  # "greater than" is strict
    qas += [QA("doc_qty_more", Answer.yes_no(True), {"item": items[k], "k": str(below)}) if below >= 0 else None,
            QA("doc_qty_more", Answer.yes_no(False), {"item": items[k], "k": str(above)})]
    texts = [seller, title, *info, *columns, *(c for row in rows for c in row), f"{total_label}{sep}{total_text}", *footers]
    params = {"seller": seller, "customer": customer, "number": number, "items": [it[lang] for it in items],
              "qty": qty, "price": price, "total": total}
    return texts, [qa for qa in qas if qa is not None], params


def _timetable(page: PdfPage, rng, lang, config, compact):
    g, S = config.geometry, config.image_size
    title, columns, footer = TIMETABLE[lang]
    accent = pick(rng, ACCENT)
    station, *others = sample(rng, CITIES, 9)
    heading = f"{title} · {station[lang]}"
    y = 26 * g + config.px(22)
    page.box(0, 0, S, y + 12 * g, fill=accent)
    page.text(26 * g, y, heading, config.px(20), color=(1, 1, 1), max_width=S - 52 * g)
    top = _top(config, "timetable", compact)
    fit = _rows_that_fit(config, top, _reserve(config, "timetable", compact))
    n = int(rng.integers(3, max(3, min(config.max_items, 8, fit)) + 1))
    dests = others[:n]
    minute = int(rng.integers(5 * 60, 20 * 60))
    times = []
    for _ in range(n):
        minute += int(rng.integers(4, 41))
        times.append(f"{minute // 60 % 24:02d}:{minute % 60:02d}")
    platforms = [int(p) for p in rng.integers(1, 13, size=n)]
    prefix = {"en": ("IC", "RE", "EX"), "zh": ("G", "D", "K"), "fr": ("TGV", "TER", "IC")}[lang]
    trains = [f"{pick(rng, prefix)}{'' if lang == 'zh' else ' '}{rng.integers(100, 9999)}" for _ in range(n)]
    rows = [(t, d[lang], tr, str(p)) for t, d, tr, p in zip(times, dests, trains, platforms, strict=True)]
    bottom = _table(page, config, top, columns, rows, (0.2, 0.42, 0.22, 0.16), (False, False, False, True), accent)
    footers = [] if compact else [footer]
    for text in footers:
        page.text(26 * g, min(S - 10 * g, bottom + config.px(11) * 2.2), text, config.px(11), color=(0.4, 0.4, 0.4), max_width=S - 52 * g)
    qas = []
    for t, d, p in zip(times, dests, platforms, strict=True):
        qas += [QA("tt_time", Answer.code(t, *([t[1:]] if t.startswith("0") else [])), {"city": d}), QA("tt_platform", Answer.number(p), {"city": d}),
                QA("tt_dest", Answer.of_term(d), {"time": t})]
    k = pick(rng, range(n))
    wrong = pick(rng, [p for p in range(1, 13) if p != platforms[k]])
    qas += [QA("tt_platform_yn", Answer.yes_no(True), {"city": dests[k], "k": str(platforms[k])}),
            QA("tt_platform_yn", Answer.yes_no(False), {"city": dests[k], "k": str(wrong)})]
    texts = [heading, *columns, *(c for row in rows for c in row), *footers]
    params = {"station": station[lang], "times": times, "destinations": [d[lang] for d in dests], "platforms": platforms}
    return texts, qas, params
