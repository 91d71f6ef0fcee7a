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

Negation: a yes/no word right after a negator (only spaces between them) is flipped: "Not true."
-> no, "isn't false" -> yes (n't is read as not), "Das ist nicht richtig." -> no, "ce n'est pas
vrai" -> no, "не верно" -> no, "No es falso" -> yes. `NEGATORS` lists them (en not/never, de
nicht/kein..., fr pas/ne/jamais, ru не); Spanish "no" is the answer no unless a copula follows it
("no es/está/era/son <word>"). Chinese negation is in the lexicon (不是, 不对, 不正确); ja/ko
negate by verb endings the lexicon does not list, and are not handled.

The bare copula 是 ("is") starts most Chinese sentences' predicates, so a 是 inside a word
("这是错误的", this is wrong) is not an answer when any other yes/no word follows in the text
(错误 -> no); it reads as yes only when nothing else does. 是 starting a word ("是，图中有")
and 是的 are answers as before.

Phrases (`PHRASES`, matched before the words): set expressions whose words would mislead.
Hedges and apologies are no answer at all ("Sorry, I can't tell", "No idea.", "cannot
determine", 对不起/不好意思/无法判断, "no sé", "keine Ahnung", "не знаю", わかりません, 모르겠습니다),
and "No doubt." is yes. A phrase that starts before the first yes/no word decides the reading
(None for a hedge); one that comes later does not ("Yes, sorry for the delay" is yes).
Chinese 没错 (no mistake: right) is yes, and 肯定/否定 (affirmative/negative) are yes/no.
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
    "zh": (("是", "是的", "对", "对的", "正确", "有", "对了", "没错", "肯定"),
           ("否", "不是", "不对", "不", "错", "错误", "没有", "不正确", "否定", "是否定")),
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
_NT = re.compile(r"n['’]t\b")  # "isn't" -> "is not" ("can't" -> "ca not": only "not" matters)
COPULA = "是"  # bare: "is"; an answer only where it starts a word or nothing else answers
# Words that flip the yes/no word right after them.
NEGATORS = frozenset({
    "not", "never",  # en (n't is rewritten to " not")
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines",  # de
    "pas", "ne", "jamais",  # fr ("ce n'est pas vrai": pas)
    "не",  # ru
})
# Set phrases, read before the words (module docstring): None = a hedge, no answer.
_HEDGES = (
    # en ("n't" is already " not": "can't" -> "ca not", "don't" -> "do not")
    "no idea", "not sure", "unsure", "uncertain", "unclear", "unknown", "sorry", "do not know",
    "(?:cannot|can not|ca not|could not|unable to|impossible to|hard to|difficult to) (?:be )?"
    "(?:determine|determined|tell|told|say|said|know|known|answer|answered|judge|see|confirm)",
    "not (?:possible|able) to (?:determine|tell|say|know|answer|judge)",
    # fr, de, es, ru
    "je ne sais pas", "désolée?", "aucune idée", "impossible de (?:dire|déterminer|savoir|répondre)",
    "weiß (?:ich )?nicht", "ich weiss nicht", "keine ahnung", "unklar", "tut mir leid", "nicht sicher",
    "entschuldigung", "kann (?:ich )?(?:es )?nicht (?:sagen|bestimmen|erkennen|beurteilen)",
    "no (?:lo )?sé", "lo siento", "no estoy segur[oa]", "no está claro", "ni idea",
    "no (?:se )?(?:puede|puedo) (?:determinar|saber|decir)",
    "не знаю", "извините", "не уверен[аы]?", "неизвестно", "невозможно (?:определить|сказать)",
)
_HEDGES_CJK = (
    "对不起", "不好意思", "抱歉", "无法确定", "不能确定", "无法判断", "不能判断", "无法回答", "不好说",
    "说不准", "不知道", "不确定", "不清楚", "无法得知", "看不出",
    "わかりません", "分かりません", "すみません", "申し訳", "不明",
    "모르겠", "죄송", "알 수 없",
)
PHRASES: dict[str, bool | None] = {
    **dict.fromkeys(_HEDGES, None), **dict.fromkeys(_HEDGES_CJK, None),
    "no doubt": True, "without (?:a )?doubt": True, "undoubtedly": True, "of course": True,
}
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")  # + Hangul
_PHRASE = re.compile("|".join(  # whole words, except in scripts whose phrases end inside a word
    f"(?P<p{i}>{phrase})" if _UNSPACED.search(phrase) else f"(?P<p{i}>\\b(?:{phrase})\\b)"
    for i, phrase in enumerate(PHRASES)
))
_PHRASE_VALUES = list(PHRASES.values())
# Spanish "no" negates only through a copula ("no es falso"); alone it is the answer no.
ES_NO, ES_COPULAS = "no", frozenset({"es", "está", "esta", "era", "son", "fue"})


def _scan_cjk(word: str) -> tuple[bool | None, bool]:
    """(the word's first yes/no reading, whether a bare 是 inside it was passed over)."""
    i, deferred = 0, False
    while i < len(word):
        for size in range(min(_LONGEST_CJK, len(word) - i), 0, -1):
            piece = word[i : i + size]
            if piece in _CJK_ENTRIES:
                if piece == COPULA and i > 0:  # "这是…": a copula, not an answer (module docstring)
                    deferred = True
                    break
                if _CJK_ENTRIES[piece] is not None:
                    return _CJK_ENTRIES[piece], deferred
                i += size - 1  # a neutral word: skip it whole
                break
        i += 1
    return None, deferred


def _negated(text: str, words: list[re.Match[str]], i: int) -> int | None:
    """The index of the yes/no word that the negator at word i negates, None if it negates none."""
    def adjacent(a: int, b: int) -> bool:  # only spaces between words a and b
        return not text[words[a].end() : words[b].start()].strip()

    word = words[i].group()
    if word == ES_NO:  # "no es falso": through a copula only
        if i + 1 >= len(words) or words[i + 1].group() not in ES_COPULAS or not adjacent(i, i + 1):
            return None
        i += 1
    elif word not in NEGATORS:
        return None
    j = i + 1
    return j if j < len(words) and adjacent(i, j) and words[j].group() in YES_NO_WORDS else None


def read_yes_no(text: str) -> bool | None:
    """True/False for the first yes/no word of `text` (negation flips it), None when it has none."""
    text = _NT.sub(" not", unicodedata.normalize("NFKC", text).lower())
    words = list(_WORD.finditer(text))
    phrase = _PHRASE.search(text)
    phrase_at = phrase.start() if phrase else len(text)
    copula_seen = False
    for i, match in enumerate(words):
        if match.end() > phrase_at:  # the phrase starts before the end of this word: it decides,
            if match.start() < phrase_at:  # unless a yes/no word comes first inside the word
                value, _ = _scan_cjk(text[match.start() : phrase_at])
                if value is not None:
                    return value
            return _PHRASE_VALUES[int(phrase.lastgroup[1:])]
        word = match.group()
        negated = _negated(text, words, i)
        if negated is not None:
            return not YES_NO_WORDS[words[negated].group()]
        if word in YES_NO_WORDS:
            return YES_NO_WORDS[word]
        if CJK_CHAR.search(word):
            value, deferred = _scan_cjk(word)
            copula_seen = copula_seen or deferred
            if value is not None:
                return value
    return True if copula_seen else None


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
