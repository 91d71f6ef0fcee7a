"""Every QA a scenario offers is right: answers recomputed from what the scene says it drew.

A renderer returns its QAs with `params` (the labels, values, rows it drew). Here each answer
and each yes/no truth is recomputed from those params by a direct formula, for every question
kind, several seeds and all three image languages; and the printed form of each answer is
among the drawn strings.

Run: uv run pytest packages/xtvqa-data/tests/test_synth_scenes.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_data.synth import QUESTION_KINDS, SynthConfig, charts, covers, documents, signs
from xtvqa_data.synth.sampling import record_rng
from xtvqa_data.synth.scene import QA, Scene
from xtvqa_data.synth.scenery import warp_quad
from xtvqa_data.synth.vocab import WEEKDAYS

MODULES = {"chart": charts, "doc": documents, "sign": signs, "cover": covers}
CASES = [(s, v, lang, seed) for s, vs in QUESTION_KINDS.items() for v in vs for lang in ("en", "zh", "fr") for seed in range(3)]


def _answer(qa: QA, lang: str):
    """The QA's answer in the image language: a string, or a bool for yes-no."""
    a = qa.answer
    return a.truth if a.kind == "yes-no" else (a.term[lang] if a.kind == "term" else a.texts[0])


def _expected(qa: QA, p: dict, lang: str):
    """The answer recomputed from the scene's params."""
    slot = {k: (v if isinstance(v, str) else v[lang]) for k, v in qa.slots.items()}
    k = qa.kind
    if k in ("chart_value", "chart_max", "chart_min", "chart_compare"):
        val = dict(zip(p["labels"], p["values"], strict=True))
        return {"chart_value": lambda: str(val.get(slot.get("item"))), "chart_max": lambda: max(val, key=val.get),
                "chart_min": lambda: min(val, key=val.get),
                "chart_compare": lambda: val[slot["item"]] > val[slot["item2"]]}[k]()
    if k.startswith("pie_"):
        val = dict(zip(p["labels"], p["shares"], strict=True))
        return {"pie_share": lambda: f"{val[slot['item']]}%", "pie_max": lambda: max(val, key=val.get),
                "pie_compare": lambda: val[slot["item"]] > val[slot["item2"]]}[k]()
    if k.startswith("line_"):
        row = p["values"][p["series"].index(slot["item"])]
        at = dict(zip(map(str, p["years"]), row, strict=True))
        return {"line_value": lambda: str(at[slot["year"]]), "line_peak_year": lambda: max(at, key=at.get),
                "line_increase": lambda: at[slot["year2"]] > at[slot["year"]]}[k]()
    if k.startswith("doc_"):
        rows = {item: (q, q * pr) for item, q, pr in zip(p["items"], p["qty"], p["price"], strict=True)}
        return {"doc_qty": lambda: str(rows[slot["item"]][0]), "doc_amount": lambda: str(rows[slot["item"]][1]),
                "doc_total": lambda: str(sum(a for _, a in rows.values())), "doc_number": lambda: p["number"],
                "doc_customer": lambda: p["customer"], "doc_listed": lambda: slot["item"] in rows,
                "doc_qty_more": lambda: rows[slot["item"]][0] > int(slot["k"])}[k]()
    if k.startswith("tt_"):
        rows = list(zip(p["times"], p["destinations"], p["platforms"], strict=True))
        by_city = {d: (t, pl) for t, d, pl in rows}
        return {"tt_time": lambda: by_city[slot["city"]][0], "tt_platform": lambda: str(by_city[slot["city"]][1]),
                "tt_dest": lambda: next(d for t, d, _ in rows if t == slot["time"]),
                "tt_platform_yn": lambda: by_city[slot["city"]][1] == int(slot["k"])}[k]()
    if k.startswith("shop_"):
        closed = WEEKDAYS[p["closed"]]
        return {"shop_type": lambda: p["type"], "shop_name": lambda: p["name"], "shop_opens": lambda: p["hours"][0],
                "shop_closes": lambda: p["hours"][1], "shop_closed_day": lambda: closed[lang],
                "shop_open_on": lambda: qa.slots["day_on"]["en"] != f"on {closed['en']}s",
                "shop_phone": lambda: qa.answer.texts[0]}[k]()
    if k.startswith("menu_"):
        price = dict(zip(p["items"], p["prices"], strict=True))
        return {"menu_price": lambda: str(price[slot["item"]]), "menu_cheapest": lambda: min(price, key=price.get),
                "menu_priciest": lambda: max(price, key=price.get),
                "menu_more_expensive": lambda: price[slot["item"]] > price[slot["item2"]],
                "menu_on": lambda: slot["item"] in price}[k]()
    if k.startswith("dir_"):
        km = dict(zip(p["cities"], p["km"], strict=True))
        return {"dir_distance": lambda: str(km[slot["city"]]), "dir_nearest": lambda: min(km, key=km.get),
                "dir_farther": lambda: km[slot["city"]] > km[slot["city2"]]}[k]()
    if k.startswith("cover_"):
        return {"cover_title": lambda: p["title"], "cover_author": lambda: p["author"],
                "cover_publisher": lambda: p["publisher"], "cover_year": lambda: str(p["year"]),
                "cover_genre": lambda: p["genre"], "cover_before": lambda: p["year"] < int(slot["year"]),
                "cover_by": lambda: slot["name"] == p["author"]}[k]()
    raise AssertionError(f"no check for question kind {k}")


@pytest.mark.parametrize(("scenario", "variant", "lang", "seed"), CASES)
def test_every_answer_matches_what_was_drawn(scenario, variant, lang, seed):
    scene: Scene = MODULES[scenario].render(variant, record_rng(seed, "scenes", CASES.index((scenario, variant, lang, seed))), lang, SynthConfig())
    kinds = {qa.kind for qa in scene.qas}
    assert kinds == set(QUESTION_KINDS[scenario][variant]), "a variant must offer every kind it declares"
    truths = {}
    for qa in scene.qas:
        assert _answer(qa, lang) == _expected(qa, scene.params, lang), qa
        if qa.answer.kind == "yes-no":
            truths.setdefault(qa.kind, set()).add(qa.answer.truth)
        else:
            printed = qa.answer.image_texts or (_answer(qa, lang),)
            assert any(any(t in text for text in scene.texts) for t in printed), (qa, scene.texts)
    # A monotonic series has no "did it increase" pair with the other answer; every other yes-no
    # kind offers a true and a false question about each image.
    assert all(t == {True, False} for k, t in truths.items() if k != "line_increase"), truths


@pytest.mark.parametrize("max_items", [2, 3])
@pytest.mark.parametrize(("scenario", "variant"), [(s, v) for s, vs in QUESTION_KINDS.items() for v in vs])
def test_small_scenes_render_with_right_answers(scenario, variant, max_items):
    """`max_items` below a scene's own minimum (3 bars for a maximum, 4 years for a trend) keeps
    the minimum instead of failing; the answers stay right and the scene is no larger than the
    scene's minimum or `max_items`."""
    for seed in range(3):
        scene = MODULES[scenario].render(variant, record_rng(seed, "small", max_items), "en", SynthConfig(max_items=max_items))
        for qa in scene.qas:
            assert _answer(qa, "en") == _expected(qa, scene.params, "en"), qa
        sized = {"bar": "labels", "pie": "labels", "invoice": "items", "timetable": "destinations",
                 "menu": "items", "direction": "cities"}
        if variant in sized:
            assert len(scene.params[sized[variant]]) <= max(max_items, 3), scene.params
        if "years" in scene.params:
            assert len(scene.params["years"]) <= max(max_items + 1, 4)


@pytest.mark.parametrize("seed", range(40))
def test_boards_stay_inside_the_image(seed):
    size = 448
    rng = record_rng(seed, "quad", 0)
    w, h = float(rng.uniform(0.5, 1.0)) * size, float(rng.uniform(0.5, 1.0)) * size
    x0, y0 = float(rng.uniform(-0.1, 0.5)) * size, float(rng.uniform(-0.1, 0.5)) * size
    quad = warp_quad(rng, (x0, y0, x0 + w, y0 + h), size, clutter=1.0)
    assert all(0 <= x <= size and 0 <= y <= size for x, y in quad)
