"""Where each source-language answer sits among the OCR lines, and the points a bench run loses
at each kind of place: what a reader must do to answer, counted, for finding 1.

For a question in the image's language, its answer's place among the record's OCR lines is:

    line +k     the answer (one of those accepted) is a whole OCR line, k lines after (k < 0:
                before) the nearest line the question names ("From which platform does the
                train to “Lisbon” depart?": the platform is line +2 from "Lisbon" in a
                timetable's row-by-row lines)
    a line not named   a whole OCR line, while the question names none of the others (a fixed
                place, a title; or a choice: the largest bar, the cheapest dish)
    part of a line     inside a line ("118" of "118 km"), not a line of its own
    not in the lines   nowhere in them (computed, or another language's word)
    yes/no             a yes/no question

A line is named when its text occurs in the question between non-alphanumeric characters.
A place is not yet the skill: the generator's charts list their labels, then their values, so a
bar's value is line +n from its label (n the number of bars) and a line chart's value for a year
+n from the year: "±3 or further" is, there, a pair of parallel lists (the k-th value belongs to
the k-th label), not a neighbour; `line_peak_year` names its series and answers the year of the
largest value.

The tables: per question kind (the generator's `question_kind`), its places and the run's
source-language score and points lost (as experiments/question_kinds.py counts them); then per
place class (±1, ±2, ±3 or further, and the rest), the items, their score and points lost. The
recipe's lookup phase (`tiny_base.lookup_records`) asks only lines +1 and -1: the first row is
what a perfect lookup of that kind can give the run. Last, what the wrong extractive answers
are: another OCR line (read from the wrong place), a part of one, an answer holding a number no
OCR line holds (made up, not read), or other.

Run: uv run python experiments/answer_places.py runs/bench/<run> [--data DIR ...]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

from question_kinds import data_folders, run_arguments  # this folder is on sys.path
from xtvqa_data import StorageError, load
from xtvqa_data.runs.jsonl import read_jsonl

CLASSES = ("line ±1", "line ±2", "line ±3 or further", "a line not named", "part of a line", "not in the lines",
           "yes/no")


def names(question: str, line: str) -> bool:
    """Whether `question` holds `line` as a whole (no ASCII letter or digit either side)."""
    return bool(line) and re.search(rf"(?<![A-Za-z0-9]){re.escape(line)}(?![A-Za-z0-9])", question) is not None


def place(question: str, answers: list[str], lines: list[str], question_type: str) -> str:
    """The place among the OCR lines of the accepted `answers` (a whole line if any of them is one:
    "¥46" where "46" is accepted too), as the module docstring lists them."""
    if question_type == "yes-no":
        return "yes/no"
    at = [i for i, line in enumerate(lines) if line in answers]
    if not at:
        inside = any(answer and answer in line for answer in answers for line in lines)
        return "part of a line" if inside else "not in the lines"
    named = [i for i, line in enumerate(lines) if line not in answers and names(question, line)]
    if not named:
        return "a line not named"
    offset = min((a - n for a in at for n in named), key=lambda d: (abs(d), -d))
    return f"line {offset:+d}"


def place_class(where: str) -> str:
    """`place`'s answer folded into CLASSES (offsets by their size)."""
    if not where.startswith("line "):
        return where
    k = abs(int(where.removeprefix("line ")))
    return "line ±1" if k == 1 else "line ±2" if k == 2 else "line ±3 or further"


def record_places(folders: list[Path]) -> dict[str, tuple[str, str, list[str]]]:
    """Record id -> (question kind, the place of its source-language answer, its OCR lines), from
    the arrow columns of `folders` (no image decoded)."""
    out = {}
    for folder in folders:
        columns = load(folder).hf.select_columns(["id", "meta", "question_type", "image_lang", "question",
                                                  "answers", "ocr_tokens"])
        for row in columns:
            meta = {m["key"]: m["value"] for m in row["meta"] or ()}
            lang = row["image_lang"]
            question = {q["lang"]: q["text"] for q in row["question"]}.get(lang)
            answers = {a["lang"]: a["texts"] for a in row["answers"]}.get(lang)
            if question is None or not answers:
                continue  # no source-language question: nothing to place
            lines = list(row["ocr_tokens"] or ())
            out[row["id"]] = (meta.get("question_kind", "-"), place(question, list(answers), lines,
                                                                    row["question_type"] or ""), lines)
    return out


def wrong_answer(prediction: str, lines: list[str]) -> str:
    """What a wrong extractive answer is: another OCR line, a part of one, an answer holding a
    number that no OCR line holds (a value made up, not read), or something else."""
    prediction = prediction.strip()
    if prediction in lines:
        return "another OCR line"
    if prediction and any(prediction in line for line in lines):
        return "part of another line"
    held = set(re.findall(r"\d+", " ".join(lines)))
    if any(number not in held for number in re.findall(r"\d+", prediction)):
        return "a number no OCR line holds"
    return "other"


WRONG = ("another OCR line", "part of another line", "a number no OCR line holds", "other")


def tables(predictions: list[dict], places: dict[str, tuple[str, str, list[str]]]) -> str:
    """The per-kind and per-class markdown tables of the run's source-language items."""
    source = [p for p in predictions if p["question_lang"] == p["image_lang"]]
    if not source:
        raise SystemExit("the run has no source-language item (question language = image language)")
    missing = sorted({p["id"] for p in source} - places.keys())
    if missing:
        raise SystemExit(f"record {missing[0]!r} of the run is in none of the data folders given (--data), "
                         f"or has no question in its image's language ({len(missing)} such)")
    n = len(source)
    kinds: dict[str, list] = defaultdict(list)
    classes: dict[str, list] = defaultdict(list)
    wrong: Counter = Counter()
    for p in source:
        kind, where, lines = places[p["id"]]
        kinds[kind].append((where, float(p["score"])))
        classes[place_class(where)].append(float(p["score"]))
        if where != "yes/no" and float(p["score"]) < 1:
            wrong[wrong_answer(str(p.get("prediction") or ""), lines)] += 1

    def lost(scores) -> float:
        return 100 * sum(1 - s for s in scores) / n

    rows = ["| question kind | n | places (items) | source-language | points lost |", "|:---|---:|:---|---:|---:|"]
    for kind, items in sorted(kinds.items(), key=lambda kv: (-lost(s for _, s in kv[1]), kv[0])):
        scores = [s for _, s in items]
        where = ", ".join(f"{w} ({c})" for w, c in Counter(w for w, _ in items).most_common(3))
        rows.append(f"| {kind} | {len(items)} | {where} | {sum(scores) / len(scores):.3f} | {lost(scores):.1f} |")
    rows += ["", "| answer's place | items | share | source-language | points lost |", "|:---|---:|---:|---:|---:|"]
    for name in CLASSES:
        scores = classes.get(name, [])
        mean = f"{sum(scores) / len(scores):.3f}" if scores else "-"
        rows.append(f"| {name} | {len(scores)} | {len(scores) / n:.1%} | {mean} | {lost(scores):.1f} |")
    total = lost(s for scores in classes.values() for s in scores)
    rows.append(f"\nSource-language mean {100 - total:.1f} over {n} items; points lost sum to {total:.1f}.")
    m = sum(wrong.values())
    rows += ["", f"| wrong answer (of {m} extractive ones below 1) | items | share |", "|:---|---:|---:|"]
    rows += [f"| {name} | {wrong[name]} | {wrong[name] / max(m, 1):.1%} |" for name in WRONG]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser)
    args = parser.parse_args()
    folders = data_folders(parser, args)
    try:
        places = record_places(folders)
    except StorageError as error:
        parser.error(str(error))
    print(tables(list(read_jsonl(args.run / "predictions.jsonl")), places))


if __name__ == "__main__":
    main()
