"""Which metric scores an item, and how an item is scored across languages (DESIGN.md 4).

`default_metric(record)`: the record's own `metric` if set, else its source's: chartqa
relaxed_accuracy, docvqa anls, textvqa vqa_accuracy, ocrvqa exact_match, xpaperqa-* token_f1
(yes_no_accuracy for yes-no items), synth-* relaxed_accuracy when every gold answer is a number
and exact_match otherwise, any other source exact_match.

`score_item(item, prediction)`: the paper scores correctness regardless of the answer's
language ("we do not care about the language of the answer as long as it is correct"; it
translates every answer into the image's language), so the prediction is compared with the
answers in every language the record has them: `answers[image_lang]`, `answers[question_lang]`
and any other (a synth record carries all eight, authored, so "no" answers a Chinese yes-no
question as well as "否" does, and "Berlin" a question whose image says "柏林"). With a
translator, a cross-lingual prediction translated from the question language (the language
models mostly answer in) into the image language is compared with `answers[image_lang]` too,
for records whose answers are not given in the language the model used. The best of these
counts. `token_f1` tokenises for the language of the answers it is compared against.
`vqa_accuracy` against `answers[image_lang]` (the source's own list) also counts the blank
annotator votes the converter dropped (`meta['dropped_empty_answers']`), so TextVQA's 10 votes
keep their meaning (metrics/vqa.py).

`convention` ("paper", "lmms-eval", "vlmevalkit"; conventions.py) scores with that harness's
rule where it has one (`metric_for`); the comparisons above are the same for every convention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from xtvqa_data.metrics.anls import anls
from xtvqa_data.metrics.conventions import DEFAULT_CONVENTION, HARNESS_METRICS, check_convention
from xtvqa_data.metrics.exact import exact_match
from xtvqa_data.metrics.f1 import token_f1
from xtvqa_data.metrics.relaxed import is_numeric_answer, relaxed_accuracy
from xtvqa_data.metrics.vqa import vqa_accuracy
from xtvqa_data.metrics.yes_no import yes_no_accuracy
from xtvqa_data.record import DROPPED_EMPTY_ANSWERS, EvalItem, Record

Metric = Callable[[str, Sequence[str]], float]
# callable(text, source_lang, target_lang) -> text in target_lang
Translator = Callable[[str, str, str], str]

METRICS: dict[str, Metric] = {
    "relaxed_accuracy": relaxed_accuracy,
    "anls": anls,
    "vqa_accuracy": vqa_accuracy,
    "exact_match": exact_match,
    "token_f1": token_f1,
    "yes_no_accuracy": yes_no_accuracy,
}
LANGUAGE_AWARE = frozenset({"token_f1"})  # metrics that take the answers' language as `lang`
SOURCE_METRICS: dict[str, str] = {
    "chartqa": "relaxed_accuracy",
    "docvqa": "anls",
    "textvqa": "vqa_accuracy",
    "ocrvqa": "exact_match",
}


def default_metric(record: Record) -> str:
    """The name (a key of `METRICS`) of the metric that scores `record`."""
    if record.metric is not None:
        if record.metric not in METRICS:
            raise ValueError(
                f"Record {record.id!r}: metric {record.metric!r} is not one of {', '.join(METRICS)}"
            )
        return record.metric
    source = record.source
    if source in SOURCE_METRICS:
        return SOURCE_METRICS[source]
    if source.startswith("xpaperqa"):
        return "yes_no_accuracy" if record.question_type == "yes-no" else "token_f1"
    if source.startswith("synth"):
        numeric = all(is_numeric_answer(answer) for answer in record.answers[record.image_lang])
        return "relaxed_accuracy" if numeric else "exact_match"
    return "exact_match"


def metric_for(name: str, convention: str = DEFAULT_CONVENTION) -> Metric:
    """The function that scores metric `name` under `convention` (the paper's where the harness has none)."""
    check_convention(convention)
    if name not in METRICS:
        raise ValueError(f"unknown metric {name!r}; choose one of {', '.join(METRICS)}")
    return HARNESS_METRICS.get(convention, {}).get(name, METRICS[name])


def _blank_votes(record: Record) -> int:
    """Empty answers the converter dropped from `answers[image_lang]` (0 when none)."""
    value = record.meta.get(DROPPED_EMPTY_ANSWERS, "0")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"meta[{DROPPED_EMPTY_ANSWERS!r}] must be a count, got {value!r}") from None


def _apply(name: str, prediction: str, answers: Sequence[str], lang: str, record: Record,
           convention: str = DEFAULT_CONVENTION) -> float:
    metric = metric_for(name, convention)
    if name in LANGUAGE_AWARE:
        return metric(prediction, answers, lang=lang)  # type: ignore[call-arg]
    if name == "vqa_accuracy" and lang == record.image_lang:  # the list the blank votes were dropped from
        return metric(prediction, answers, blank_votes=_blank_votes(record))  # type: ignore[call-arg]
    return metric(prediction, answers)


def _answer_langs(record: Record, question_lang: str) -> list[str]:
    """The languages whose answers a prediction is compared with: the image's, the question's,
    then every other one the record has (in its order)."""
    return list(dict.fromkeys([record.image_lang, *([question_lang] if question_lang in record.answers else []),
                               *record.answers]))


def score_item(item: EvalItem, prediction: str, *, translator: Translator | None = None,
               convention: str = DEFAULT_CONVENTION) -> float:
    """The item's score in [0, 1]: the best over the comparisons in the module docstring."""
    check_convention(convention)
    record = item.record
    name = default_metric(record)
    image_lang, question_lang = record.image_lang, item.question_lang
    try:
        best = 0.0
        for lang in _answer_langs(record, question_lang):
            best = max(best, _apply(name, prediction, record.answers[lang], lang, record, convention))
            if best >= 1.0:
                break
    except (TypeError, ValueError) as error:
        raise ValueError(f"Record {record.id!r} ({item.key}): {error}") from error
    # Translation costs an API call: skip it when it cannot help.
    if translator is not None and question_lang != image_lang and prediction.strip() and best < 1.0:
        translated = translator(prediction, question_lang, image_lang)
        if not isinstance(translated, str):
            raise TypeError(
                f"Record {record.id!r}: the translator returned {type(translated).__name__}, expected str"
            )
        best = max(best, _apply(name, translated, record.answers[image_lang], image_lang, record, convention))
    return best
