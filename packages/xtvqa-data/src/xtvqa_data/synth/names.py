"""Authored proper names per image language: people, book titles, publishers, companies.

Names are not translated: an answer that is a name, a title or a code is the string printed in
the image, in every answer language (a German reader asked for the author of a Chinese book
copies "王晓明" from the cover). These lists are invented for the generator; any likeness to a
real book or firm is accidental.
"""

from __future__ import annotations

import numpy as np

from xtvqa_data.synth.sampling import pick

FIRST_NAMES = {
    "en": ["Emma", "Oliver", "Sophie", "James", "Grace", "Henry", "Lucy", "Thomas", "Alice", "George", "Hannah", "Samuel", "Claire", "Daniel", "Ruth", "Peter"],
    "fr": ["Camille", "Louis", "Chloé", "Hugo", "Léa", "Mathieu", "Inès", "Étienne", "Margaux", "Théo", "Zoé", "Rémi", "Élodie", "Jérôme", "Anaïs", "Benoît"],
    "zh": ["晓明", "丽华", "建国", "子涵", "雨桐", "志强", "婉清", "浩然", "思远", "欣怡", "俊杰", "嘉怡", "文博", "淑芬", "宇航", "若曦"],
}
LAST_NAMES = {
    "en": ["Walker", "Hughes", "Bennett", "Carter", "Morgan", "Foster", "Reed", "Palmer", "Brooks", "Ellis", "Hayes", "Turner", "Lawson", "Fletcher", "Shaw", "Porter"],
    "fr": ["Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Mercier", "Lambert", "Faure", "Chevalier", "Garnier", "Perrin", "Roussel", "Leclerc", "Bonnet", "Lemaire"],
    "zh": ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "林"],
}

BOOK_TITLES = {
    "en": [
        "The Lantern House", "Letters from the Northern Coast", "Winter Tides", "The Copper Orchard",
        "A Short History of Rain", "Salt and Granite", "The Midnight Garden Club", "Maps of Quiet Islands",
        "The Lighthouse Notebook", "Songs for a Long Road", "The Glass Meadow", "Under a Copper Sky",
        "The Harbour at Dawn", "Notes on Distant Stars", "Small Kingdoms", "The Weight of Snow",
        "A Station in Moonlight", "The Seventh Letter", "The Bookshop by the Sea", "Village of the Winds",
        "The Spring Postman", "Mountain Years", "The Last Ferry", "A Year of Cherry Trees",
    ],
    "zh": [
        "寂静的河流", "北方来信", "纸灯笼之家", "最后的灯塔", "里斯本的冬天", "钟表匠的女儿", "盐与石",
        "午夜花园", "被遗忘的岛屿", "雨的简史", "玻璃果园", "铜色天空下", "安静的港湾", "远行之歌",
        "星辰笔记", "小小王国", "羽毛的重量", "山中岁月", "城南旧梦", "海边的书店", "风吹过的村庄",
        "第七封信", "月光下的车站", "春天的邮差",
    ],
    "fr": [
        "La Rivière silencieuse", "Lettres du Nord", "La Maison aux lanternes", "Le Dernier Phare",
        "Un hiver à Lisbonne", "La Fille de l'horloger", "Le Sel et la Pierre", "Le Jardin de minuit",
        "Cartes des îles oubliées", "Petite histoire de la pluie", "Le Verger de verre",
        "Sous un ciel de cuivre", "Le Port tranquille", "Chansons pour un long voyage",
        "Carnet des étoiles lointaines", "Les Petits Royaumes", "Le Poids des plumes",
        "La Gare au clair de lune", "L'Été des cerisiers", "Le Facteur du printemps",
        "Les Années de montagne", "La Librairie du bord de mer", "Le Village sous le vent", "La Septième Lettre",
    ],
}

PUBLISHERS = {
    "en": ["Northwind Press", "Harbor & Finch", "Blue Fern Books", "Greyfield Press", "Oakridge Books",
           "Meridian & Co.", "Kestrel Editions", "Lantern Hill Publishing"],
    "zh": ["星河出版社", "青山文艺出版社", "云帆出版社", "晨光书局", "远山出版社", "明月文化", "新桥出版社", "白鹭书社"],
    "fr": ["Éditions du Lac", "Éditions Lumière", "Le Cormoran", "Éditions des Deux Rives", "La Boussole",
           "Éditions du Phare", "Éditions Grand Large", "Les Presses du Vent"],
}

SELLERS = {
    "en": ["Brightline Office Supply", "Carter & Reed Stationers", "Northgate Supplies Ltd", "Paperworks Inc."],
    "zh": ["华信办公用品有限公司", "明达文具店", "新星办公用品", "长城文具商行"],
    "fr": ["Papeterie Lambert", "Bureau Plus Lyon", "Fournitures Mercier", "Papeterie du Centre"],
}


def person_name(rng: np.random.Generator, lang: str) -> str:
    """A full name in the customs of `lang` (zh: surname first, no space)."""
    first, last = pick(rng, FIRST_NAMES[lang]), pick(rng, LAST_NAMES[lang])
    return f"{last}{first}" if lang == "zh" else f"{first} {last}"


def shop_name(rng: np.random.Generator, lang: str) -> str:
    """A small shop's name: "Walker's", "Chez Camille", "王记"."""
    style = int(rng.integers(2))
    if lang == "en":
        return f"{pick(rng, LAST_NAMES['en'])}'s" if style == 0 else f"{pick(rng, LAST_NAMES['en'])} & {pick(rng, FIRST_NAMES['en'])}"
    if lang == "fr":
        return f"Chez {pick(rng, FIRST_NAMES['fr'])}" if style == 0 else f"Maison {pick(rng, LAST_NAMES['fr'])}"
    return f"{pick(rng, LAST_NAMES['zh'])}记" if style == 0 else f"老{pick(rng, LAST_NAMES['zh'])}家"


def phone_number(rng: np.random.Generator, lang: str) -> str:
    """A phone number in the image language's usual grouping (fictional ranges)."""
    d = [int(x) for x in rng.integers(0, 10, size=8)]
    if lang == "en":  # 555-01xx is the range reserved for fiction in North America
        return f"({rng.integers(201, 990)}) 555-01{d[0]}{d[1]}"
    if lang == "fr":
        return f"0{rng.integers(1, 6)} {d[0]}{d[1]} {d[2]}{d[3]} {d[4]}{d[5]} {d[6]}{d[7]}"
    return f"0{pick(rng, ['10', '21', '20', '755'])}-{rng.integers(2, 9)}{d[0]}{d[1]}{d[2]} {d[3]}{d[4]}{d[5]}{d[6]}"
