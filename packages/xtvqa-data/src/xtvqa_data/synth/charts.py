"""Chart scenario: bar, line and pie charts drawn with matplotlib (Agg), with exact QAs.

Every value is printed on the chart (at bar ends, above line points, in the pie's legend), as in
ChartQA's labelled charts, so numeric answers are read, not estimated; the axis ticks are
printed too and act as distractors. Speed: rather than building a figure and Axes (with their
tick objects) per chart, each process keeps one figure per (variant, size) and swaps its
artists (benchmarks/synth_speed.py measures the gain). Every property a chart uses is set on
every draw, so a chart does not depend on the one drawn before it (the tests draw records in
different orders and compare bytes).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image

from xtvqa_data.synth.chart_plots import draw_bars, draw_lines, draw_pie
from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.sampling import distinct_ints, pick, sample
from xtvqa_data.synth.scene import QA, Answer, Scene
from xtvqa_data.synth.vocab import BUDGET, CITIES, FRUITS, SPORTS, TRANSPORT, Term

VARIANTS: dict[str, tuple[str, ...]] = {
    "bar": ("chart_value", "chart_max", "chart_min", "chart_compare"),
    "line": ("line_value", "line_peak_year", "line_increase"),
    "pie": ("pie_share", "pie_max", "pie_compare"),
}


class Domain(NamedTuple):
    name: str
    terms: tuple[Term, ...]
    title: dict[str, str]  # image language -> chart title
    low: int
    high: int


BAR_DOMAINS = (
    Domain("fruits", FRUITS, {"en": "Fruit sales (tonnes)", "zh": "水果销量（吨）", "fr": "Ventes de fruits (tonnes)"}, 12, 96),
    Domain("sports", SPORTS, {"en": "Club members by sport", "zh": "各运动项目会员人数", "fr": "Membres du club par sport"}, 15, 240),
    Domain("cities", CITIES, {"en": "Visitors by city (thousands)", "zh": "各城市游客人数（千人）", "fr": "Visiteurs par ville (milliers)"}, 40, 900),
)
PIE_DOMAINS = (
    Domain("transport", TRANSPORT, {"en": "How people get to work", "zh": "上班出行方式", "fr": "Comment on va au travail"}, 0, 0),
    Domain("budget", BUDGET, {"en": "Household budget", "zh": "家庭支出构成", "fr": "Budget des ménages"}, 0, 0),
)
LINE_DOMAINS = (
    Domain("hotel", CITIES, {"en": "Hotel nights (thousands)", "zh": "酒店住宿人次（千）", "fr": "Nuitées d'hôtel (milliers)"}, 20, 400),
    Domain("rain", CITIES, {"en": "Annual rainfall (mm)", "zh": "年降水量（毫米）", "fr": "Précipitations annuelles (mm)"}, 300, 990),
    Domain("bikes", CITIES, {"en": "Bicycle rentals (thousands)", "zh": "单车租用量（千次）", "fr": "Locations de vélos (milliers)"}, 10, 250),
)
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD")


@functools.cache
def _figure(variant: str, size: int) -> Figure:
    """This process's reusable figure for one chart variant and image size."""
    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    FigureCanvasAgg(fig)
    if variant != "pie":
        ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
        ax.spines[["top", "right"]].set_visible(False)
    else:
        fig.add_axes((0.1, 0.1, 0.8, 0.8), aspect="equal")
    return fig


def clear_figure_cache() -> None:
    """Forget the reused figures (tests use it to prove a chart does not depend on the last one)."""
    _figure.cache_clear()


def render(variant: str, rng: np.random.Generator, lang: str, config: SynthConfig) -> Scene:
    """Draw one chart of `variant` with text in `lang`; the QAs it can answer exactly."""
    fig = _figure(variant, config.image_size)
    ax = fig.axes[0]
    for artist in [*ax.patches, *ax.texts, *ax.lines, *ax.collections]:
        artist.remove()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if variant == "bar":
        texts, qas, params = _bar(ax, rng, lang, config)
    elif variant == "line":
        texts, qas, params = _line(ax, rng, lang, config)
    elif variant == "pie":
        texts, qas, params = _pie(ax, rng, lang, config)
    else:
        raise ValueError(f"unknown chart variant {variant!r}; known: {', '.join(VARIANTS)}")
    fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    image = Image.fromarray(rgba[..., :3].copy(), "RGB")
    return Scene(image=image, texts=tuple(texts), qas=tuple(qas), params={"variant": variant, **params})


def _nice_ticks(top: float) -> list[int]:
    return [int(t) for t in MaxNLocator(5, integer=True).tick_values(0, top) if t <= top]


def _bar(ax, rng, lang, config):
    domain = pick(rng, BAR_DOMAINS)
    n = int(rng.integers(3, max(3, min(config.max_items, len(domain.terms))) + 1))  # >= 3: max, min, compare
    terms = sample(rng, domain.terms, n)
    values = distinct_ints(rng, domain.low, domain.high, n)
    horizontal = bool(rng.random() < 0.35)
    colors = [PALETTE[int(i)] for i in rng.permutation(len(PALETTE))[:n]] if rng.random() < 0.4 else [pick(rng, PALETTE)] * n
    labels = [t[lang] for t in terms]
    printed = [str(v) for v in values]
    ticks = _nice_ticks(max(values) * 1.18)
    ticks = draw_bars(ax, labels, values, printed, colors, horizontal, ticks, domain.title[lang], config)
    qas = [QA("chart_value", Answer.number(v), {"item": t}) for t, v in zip(terms, values, strict=True)]
    qas.append(QA("chart_max", Answer.of_term(terms[int(np.argmax(values))])))
    qas.append(QA("chart_min", Answer.of_term(terms[int(np.argmin(values))])))
    i, j = (int(k) for k in rng.choice(n, size=2, replace=False))
    qas.append(QA("chart_compare", Answer.yes_no(values[i] > values[j]), {"item": terms[i], "item2": terms[j]}))
    qas.append(QA("chart_compare", Answer.yes_no(values[j] > values[i]), {"item": terms[j], "item2": terms[i]}))
    texts = [domain.title[lang], *labels, *printed, *map(str, ticks)]
    return texts, qas, {"domain": domain.name, "labels": labels, "values": values, "horizontal": horizontal}


def _line(ax, rng, lang, config):
    domain = pick(rng, LINE_DOMAINS)
    n_years = int(rng.integers(4, max(4, min(config.max_items + 1, 8)) + 1))  # >= 4 years: a trend
    start = int(rng.integers(2008, 2025 - n_years))
    years = list(range(start, start + n_years))
    n_series = 2 if config.max_items >= 3 and rng.random() < 0.5 else 1
    series = sample(rng, CITIES, n_series)
    span = domain.high - domain.low
    while True:  # distinct values per series; two series keep a gap so their labels never collide
        rows = [_walk(rng, domain.low, domain.high, n_years) for _ in range(n_series)]
        distinct = all(len(set(row)) == n_years for row in rows)
        if distinct and (n_series == 1 or min(abs(a - b) for a, b in zip(*rows, strict=True)) >= 0.12 * span):
            break
    colors = sample(rng, PALETTE, n_series)
    names = [s[lang] for s in series]
    ticks = _nice_ticks(domain.high * 1.1)
    ticks = draw_lines(ax, years, names, rows, colors, ticks, domain.title[lang], config)
    qas = []
    for s, row in zip(series, rows, strict=True):
        qas += [QA("line_value", Answer.number(v), {"item": s, "year": str(y)}) for y, v in zip(years, row, strict=True)]
        qas.append(QA("line_peak_year", Answer.code(str(years[int(np.argmax(row))])), {"item": s}))
        pairs = [(a, b) for a in range(n_years) for b in range(a + 1, n_years)]
        for want in (True, False):
            matching = [(a, b) for a, b in pairs if (row[b] > row[a]) == want]
            if matching:
                a, b = pick(rng, matching)
                qas.append(QA("line_increase", Answer.yes_no(want), {"item": s, "year": str(years[a]), "year2": str(years[b])}))
    texts = [domain.title[lang], *names, *map(str, years), *(str(v) for row in rows for v in row), *map(str, ticks)]
    return texts, qas, {"domain": domain.name, "years": years, "series": names, "values": rows}


def _walk(rng: np.random.Generator, low: int, high: int, n: int) -> list[int]:
    """A random walk in [low, high): a series with a trend, not independent noise."""
    span = high - low
    values = [float(rng.uniform(low, high))]
    for _ in range(n - 1):
        values.append(float(np.clip(values[-1] + rng.normal(0, 0.2 * span), low, high - 1)))
    return [round(v) for v in values]


def _pie(ax, rng, lang, config):
    domain = pick(rng, PIE_DOMAINS)
    n = int(rng.integers(3, max(3, min(config.max_items, 6, len(domain.terms))) + 1))
    terms = sample(rng, domain.terms, n)
    while True:  # integer percentages >= 6 summing to 100, all different (max and compare unique)
        cuts = np.sort(rng.choice(np.arange(1, 100), size=n - 1, replace=False))
        shares = [int(v) for v in np.diff(np.concatenate([[0], cuts, [100]]))]
        if min(shares) >= 6 and len(set(shares)) == n:
            break
    printed = [f"{v} %" if lang == "fr" else f"{v}%" for v in shares]
    colors = sample(rng, PALETTE, n)
    labels = [t[lang] for t in terms]
    entries = draw_pie(ax, labels, shares, printed, colors, float(rng.uniform(0, 360)), domain.title[lang], config)
    qas = [QA("pie_share", Answer.percent(v, printed=p), {"item": t}) for t, v, p in zip(terms, shares, printed, strict=True)]
    qas.append(QA("pie_max", Answer.of_term(terms[int(np.argmax(shares))])))
    i, j = (int(k) for k in rng.choice(n, size=2, replace=False))
    qas.append(QA("pie_compare", Answer.yes_no(shares[i] > shares[j]), {"item": terms[i], "item2": terms[j]}))
    qas.append(QA("pie_compare", Answer.yes_no(shares[j] > shares[i]), {"item": terms[j], "item2": terms[i]}))
    return [domain.title[lang], *entries], qas, {"domain": domain.name, "labels": labels, "shares": shares}
