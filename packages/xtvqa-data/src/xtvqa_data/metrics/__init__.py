"""Metrics of the XT-VQA benchmark, written from the official definitions (DESIGN.md 4).

Each metric is `(prediction: str, answers: Sequence[str]) -> float in [0, 1]`, best over the
answers: `relaxed_accuracy` (ChartQA), `anls` (DocVQA), `vqa_accuracy` (TextVQA/VQAv2, EvalAI),
`exact_match`, `token_f1` (SQuAD/QASPER/MLQA, with `lang=`), `yes_no_accuracy`. `METRICS` maps
names to them, `default_metric(record)` picks one per record, `score_item` scores an item across
its image and question languages. `metric_for(name, convention)` and `score_item(...,
convention=)` score as lmms-eval or VLMEvalKit do instead (`CONVENTIONS`, conventions.py).
"""

from xtvqa_data.metrics.anls import ANLS_THRESHOLD, anls, normalized_levenshtein
from xtvqa_data.metrics.conventions import (
    CONVENTIONS,
    DEFAULT_CONVENTION,
    check_convention,
    containment,
)
from xtvqa_data.metrics.exact import exact_match
from xtvqa_data.metrics.f1 import f1_tokens, token_f1
from xtvqa_data.metrics.normalize import fold_width, mixed_segmentation, normalize_exact
from xtvqa_data.metrics.relaxed import is_numeric_answer, parse_number, relaxed_accuracy
from xtvqa_data.metrics.scoring import (
    METRICS,
    Metric,
    Translator,
    default_metric,
    metric_for,
    score_item,
)
from xtvqa_data.metrics.vqa import evalai_normalize, vqa_accuracy
from xtvqa_data.metrics.yes_no import read_yes_no, yes_no_accuracy

__all__ = [
    "ANLS_THRESHOLD",
    "CONVENTIONS",
    "DEFAULT_CONVENTION",
    "METRICS",
    "Metric",
    "Translator",
    "anls",
    "check_convention",
    "containment",
    "default_metric",
    "evalai_normalize",
    "exact_match",
    "f1_tokens",
    "fold_width",
    "is_numeric_answer",
    "metric_for",
    "mixed_segmentation",
    "normalize_exact",
    "normalized_levenshtein",
    "parse_number",
    "read_yes_no",
    "relaxed_accuracy",
    "score_item",
    "token_f1",
    "vqa_accuracy",
    "yes_no_accuracy",
]
