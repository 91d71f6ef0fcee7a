"""The small multilingual corpus the tiny models' tokenizer is trained on.

A tokenizer for an eight-language benchmark must tokenise every prompt, question and answer the
toolkit produces in those languages. Byte-level BPE can encode any text (no unknown token); this
corpus decides which merges it learns, so that prompts in zh/ja/ko/ru are not one token per byte.
It is embedded here (not read from the synth generator) so that the tokenizer, and with it every
tiny model, is the same whatever else is installed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from xtvqa_models.prompts import OCR_HEADER, SHORT_ANSWER, YES_NO

YES_NO_WORDS: dict[str, tuple[str, str]] = {
    "en": ("yes", "no"),
    "zh": ("是", "否"),
    "fr": ("oui", "non"),
    "de": ("ja", "nein"),
    "es": ("sí", "no"),
    "ja": ("はい", "いいえ"),
    "ko": ("예", "아니요"),
    "ru": ("да", "нет"),
}

# Questions of the kind text-rich VQA asks ("{}" is a field name from FIELDS).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": ("What is the {}?", "Which {} is shown?", "How many {} are there?", "Is the {} correct?"),
    "zh": ("{}是多少？", "图中显示的{}是什么？", "有多少个{}？", "{}正确吗？"),
    "fr": ("Quel est le {} ?", "Quel {} est indiqué ?", "Combien de {} y a-t-il ?", "Le {} est-il correct ?"),
    "de": ("Was ist der {}?", "Welcher {} wird gezeigt?", "Wie viele {} gibt es?", "Ist der {} richtig?"),
    "es": ("¿Cuál es el {}?", "¿Qué {} se muestra?", "¿Cuántos {} hay?", "¿Es correcto el {}?"),
    "ja": ("{}は何ですか？", "表示されている{}はどれですか？", "{}はいくつありますか？", "{}は正しいですか？"),
    "ko": ("{}은 무엇입니까?", "표시된 {}는 무엇입니까?", "{}는 몇 개입니까?", "{}이 맞습니까?"),
    "ru": ("Какой {}?", "Какой {} показан?", "Сколько {} здесь?", "Верен ли {}?"),
}

FIELDS: dict[str, tuple[str, ...]] = {
    "en": ("year", "price", "total", "title", "date", "name", "amount", "page", "value", "city"),
    "zh": ("年份", "价格", "总计", "标题", "日期", "名称", "金额", "页码", "数值", "城市"),
    "fr": ("année", "prix", "total", "titre", "date", "nom", "montant", "page", "valeur", "ville"),
    "de": ("Jahr", "Preis", "Gesamtbetrag", "Titel", "Datum", "Name", "Betrag", "Seite", "Wert", "Stadt"),
    "es": ("año", "precio", "total", "título", "fecha", "nombre", "importe", "página", "valor", "ciudad"),
    "ja": ("年", "価格", "合計", "タイトル", "日付", "名前", "金額", "ページ", "値", "都市"),
    "ko": ("연도", "가격", "합계", "제목", "날짜", "이름", "금액", "페이지", "값", "도시"),
    "ru": ("год", "цена", "итог", "заголовок", "дата", "имя", "сумма", "страница", "значение", "город"),
}


def corpus_lines(seed: int = 0, n_numbers: int = 400) -> Iterator[str]:
    """Deterministic training lines: the prompts, questions, field labels, yes/no words, numbers."""
    rng = random.Random(seed)
    for table in (SHORT_ANSWER, YES_NO, OCR_HEADER):
        yield from table.values()
    for lang, templates in QUESTIONS.items():
        yes, no = YES_NO_WORDS[lang]
        for field_name in FIELDS[lang]:
            for template in templates:
                yield template.format(field_name)
            # Labelled values as they appear on synthetic charts, receipts and forms.
            yield f"{field_name}: {rng.randint(1950, 2030)}"
            yield f"{field_name}: {rng.randint(0, 9999)}.{rng.randint(0, 99):02d}"
            yield f"{field_name}? {yes}. {no}."
        yield f"{yes} {no} {yes.capitalize()} {no.capitalize()}"
    for _ in range(n_numbers):
        yield f"{rng.randint(0, 100000)} {rng.randint(0, 100)}% {rng.random() * 1000:.2f}"
    yield "0 1 2 3 4 5 6 7 8 9 . , : ; ? ! % - + / ( ) $ € ¥ £"
