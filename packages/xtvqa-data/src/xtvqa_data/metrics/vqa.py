"""VQA accuracy (TextVQA, VQAv2): EvalAI answer processing and the leave-one-out soft score.

Processing, step by step as MMF's `EvalAIAnswerProcessor` ("processes an answer similar to Eval
AI", https://github.com/facebookresearch/mmf, pythia/tasks/processors.py; the copy TextVQA
evaluations use is `llava/eval/m4c_evaluator.py`), applied to the prediction and to every gold
answer alike:

1. lower-case; drop "," and "?"; "'s" -> " 's"; newlines and tabs -> spaces; strip;
2. punctuation: each of ; / [ ] " { } ( ) = + \\ _ - > < @ ` , ? ! is deleted where it touches a
   space in the text (or the text has a digit,digit comma) and replaced by a space otherwise;
   then a period not followed by a digit is deleted ("3.5" keeps its point, "u.s." -> "us");
3. per word: number words "none", "zero" .. "ten" -> digits, articles a/an/the dropped, the
   contraction table below applied ("dont" -> "don't").

Score (the official vqaEval.py of https://github.com/GT-Vision-Lab/VQA and TextVQA's
`_compute_answer_scores`): for each of the 10 gold answers in turn, leave it out and count the
other 9 equal to the processed prediction; acc = min(1, matches / 3); average the 10. A
duplicate answer is a separate vote (answers are removed by position, not by value). With m
matching answers of 10 this is 0.3, 0.6, 0.9, 1.0 for m = 1, 2, 3, >= 4.

Fewer than 10 answers (our decision): the formula counts annotator votes and cannot reach 1
with fewer than 4 answers (one answer scores 0 even when matched), so a list shorter than
`VQA_ANNOTATORS` is read as accepted variants, not votes, and scored 1.0 if the processed
prediction equals any processed answer -- the rule of TextVQA's own single-reference
evaluator (`STVQAAccuracyEvaluator` in the same m4c_evaluator.py). Lists of 10 or more use the
leave-one-out average over all of them.

Blank votes: an annotator who left the answer empty still cast one of the 10 votes, but a
`Record` cannot hold an empty answer, so the converters drop blank answers and count them in
`meta['dropped_empty_answers']`; `score_item` passes that count as `blank_votes`. They count
toward the 10 (so 9 answers + 1 blank vote are votes, not variants) and as votes that match no
prediction: ["cat"] + ["dog"] * 8 + 1 blank scores "cat" 0.3, as the official evaluator does.
(Officially a blank vote would match an empty prediction; here an empty prediction scores 0.)

The processing is English-centric (number words, articles, contractions) but is applied to
both sides identically, so text in other scripts is compared after the same transformation;
two raw strings that are equal after strip and lower-casing are always equal after it.
Deviation: the official `periodStrip.sub("", text, re.UNICODE)` passes the flag as `count`, so
it removes at most 32 periods; we remove all of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xtvqa_data.metrics.normalize import check_answers, check_prediction

VQA_ANNOTATORS = 10

# The official contraction table, key:value pairs. Its capitalised keys ("Im", "Ive", "Id've",
# "I'dve") are left out: words are lower-cased first, so they can never match.
_CONTRACTION_PAIRS = """
aint:ain't arent:aren't cant:can't couldve:could've couldnt:couldn't couldn'tve:couldn't've
couldnt've:couldn't've didnt:didn't doesnt:doesn't dont:don't hadnt:hadn't hadnt've:hadn't've
hadn'tve:hadn't've hasnt:hasn't havent:haven't hed:he'd hed've:he'd've he'dve:he'd've hes:he's
howd:how'd howll:how'll hows:how's isnt:isn't itd:it'd itd've:it'd've it'dve:it'd've itll:it'll
let's:let's maam:ma'am mightnt:mightn't mightnt've:mightn't've mightn'tve:mightn't've
mightve:might've mustnt:mustn't mustve:must've neednt:needn't notve:not've oclock:o'clock
oughtnt:oughtn't ow's'at:'ow's'at 'ows'at:'ow's'at 'ow'sat:'ow's'at shant:shan't
shed've:she'd've she'dve:she'd've she's:she's shouldve:should've shouldnt:shouldn't
shouldnt've:shouldn't've shouldn'tve:shouldn't've somebody'd:somebodyd
somebodyd've:somebody'd've somebody'dve:somebody'd've somebodyll:somebody'll
somebodys:somebody's someoned:someone'd someoned've:someone'd've someone'dve:someone'd've
someonell:someone'll someones:someone's somethingd:something'd somethingd've:something'd've
something'dve:something'd've somethingll:something'll thats:that's thered:there'd
thered've:there'd've there'dve:there'd've therere:there're theres:there's theyd:they'd
theyd've:they'd've they'dve:they'd've theyll:they'll theyre:they're theyve:they've
twas:'twas wasnt:wasn't wed've:we'd've we'dve:we'd've weve:we've werent:weren't
whatll:what'll whatre:what're whats:what's whatve:what've whens:when's whered:where'd
wheres:where's whereve:where've whod:who'd whod've:who'd've who'dve:who'd've wholl:who'll
whos:who's whove:who've whyll:why'll whyre:why're whys:why's wont:won't wouldve:would've
wouldnt:wouldn't wouldnt've:wouldn't've wouldn'tve:wouldn't've yall:y'all yall'll:y'all'll
y'allll:y'all'll yall'd've:y'all'd've y'alld've:y'all'd've y'all'dve:y'all'd've youd:you'd
youd've:you'd've you'dve:you'd've youll:you'll youre:you're youve:you've
"""
CONTRACTIONS: dict[str, str] = dict(pair.split(":", 1) for pair in _CONTRACTION_PAIRS.split())
NUMBER_WORDS: dict[str, str] = {
    word: str(value)
    for value, word in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"])
} | {"none": "0"}
ARTICLES = frozenset({"a", "an", "the"})
PUNCTUATION = (";", "/", "[", "]", '"', "{", "}", "(", ")", "=", "+", "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!")
_COMMA_BETWEEN_DIGITS = re.compile(r"(?<=\d),+(?=\d)")
# The official pattern is r"(?!<=\d)(\.)(?!\d)"; its "(?!<=\d)" is a look-ahead that never
# fails in front of a ".", so the pattern means: a period not followed by a digit.
_PERIOD_NOT_BEFORE_DIGIT = re.compile(r"\.(?!\d)")


def _process_punctuation(text: str, comma: re.Pattern[str] = _COMMA_BETWEEN_DIGITS,
                         period: re.Pattern[str] = _PERIOD_NOT_BEFORE_DIGIT, max_periods: int = 0) -> str:
    """Step 2; `comma`, `period` and `max_periods` (0: all) differ in the harnesses' copies
    (conventions.py)."""
    # The "touches a space" test reads the input text, not the partly processed one (as upstream).
    delete_all = comma.search(text) is not None
    out = text
    for mark in PUNCTUATION:
        if delete_all or f"{mark} " in text or f" {mark}" in text:
            out = out.replace(mark, "")
        else:
            out = out.replace(mark, " ")
    return period.sub("", out, count=max_periods)


def _process_digit_article(text: str) -> str:
    words = [NUMBER_WORDS.get(word, word) for word in text.lower().split()]
    return " ".join(CONTRACTIONS.get(word, word) for word in words if word not in ARTICLES)


def evalai_normalize(text: str) -> str:
    """An answer as EvalAI compares it (module docstring, steps 1-3)."""
    text = text.lower().replace(",", "").replace("?", "").replace("'s", " 's").strip()
    text = text.replace("\n", " ").replace("\t", " ").strip()
    return _process_digit_article(_process_punctuation(text))


def vqa_accuracy(prediction: str, answers: Sequence[str], *, blank_votes: int = 0) -> float:
    """VQA soft accuracy: leave-one-out mean of min(1, matches / 3) over >= 10 votes.

    `blank_votes`: annotators who gave an empty answer (dropped from `answers`); they are votes
    that match nothing. With fewer than 10 votes in all: 1.0 if the processed prediction equals
    a processed answer.
    """
    check_prediction(prediction, "vqa_accuracy")
    gold = [evalai_normalize(answer) for answer in check_answers(answers, "vqa_accuracy")]
    if isinstance(blank_votes, bool) or not isinstance(blank_votes, int) or blank_votes < 0:
        raise ValueError(f"vqa_accuracy: blank_votes must be a non-negative int, got {blank_votes!r}")
    predicted = evalai_normalize(prediction)
    votes = len(gold) + blank_votes
    if votes < VQA_ANNOTATORS:
        return float(predicted in gold)
    matches = sum(answer == predicted for answer in gold)
    # Leaving out answer i leaves `matches - [gold[i] matches]` matching votes among the others;
    # leaving out a blank vote leaves all `matches`.
    kept = sum(min(1.0, (matches - (answer == predicted)) / 3) for answer in gold)
    return (kept + blank_votes * min(1.0, matches / 3)) / votes
