"""Yes/no accuracy in many languages: read the first yes/no word, compare booleans.

XPaperQA's yes-no questions are asked in several languages and models answer in any of them
("是的", "Oui, ...", "No."), so a string match would mostly measure the answer's language. We map
the first yes/no word of the prediction to a boolean and compare it with the gold answer's.

Reading text: NFKC and lower-case, then words (`\\w+` runs) left to right. A word that is in
`YES_NO_WORDS` decides. A word in a script written without spaces (Han, kana) is scanned
character by character for the longest entry starting at each position ("是的，图中…" -> 是的 ->
yes; "不是" -> no, not 是); `NEUTRAL_CJK` lists words that contain a yes/no character but are
not answers ("但是" but, "是否" whether, "不知道" don't know) and are skipped whole. Hangul and
Latin/Cyrillic words only match whole ("네트워크" is not "네"). A prediction without any yes/no
word scores 0. The gold is the first answer that reads as yes or no; answers with none raise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from xtvqa_data.metrics.normalize import CJK_CHAR, check_answers, check_prediction

# language -> (yes words, no words); lower-case, NFKC. "si" is yes in es and fr ("si" answers a
# negative question in French); "no" serves en and es.
YES_NO_LEXICON: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (("yes", "yeah", "yep", "true"), ("no", "nope", "false")),
    "zh": (("是", "是的", "对", "对的", "正确", "有", "对了"), ("否", "不是", "不对", "不", "错", "错误", "没有", "不正确")),
    "fr": (("oui", "si", "vrai"), ("non", "faux")),
    "de": (("ja", "jawohl", "richtig", "wahr"), ("nein", "falsch")),
    "es": (("sí", "si", "verdadero", "cierto"), ("no", "falso")),
    "ja": (("はい", "そうです"), ("いいえ", "違います", "ちがいます")),
    "ko": (("예", "네", "맞습니다", "맞아요"), ("아니요", "아니오", "아니", "아닙니다", "아니에요")),
    "ru": (("да", "верно"), ("нет", "неверно")),
}
YES_NO_WORDS: dict[str, bool] = {
    word: value
    for yes, no in YES_NO_LEXICON.values()
    for value, words in ((True, yes), (False, no))
    for word in words
}
NEUTRAL_CJK = frozenset({
    "但是", "可是", "还是", "于是", "总是", "只是", "凡是", "是否", "是不是",  # but, or, whether, ...
    "不知道", "不确定", "不清楚", "不同", "不仅", "不过", "否则",  # don't know, different, however, ...
    "对于", "对比", "对应", "相对", "针对", "面对",  # regarding, compare, relative, ...
    "有关", "有些", "所有", "只有",  # about, some, all, only
})
_CJK_ENTRIES = {word: value for word, value in YES_NO_WORDS.items() if CJK_CHAR.search(word)} | {
    word: None for word in NEUTRAL_CJK
}
_LONGEST_CJK = max(map(len, _CJK_ENTRIES))
_WORD = re.compile(r"\w+")


def _scan_cjk(word: str) -> bool | None:
    i = 0
    while i < len(word):
        for size in range(min(_LONGEST_CJK, len(word) - i), 0, -1):
            piece = word[i : i + size]
            if piece in _CJK_ENTRIES:
                if _CJK_ENTRIES[piece] is not None:
                    return _CJK_ENTRIES[piece]
                i += size - 1  # a neutral word: skip it whole
                break
        i += 1
    return None


def read_yes_no(text: str) -> bool | None:
    """True/False for the first yes/no word of `text`, None when it has none."""
    for word in _WORD.findall(unicodedata.normalize("NFKC", text).lower()):
        if word in YES_NO_WORDS:
            return YES_NO_WORDS[word]
        if CJK_CHAR.search(word):
            value = _scan_cjk(word)
            if value is not None:
                return value
    return None


def yes_no_accuracy(prediction: str, answers: Sequence[str]) -> float:
    """1.0 if the prediction's first yes/no word agrees with the gold answer, else 0.0."""
    check_prediction(prediction, "yes_no_accuracy")
    answers = check_answers(answers, "yes_no_accuracy")
    gold = next((value for value in map(read_yes_no, answers) if value is not None), None)
    if gold is None:
        raise ValueError(
            f"yes_no_accuracy: none of the answers {answers!r} reads as yes or no; "
            "set the record's metric to another one or fix its answers"
        )
    return float(read_yes_no(prediction) == gold)
