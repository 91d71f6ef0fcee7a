"""ChartQA relaxed accuracy and DocVQA ANLS against hand-computed values and official edge cases.

Run: uv run pytest packages/xtvqa-data/tests/test_metrics_numeric.py -q
"""

import pytest
from xtvqa_data.metrics import anls, normalized_levenshtein, parse_number, relaxed_accuracy


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0), (" 12.5% ", 0.125), ("1,234,567.5", 1234567.5), ("-3", -3.0), ("\u22123", -3.0),
        (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("45 %", 0.45),
        ("1,23", None), ("12,3456", None), ("abc", None), ("", None), ("%", None), ("nan", None),
        ("inf", None), ("1_000", None), ("$5", None), ("5 apples", None),
    ],
)
def test_parse_number(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("45", ["45"], 1.0),
        # trailing % divides by 100 on its own side only (pix2struct `_to_float`)
        ("45%", ["45%"], 1.0), ("0.45", ["45%"], 1.0), ("45%", ["0.45"], 1.0), ("45", ["45%"], 0.0),
        # 5 % of the *target*: asymmetric near the boundary
        ("105", ["100"], 1.0), ("95", ["100"], 1.0), ("105.2", ["100"], 0.0), ("100", ["105.2"], 1.0),
        ("1.05", ["1"], 1.0), ("1.0501", ["1"], 0.0),  # 1.05 - 1 > 0.05 in binary floats; slack allows it
        # zero target: no relative change exists, so exact (case-insensitive) string match
        ("0", ["0"], 1.0), ("0.0", ["0"], 0.0), ("0.01", ["0"], 0.0), ("0", ["5"], 0.0),
        # thousands separators and signs
        ("1,000", ["1000"], 1.0), ("1,020", ["1000"], 1.0), ("1,000", ["1,000"], 1.0), ("1,00", ["100"], 0.0),
        ("-5.1", ["-5"], 1.0), ("5", ["-5"], 0.0), ("\u22125", ["-5"], 1.0), ("-0.45", ["-45%"], 1.0),
        # non-numeric: case-insensitive exact match after strip
        ("Yes", ["yes"], 1.0), ("  Paris ", ["paris"], 1.0), ("Paris.", ["paris"], 0.0), ("nan", ["nan"], 1.0),
        # best over answers; empty prediction
        ("12", ["abc", "12.3"], 1.0), ("", ["5"], 0.0), ("", ["abc"], 0.0),
    ],
)
def test_relaxed_accuracy(prediction, answers, expected):
    assert relaxed_accuracy(prediction, answers) == expected


def test_relaxed_accuracy_rejects_bad_arguments():
    with pytest.raises(TypeError, match="not a str"):
        relaxed_accuracy("5", "5")
    with pytest.raises(ValueError, match="empty"):
        relaxed_accuracy("5", [])
    with pytest.raises(TypeError, match="prediction"):
        relaxed_accuracy(None, ["5"])


@pytest.mark.parametrize(
    ("prediction", "answers", "expected"),
    [
        ("Hello World", ["hello   world"], 1.0),  # lower-case and whitespace collapse first
        ("kitten", ["sitting"], 1 - 3 / 7),  # Levenshtein 3, max length 7
        ("abc", ["abx"], 2 / 3),
        ("ab", ["ax"], 0.0),  # NL == 0.5 exactly: the definition is strict (NL < tau)
        ("abcd", ["xxxx", "abce"], 0.75),  # best over answers
        ("", ["abc"], 0.0),
        ("北京市", ["北京"], 2 / 3),
        # lengths of the *normalised* strings: "strasse" vs "straße" is 2 edits over 7 characters
        ("STRASSE", ["Straße"], 5 / 7),
    ],
)
def test_anls(prediction, answers, expected):
    assert anls(prediction, answers) == pytest.approx(expected, abs=1e-12)


def test_anls_threshold_parameter():
    assert anls("ab", ["ax"], threshold=0.6) == pytest.approx(0.5)
    assert anls("abcd", ["wxyz"], threshold=1.0) == 0.0  # NL = 1 is never < 1
    with pytest.raises(ValueError, match="threshold"):
        anls("a", ["a"], threshold=0.0)


def test_normalized_levenshtein_matches_direct_definition():
    assert normalized_levenshtein("", "") == 0.0
    assert normalized_levenshtein("abc", "") == 1.0
    assert normalized_levenshtein("flaw", "lawn") == pytest.approx(2 / 4)
