"""Prediction rows -> the Table-1 numbers: scores per language, and the cross-lingual drops.

Input: one row per item with `id`, `source`, `question_lang`, `image_lang`, `question_type`,
`score` (the predictions.jsonl lines). Output (`aggregate`), all scores in [0, 1], drops in
points (x 100), relative drops in %, None where undefined:

    overall[q], scores[source][q], by_type[type][q]        mean score of the items asked in q
    by_image_text[image_lang][q]                            the same per language of the image's text
    drops / overall_drops / by_type_drops / by_image_text_drops [..][q]   absolute drop, points
    relative_drops / overall_relative_drops / ..            relative drop, %
    by_image_lang[source][image_lang][q]                    the strata the drops come from
    n[...], n_cross[...]                                    item counts, cross-lingual ones
    overall_drop_ci[q], by_image_text_drop_ci[image_lang][q] [low, high] of the drop, points
    drop_ci                                                 how those intervals were made

Drops (DESIGN.md 4: absolute = score(image_lang) - score(q)). One source can mix image
languages (the sample has en, zh and fr images), and "the image's language" then differs per
item, so the reference is taken per stratum = (source, image_lang): within a stratum s,
ref_s = mean score of its monolingual items (question_lang == image_lang) and
drop_s(q) = ref_s - mean score of its items asked in q. A group's drop (a source, a question
type, everything) is the average of its strata's drops weighted by their number of items asked
in q, over the strata that have both a reference and q items:

    drop(q) = sum_s n_s,q (ref_s - score_s,q) / sum_s n_s,q                (x 100: points)
    relative(q) = drop(q) / ref*(q) x 100 %,  ref*(q) = sum_s n_s,q ref_s / sum_s n_s,q

Equivalently drop(q) = ref*(q) - score'(q), score'(q) = the mean score of the group's q items in
strata that have a reference (= score(q) when all of them have one): the monolingual scores are
re-weighted to the strata of the q items. For a group with a single image language g (a source
with one image language; each `by_image_text` row, its sources pooled) this is the plain
difference score(g) - score(q) when the strata weigh the same among the group's monolingual
items and among its q items (n_s,g / n_g = n_s,q / n_q for every stratum s), as when the group
is one stratum (one source) or its items are paired across languages (every record asked in
every language, as a full benchmark run asks them). Otherwise it is not: with sources asked in
different proportions per language the plain difference compares different source mixes.
Example, all images en: source A has 1 en item scoring 1 and 9 zh items scoring 0.5, source B
9 en items scoring 0 and 1 zh item scoring 0; score(en) = 0.1 and score(zh) = 0.45 (plain
difference -35 points), but drop(zh) = (9 x (1 - 0.5) + 1 x (0 - 0)) / 10 = +45 points (A's
questions lose half their score in zh, B's nothing), ref*(zh) = 0.9, relative +50 %.

Monolingual items contribute a drop of 0 (q == image_lang within their stratum); a column whose
items are all monolingual has n_cross == 0. Means are over the items present (unpaired): with
--limit or partial translations the q items of a stratum need not be the same records as its
monolingual ones.

Intervals (`overall_drop_ci`, `by_image_text_drop_ci`): percentile bootstrap of the same drop,
resampling records (every row of a drawn record, all its question languages, goes in together:
a cluster bootstrap, since a record's scores across languages are correlated), `resamples`
times with a generator seeded by (seed, the row's name) (`drop_ci`: level, resamples, seed,
unit), over the resamples in which the drop is defined; None for a language with no
cross-lingual items or none defined. Measured with the bundled model: a cell of ~67 records
(data/sample's per image language) is about +-12 points wide, one of 1,000 records about +-3.

A row whose item failed (a truthy `error`) is counted in `n_failed`, whether it carries the
evaluator's `score: 0.0` (xtvqa_data.report.bench.scored_row) or no score (then it counts as
0); any other row without a score in [0, 1] raises.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

UNTYPED = "untyped"  # question_type None or missing
REQUIRED = ("id", "source", "question_lang", "image_lang")
DROP_CI_LEVEL = 0.95
DROP_CI_RESAMPLES = 2000


def _clean(rows: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    clean, failed = [], 0
    for number, row in enumerate(rows):
        missing = [f for f in REQUIRED if row.get(f) in (None, "")]
        if missing:
            raise ValueError(f"prediction row {number} (id {row.get('id')!r}) lacks {', '.join(missing)}")
        score = row.get("score")
        if row.get("error"):  # a failed generation: the evaluator writes score 0.0 beside the error
            failed += 1
            if score is None:
                score = 0.0
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score) or not 0.0 <= score <= 1.0:
            raise ValueError(f"prediction row {row['id']!r} ({row['question_lang']}): score must be a number in [0, 1], got {score!r}")
        clean.append({
            "id": str(row["id"]),
            "source": str(row["source"]),
            "q": str(row["question_lang"]),
            "g": str(row["image_lang"]),
            "type": str(row.get("question_type") or UNTYPED),
            "score": float(score),
        })
    return clean, failed


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _drops(rows: Sequence[Mapping[str, Any]], q: str) -> tuple[float | None, float | None]:
    """(absolute drop in points, relative drop in %) of language q over `rows` (module docstring)."""
    strata: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        strata[(row["source"], row["g"])].append(row)
    weighted_drop = weighted_ref = weight = 0.0
    for (_, image_lang), stratum in strata.items():
        reference = _mean([r["score"] for r in stratum if r["q"] == image_lang])
        asked = [r["score"] for r in stratum if r["q"] == q]
        if reference is None or not asked:
            continue
        weighted_drop += len(asked) * (reference - sum(asked) / len(asked))
        weighted_ref += len(asked) * reference
        weight += len(asked)
    if weight == 0:
        return None, None
    drop, reference = weighted_drop / weight, weighted_ref / weight
    # Rounded at 1e-9 points: results.json shows 5.0, not the float sum's 4.999999999999999.
    return round(100.0 * drop, 9), (round(100.0 * drop / reference, 9) if reference > 0 else None)


def _table(groups: Mapping[str, Sequence[Mapping[str, Any]]], langs: Sequence[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """For each group and language: score, n, n_cross, drop, relative drop."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    for name, rows in groups.items():
        table[name] = {}
        for q in langs:
            asked = [r for r in rows if r["q"] == q]
            drop, relative = _drops(rows, q)
            table[name][q] = {
                "score": _mean([r["score"] for r in asked]),
                "n": len(asked),
                "n_cross": sum(r["g"] != q for r in asked),
                "drop": drop,
                "relative": relative,
            }
    return table


def _field(table: Mapping[str, Mapping[str, Mapping[str, Any]]], field: str) -> dict[str, dict[str, Any]]:
    return {name: {q: cell[field] for q, cell in cells.items()} for name, cells in table.items()}


def resample_counts(rng: np.random.Generator, n_records: int, resamples: int,
                    cells: int = 4_000_000) -> Iterator[np.ndarray]:
    """Bootstrap draws as counts: arrays of shape (b, n_records), row k holding how often each
    record is drawn in one resample of n_records with replacement; `resamples` rows in all, in
    chunks of at most `cells` numbers (a 10,000-record run does not hold 2,000 x 10,000 at once)."""
    per_chunk, done = max(1, cells // max(n_records, 1)), 0
    while done < resamples:
        b = min(per_chunk, resamples - done)
        yield rng.multinomial(n_records, np.full(n_records, 1.0 / n_records), size=b)
        done += b


def _drop_intervals(rows: Sequence[Mapping[str, Any]], langs: Sequence[str], rng: np.random.Generator,
                    resamples: int, level: float) -> dict[str, list[float] | None]:
    """[low, high] of `_drops(rows, q)` per language q, by the records bootstrap (module docstring).

    Vectorised: per (stratum, language) each record's score sum and item count; a resample's sums
    are then its counts times those, and its drop is `_drops`' formula on them."""
    ids = {key: k for k, key in enumerate(dict.fromkeys(r["id"] for r in rows))}
    strata = list(dict.fromkeys((r["source"], r["g"]) for r in rows))
    columns = list(dict.fromkeys([*langs, *(g for _, g in strata)]))
    col = {q: k for k, q in enumerate(columns)}
    sums = np.zeros((len(strata), len(columns), len(ids)))
    counts = np.zeros_like(sums)
    stratum = {key: k for k, key in enumerate(strata)}
    for r in rows:
        s, q, i = stratum[(r["source"], r["g"])], col[r["q"]], ids[r["id"]]
        sums[s, q, i] += r["score"]
        counts[s, q, i] += 1
    crossed = {q for q in langs if any(r["q"] == q and r["g"] != q for r in rows)}
    reference = [col[g] for _, g in strata]
    draws: dict[str, list[np.ndarray]] = {q: [] for q in crossed}
    flat_sums, flat_counts = sums.reshape(-1, len(ids)).T, counts.reshape(-1, len(ids)).T  # (records, strata x languages)
    for weights in resample_counts(rng, len(ids), resamples):
        s_sum = (weights @ flat_sums).reshape(len(weights), len(strata), len(columns))  # (b, strata, languages)
        s_n = (weights @ flat_counts).reshape(len(weights), len(strata), len(columns))
        idx = np.arange(len(strata))
        ref_sum, ref_n = s_sum[:, idx, reference], s_n[:, idx, reference]  # (b, strata)
        with np.errstate(invalid="ignore", divide="ignore"):
            ref = ref_sum / ref_n
            for q in crossed:
                q_sum, q_n = s_sum[:, :, col[q]], s_n[:, :, col[q]]
                valid = (ref_n > 0) & (q_n > 0)
                weight = np.where(valid, q_n, 0.0)
                total = np.where(valid, q_n * ref - q_sum, 0.0).sum(axis=1)  # sum_s n_s,q (ref_s - score_s,q)
                draws[q].append(100.0 * total / weight.sum(axis=1))
    out: dict[str, list[float] | None] = {q: None for q in langs}
    tail = 100.0 * (1.0 - level) / 2.0
    for q in crossed:
        values = np.concatenate(draws[q]) if draws[q] else np.array([])
        values = values[np.isfinite(values)]
        if values.size:
            low, high = np.percentile(values, [tail, 100.0 - tail])
            out[q] = [float(low), float(high)]
    return out


def _group_rng(seed: int, group: str) -> np.random.Generator:
    """The bootstrap generator of one group of rows ("overall", an image language)."""
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big")])


def aggregate(rows: Iterable[Mapping[str, Any]], langs: Sequence[str] | None = None, *,
              resamples: int = DROP_CI_RESAMPLES, level: float = DROP_CI_LEVEL, seed: int = 0) -> dict[str, Any]:
    """The Table-1 results of prediction rows (module docstring); `langs` fixes the column order.
    `resamples`, `level`, `seed`: the drops' bootstrap intervals (0 resamples: none computed)."""
    if resamples < 0 or not 0.0 < level < 1.0:
        raise ValueError(f"need resamples >= 0 and 0 < level < 1, got {resamples} and {level}")
    clean, failed = _clean(rows)
    if not clean:
        raise ValueError("no prediction rows to aggregate")
    if langs is None:
        langs = list(dict.fromkeys(r["q"] for r in clean))
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_image: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in clean:
        by_source[row["source"]].append(row)
        by_type[row["type"]].append(row)
        by_image[row["g"]].append(row)
    overall = _table({"overall": clean}, langs)
    sources = _table(dict(sorted(by_source.items())), langs)
    types = _table(dict(sorted(by_type.items())), langs)
    # one image language per group, its sources pooled; the drops are still per-source strata (the plain
    # score(image_lang) - score(q) only when the sources are asked in equal proportions: module docstring)
    images = _table({g: by_image[g] for g in [*(q for q in langs if q in by_image), *sorted(set(by_image) - set(langs))]},
                    langs)
    strata = {
        source: _table({g: [r for r in rows if r["g"] == g] for g in sorted({r["g"] for r in rows})}, langs)
        for source, rows in sorted(by_source.items())
    }
    # one generator per group, seeded by (seed, the group's name): a row's interval does not
    # change when other image languages are added to or left out of the run
    groups = {"overall": clean, **{g: by_image[g] for g in images}}
    intervals = {
        name: (_drop_intervals(group, langs, _group_rng(seed, name), resamples, level) if resamples
               else {q: None for q in langs})
        for name, group in groups.items()
    }
    return {
        "langs": list(langs),
        "n_items": len(clean),
        "n_failed": failed,
        "overall": _field(overall, "score")["overall"],
        "overall_drops": _field(overall, "drop")["overall"],
        "overall_relative_drops": _field(overall, "relative")["overall"],
        "scores": _field(sources, "score"),
        "drops": _field(sources, "drop"),
        "relative_drops": _field(sources, "relative"),
        "by_type": _field(types, "score"),
        "by_type_drops": _field(types, "drop"),
        "by_type_relative_drops": _field(types, "relative"),
        "by_image_text": _field(images, "score"),
        "by_image_text_drops": _field(images, "drop"),
        "by_image_text_relative_drops": _field(images, "relative"),
        "by_image_lang": {source: _field(table, "score") for source, table in strata.items()},
        "overall_drop_ci": intervals["overall"],
        "by_image_text_drop_ci": {g: intervals[g] for g in images},
        "drop_ci": {"level": level, "resamples": resamples, "seed": seed, "unit": "record",
                    "method": "percentile bootstrap"} if resamples else None,
        "n": {
            "overall": _field(overall, "n")["overall"],
            "scores": _field(sources, "n"),
            "by_type": _field(types, "n"),
            "by_image_text": _field(images, "n"),
            "by_image_lang": {source: _field(table, "n") for source, table in strata.items()},
        },
        "n_cross": {
            "overall": _field(overall, "n_cross")["overall"],
            "scores": _field(sources, "n_cross"),
            "by_type": _field(types, "n_cross"),
            "by_image_text": _field(images, "n_cross"),
        },
    }
