"""The generator's authored text: vocabulary, names and question templates are complete,
consistent across languages, and drawable with the one bundled font.

Run: uv run pytest packages/xtvqa-data/tests/test_synth_vocab.py -q
"""

from __future__ import annotations

import string

import pytest
from PIL import Image, ImageDraw
from xtvqa_data.synth import (
    NO,
    QUESTION_KINDS,
    QUESTION_LANGS,
    QUESTION_TEMPLATES,
    YES,
    charts,
    documents,
    names,
    signs,
    vocab,
)
from xtvqa_data.synth.fonts import missing_glyphs, pil_font

IMAGE_LANGS = ("en", "zh", "fr")


def _slots(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


@pytest.mark.parametrize("table", sorted(vocab.ALL_TABLES))
def test_every_term_has_all_eight_languages_and_is_unique_per_language(table):
    terms = vocab.ALL_TABLES[table]
    assert len(terms) >= 7
    for term in terms:
        assert tuple(term) == QUESTION_LANGS
        assert all(text.strip() == text and text for text in term.values())
    for lang in QUESTION_LANGS:
        forms = [term[lang] for term in terms]
        assert len(set(forms)) == len(forms), f"{table}: duplicate {lang} form"


def test_yes_no_words_are_the_documented_ones():
    assert YES == {"en": "yes", "zh": "是", "fr": "oui", "de": "ja", "es": "sí", "ja": "はい", "ko": "예", "ru": "да"}
    assert NO == {"en": "no", "zh": "否", "fr": "non", "de": "nein", "es": "no", "ja": "いいえ", "ko": "아니요", "ru": "нет"}


def test_templates_cover_every_question_kind_with_the_same_slots_in_every_language():
    declared = {kind for variants in QUESTION_KINDS.values() for kinds in variants.values() for kind in kinds}
    assert declared == set(QUESTION_TEMPLATES)
    for kind, forms in QUESTION_TEMPLATES.items():
        assert tuple(forms) == QUESTION_LANGS
        slots = {lang: _slots(text) for lang, text in forms.items()}
        assert len({frozenset(s) for s in slots.values()}) == 1, f"{kind}: slots differ across languages {slots}"
        assert len(set(forms.values())) == len(QUESTION_LANGS), f"{kind}: two languages share a template"


def test_templates_are_written_in_their_own_script():
    scripts = {"zh": "\u4e00-\u9fff", "ja": "\u3040-\u30ff", "ko": "\uac00-\ud7af", "ru": "\u0400-\u04ff"}
    import re

    for kind, forms in QUESTION_TEMPLATES.items():
        for lang, pattern in scripts.items():
            assert re.search(f"[{pattern}]", forms[lang]), f"{kind}/{lang} is not in its script: {forms[lang]}"
        for lang in ("en", "fr", "de", "es"):
            assert not re.search("[\u4e00-\u9fff\u0400-\u04ff]", forms[lang])


def _image_strings() -> list[str]:
    """Every fixed string an image may show, in en, zh and fr."""
    out = [term[lang] for terms in vocab.ALL_TABLES.values() for term in terms for lang in IMAGE_LANGS]
    for lang in IMAGE_LANGS:
        out += names.FIRST_NAMES[lang] + names.LAST_NAMES[lang] + names.BOOK_TITLES[lang]
        out += names.PUBLISHERS[lang] + names.SELLERS[lang]
        for domain in (*charts.BAR_DOMAINS, *charts.PIE_DOMAINS, *charts.LINE_DOMAINS):
            out.append(domain.title[lang])
        for table in (documents.INVOICE, documents.TIMETABLE):
            out += [t for item in table[lang] for t in ((item,) if isinstance(item, str) else item)]
        out += [*signs.SHOP_WORDS[lang], signs.MENU_TITLE[lang]]
    return [*out, "$€¥°%·–:：0123456789", "«»“”", "著年"]


def test_the_bundled_font_has_a_glyph_for_every_character_an_image_can_show():
    text = "".join(_image_strings())
    assert missing_glyphs(text) == []
    assert {"é", "è", "ê", "î", "ï", "«", "中"} <= set(text)  # the check did see accents and CJK


def test_missing_glyphs_reports_what_the_font_lacks():
    assert missing_glyphs("Église 北京") == []
    assert missing_glyphs("a\U0001f600b") == ["\U0001f600"]  # an emoji is not in Droid Sans Fallback


def _glyph(text: str) -> bytes:
    image = Image.new("L", (40, 40))
    ImageDraw.Draw(image).text((4, 4), text, font=pil_font(24), fill=255)
    return image.tobytes()


def test_pil_renders_french_accents_and_chinese_with_distinct_glyphs():
    blank = _glyph(" ")
    # Each accented letter has its own glyph: not empty, not the base letter, not a shared box.
    drawn = [_glyph(ch) for ch in "eéèêcçaàoôœ北京"]
    assert blank not in drawn
    assert len(set(drawn)) == len(drawn)
