"""Exact match, token F1 (SQuAD/MLQA normalisation, CJK characters) and multilingual yes/no.

Run: uv run pytest packages/xtvqa-data/tests/test_metrics_text.py -q
"""

import pytest
from xtvqa_data.metrics import (
    exact_match,
    f1_tokens,
    mixed_segmentation,
    read_yes_no,
    token_f1,
    yes_no_accuracy,
)


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("Paris.", ["paris"], 1.0), ("  The   Hobbit ", ["the hobbit"], 1.0), ("北京。", ["北京"], 1.0),
        ("ＡＢＣ１２３", ["abc123"], 1.0),  # full-width -> half-width
        ("北京！", ["北京"], 1.0),  # full-width "！" folds to "!" and is stripped
        ("45", ["45%"], 0.0), ("Paris", ["Pari"], 0.0), ("", ["x"], 0.0),
        ("the hobbit", ["hobbit"], 0.0),  # no article removal in exact match
        ("B", ["a", "b"], 1.0),
    ],
)
def test_exact_match(prediction, answers, expected):
    assert exact_match(prediction, answers) == expected


def test_mixed_segmentation_keeps_latin_and_numbers_whole():
    assert mixed_segmentation("2019年营收 GPT 4") == ["2019", "年", "营", "收", "GPT", "4"]
    assert mixed_segmentation("東京タワー") == ["東", "京", "タ", "ワ", "ー"]
    assert mixed_segmentation("") == []


@pytest.mark.parametrize(
    ("prediction", "answers", "lang", "expected"),
    [
        # SQuAD: tokens [cat, sat] vs [cat, sat, down]: P = 1, R = 2/3, F1 = 0.8
        ("the cat sat", ["a cat sat down"], "en", 0.8),
        ("Cat, sat!", ["cat sat"], "en", 1.0),
        ("cat cat", ["cat"], "en", 2 / 3),  # bag of tokens: min count 1, P = 1/2, R = 1
        ("cat", ["dog", "cat"], "en", 1.0),
        ("dog", ["cat"], "en", 0.0),
        # empty after normalisation: SQuAD v2.0 rule (1 if both empty, 0 if one is)
        ("the", ["a"], "en", 1.0), ("", ["cat"], "en", 0.0), ("the", ["cat"], "en", 0.0),
        # zh/ja: characters are tokens
        ("北京大学", ["北京"], "zh", 2 / 3),
        ("2018年", ["2019年"], "zh", 0.5),
        ("北京，中国。", ["中国北京"], "zh", 1.0),
        ("北京大学", ["北京"], "en", 0.0),  # whitespace tokens would not split it
        ("東京タワー", ["東京"], "ja", 4 / 7),
        # articles per language
        ("el gato", ["gato"], "es", 1.0), ("der Hund", ["Hund"], "de", 1.0),
        ("l'homme", ["homme"], "fr", 1.0), ("les chats", ["chats"], "fr", 1.0),
        ("les chats", ["chats"], "en", 2 / 3),
    ],
)
def test_token_f1(prediction, answers, lang, expected):
    assert token_f1(prediction, answers, lang=lang) == pytest.approx(expected)


def test_f1_tokens_unicode_punctuation():
    assert f1_tokens("“Hello” — world…", "en") == ["hello", "world"]


def test_f1_removes_all_of_squads_string_punctuation():
    # $ + < = > ^ ` | ~ are Unicode symbols (S*), not P*, but SQuAD's normalize_answer removes them
    assert token_f1("$5", ["5"]) == 1.0
    assert token_f1("x<=y", ["xy"]) == 1.0
    assert f1_tokens("a+b | ~c^ `d`", "en") == ["ab", "c", "d"]
    assert token_f1("¥5", ["5"]) == 0.0  # non-ASCII symbols stay, as in SQuAD and MLQA


@pytest.mark.parametrize(
    ("prediction", "gold"),
    [
        ("Yes.", "yes"), ("No, it is not.", "no"), ("yeah", "yes"), ("nope", "no"),
        ("是的，图中有", "是"), ("是", "是"), ("对", "是"), ("否", "否"), ("不是", "否"),
        ("不对", "否"), ("没有", "否"),
        ("Oui", "oui"), ("Non.", "non"), ("Si", "oui"),
        ("Ja, das stimmt", "ja"), ("Nein", "nein"),
        ("Sí", "sí"), ("si", "sí"), ("No", "no"),
        ("はい、そうです", "はい"), ("いいえ", "いいえ"),
        ("예", "예"), ("네.", "예"), ("아니요", "아니요"),
        ("Да", "да"), ("Нет.", "нет"),
        ("ＹＥＳ", "yes"),
    ],
)
def test_yes_no_every_language(prediction, gold):
    assert yes_no_accuracy(prediction, [gold]) == 1.0


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("I know it", None),  # "no" inside a word is not a word
        ("네트워크", None),  # hangul matches whole words only
        ("不知道", None),  # "don't know" is not "no"
        ("但是不对", False),  # "but" contains 是 and is skipped whole
        ("所有的都不是", False),  # "all" contains 有
        ("对于这个图表", None),  # "regarding" contains 对
        ("There is no label", False),
        ("Yes, there is no label", True),  # the first yes/no word decides
        ("the answer: yes", True),
        ("", None),
    ],
)
def test_read_yes_no(text, value):
    assert read_yes_no(text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # a negator right before a yes/no word flips it
        ("Not true.", False), ("It's not false", True), ("That isn't true", False), ("never true", False),
        ("Das ist nicht richtig.", False), ("Das ist nicht falsch", True),
        ("Ce n'est pas vrai.", False), ("Ce n'est pas faux", True), ("Это не верно", False),
        ("No es falso", True), ("No es cierto", False),
        # Spanish/English "no" alone is still the answer; a comma ends the negation
        ("No, es falso", False), ("No", False), ("Non, ce n'est pas ça", False), ("Not, yes", True),
        # a bare copula 是 inside a word does not answer when a yes/no word follows
        ("这是错误的", False), ("这是不对的", False), ("这是正确的", True), ("这是对的", True),
        ("图中是一只猫", True),  # nothing else answers: the copula still reads as yes
        # plain answers
        ("Yes.", True), ("No", False), ("是的", True), ("不是", False), ("是", True), ("是，图中有", True),
        ("答案：是", True), ("Oui", True), ("Non, il n'y en a pas", False),
        ("I do not know", None), ("Not sure", None),
    ],
)
def test_read_yes_no_negation_and_copula(text, value):
    assert read_yes_no(text) is value


def test_yes_no_cross_language_and_failures():
    assert yes_no_accuracy("Yes", ["是"]) == 1.0
    assert yes_no_accuracy("Non", ["yes"]) == 0.0
    assert yes_no_accuracy("No, yes", ["yes"]) == 0.0
    assert yes_no_accuracy("I cannot tell", ["yes"]) == 0.0
    assert yes_no_accuracy("yes", ["maybe", "Yes"]) == 1.0  # the first answer that reads as yes/no
    with pytest.raises(ValueError, match="reads as yes or no"):
        yes_no_accuracy("yes", ["42"])
