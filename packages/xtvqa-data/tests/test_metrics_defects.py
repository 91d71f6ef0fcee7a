"""Generated cases for the metric rules that a differential test against the harnesses' code got
wrong: yes/no hedges and set phrases in eight languages, value-changing Unicode folds in exact
match, and golds that normalise to nothing.

Run: uv run pytest packages/xtvqa-data/tests/test_metrics_defects.py -q
"""

import random
import string
import unicodedata

import pytest
from xtvqa_data.metrics import exact_match, fold_width, read_yes_no, token_f1, yes_no_accuracy
from xtvqa_data.metrics.yes_no import YES_NO_LEXICON

# One hedge ("I can't tell", "I don't know", "sorry") per language, as models write them.
HEDGES = {
    "en": ["Sorry, I can't tell.", "I cannot determine that from the image.", "No idea.", "I'm not sure.",
           "It is impossible to say.", "Unknown"],
    "zh": ["对不起，我无法判断。", "不好意思，我不能确定", "抱歉，图中看不出", "我不知道", "不确定"],
    "fr": ["Désolé, je ne sais pas.", "Je ne sais pas", "Aucune idée", "Impossible de dire"],
    "de": ["Tut mir leid, das kann ich nicht sagen.", "Keine Ahnung.", "Ich weiß nicht", "Unklar"],
    "es": ["Lo siento, no sé.", "No sé", "No estoy seguro", "Ni idea"],
    "ja": ["すみません、わかりません", "分かりません。", "申し訳ありませんが不明です"],
    "ko": ["죄송합니다, 모르겠습니다", "알 수 없습니다", "모르겠어요"],
    "ru": ["Извините, не знаю.", "Не уверен", "Неизвестно", "Невозможно определить"],
}
LANGS = sorted(HEDGES)


def _lexicon_words():
    for lang, (yes, no) in YES_NO_LEXICON.items():
        for value, words in ((True, yes), (False, no)):
            for word in words:
                yield lang, word, value


@pytest.mark.parametrize("lang", LANGS)
def test_a_hedge_before_any_yes_no_word_is_no_answer(lang):
    rng = random.Random(lang)
    words = list(_lexicon_words())
    for hedge in HEDGES[lang]:
        assert read_yes_no(hedge) is None, hedge
        for _, word, _ in rng.sample(words, 12):  # a yes/no word after the hedge does not answer
            text = f"{hedge} {word}"
            assert read_yes_no(text) is None, text
            assert yes_no_accuracy(text, ["yes"]) == 0.0 and yes_no_accuracy(text, ["no"]) == 0.0


@pytest.mark.parametrize("lang", LANGS)
def test_a_yes_no_word_before_a_hedge_still_answers(lang):
    for _, word, value in _lexicon_words():
        if word in {"是"}:  # the bare copula yields to later words by design (yes_no.py)
            continue
        for hedge in HEDGES[lang]:
            text = f"{word}, {hedge}"
            assert read_yes_no(text) is value, text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("没错", True), ("没错，图中有两个人。", True), ("没错的", True), ("对，没错", True),
        ("答案是否定的", False), ("答案是肯定的", True), ("肯定", True), ("否定", False),
        ("No doubt.", True), ("No doubt about it", True), ("Without a doubt.", True), ("Of course!", True),
        ("No, no doubt he is wrong", False),  # the first reading wins
        ("Yes, sorry for the confusion.", True), ("No. I'm sorry.", False),
        ("是的，但我不确定", True),  # yes inside the word before the hedge
        ("这是不确定的", None),
        ("Not sure.", None), ("not true", False),
    ],
)
def test_set_phrases(text, value):
    assert read_yes_no(text) is value


def test_lexicon_words_alone_and_with_punctuation():
    for _, word, value in _lexicon_words():
        for text in (word, word.capitalize() + ".", f"{word}！", f"  {word} ..."):
            assert read_yes_no(text) is value, text


# -- exact match: width folding only ----------------------------------------------------------

def _compat_chars(tags):
    for code in range(0x80, 0x30000):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition.startswith(tags) and unicodedata.normalize("NFKC", char) != char:
            yield char


VALUE_CHANGING = [c for c in _compat_chars(("<super>", "<sub>", "<circle>", "<fraction>"))]
WIDTH = [c for c in _compat_chars(("<wide>", "<narrow>"))]


def test_value_changing_folds_do_not_match():
    assert len(VALUE_CHANGING) > 100
    for char in VALUE_CHANGING:
        folded = unicodedata.normalize("NFKC", char)
        assert exact_match(f"x{folded}", [f"x{char}"]) == 0.0, (char, folded)
        assert exact_match(f"x{char}", [f"x{char}"]) == 1.0
    for prediction, gold in [("102", "10²"), ("m2", "m²"), ("1", "①"), ("11/2", "1½"), ("H2O", "H₂O")]:
        assert exact_match(prediction, [gold]) == 0.0


def test_width_folds_match():
    assert len(WIDTH) > 200
    for char in WIDTH:
        folded = unicodedata.normalize("NFKC", char)
        assert fold_width(char) == folded
        assert exact_match(f"a{folded}b", [f"A{char}B"]) == 1.0, (char, folded)


def test_fold_width_keeps_canonical_equivalents_equal():
    assert exact_match("e\u0301te", ["\u00e9te"]) == 1.0  # NFC: decomposed é = composed é


# -- golds that normalise to nothing ----------------------------------------------------------

EMPTY_EXACT = [".", "...", "?", "!", "。", "、", "…", "．", ".,;"]
EMPTY_F1 = ["the", "a", "an", "...", "?!", "—", "《》", "the ."]


def _random_words(rng, n):
    return " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 6))) for _ in range(n))


def test_empty_normalised_gold_exact_match():
    rng = random.Random(0)
    for gold in EMPTY_EXACT:
        assert exact_match("", [gold]) == 0.0
        assert exact_match("   ", [gold]) == 0.0
        assert exact_match(gold, [gold]) == 1.0
        for _ in range(50):
            real = _random_words(rng, rng.randint(1, 3))
            prediction = rng.choice(["", real, _random_words(rng, 2)])
            assert exact_match(prediction, [gold, real]) == exact_match(prediction, [real])


def test_empty_normalised_gold_token_f1_as_squad_v2():
    rng = random.Random(1)
    for gold in EMPTY_F1:
        assert token_f1("", [gold, "Paris"]) == 0.0  # dropped: a real gold is there
        assert token_f1("", [gold]) == 1.0  # every gold is empty: SQuAD v2 keeps ['']
        assert token_f1("Paris", [gold]) == 0.0
        for _ in range(50):
            real = _random_words(rng, rng.randint(1, 4))
            prediction = rng.choice(["", "the", real, _random_words(rng, 3)])
            assert token_f1(prediction, [gold, real]) == token_f1(prediction, [real])
