"""Where a bench run's source-language score is lost: its items grouped by a field of the records'
`meta` (the generator's `question_kind` by default), one markdown row per kind, with the mean
score of source-language questions (question language = image language), of the cross-lingual
ones, and how many points of the run's source-language mean each kind costs (its share of the
source-language items times its error rate: the column sums to 100 minus that mean). Rows are
sorted by that cost, so the top rows say what a better model must learn first.

The records are read from the run's own data folder (`config.json`'s "data"), or from the
`--data` folders given (several when the run pooled several folders' predictions); a predicted
record id missing from them is an error. Records without the field are grouped as "-".

Run: uv run python experiments/question_kinds.py runs/bench/<run> [--data DIR ...] [--field question_kind]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from xtvqa_data import StorageError, load
from xtvqa_data.runs.jsonl import read_jsonl


def record_fields(folders: list[Path], field: str) -> tuple[dict[str, str], dict[str, str]]:
    """Record id -> `meta[field]` ("-" when absent) and record id -> question type, read from the
    arrow columns of `folders` (no image decoded)."""
    kinds, types = {}, {}
    for folder in folders:
        columns = load(folder).hf.select_columns(["id", "meta", "question_type"])
        for row in columns:
            meta = {m["key"]: m["value"] for m in row["meta"] or ()}
            kinds[row["id"]], types[row["id"]] = meta.get(field, "-"), row["question_type"] or "-"
    return kinds, types


def kind_rows(predictions: list[dict], kinds: dict[str, str], types: dict[str, str]) -> list[dict]:
    """One row per kind: n (source-language items), source, cross (mean scores; None when the
    kind has no such item), cost (points of the source-language mean lost on this kind)."""
    groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"source": [], "cross": []})
    for row in predictions:
        if row["id"] not in kinds:
            raise SystemExit(f"record {row['id']!r} of the run is in none of the data folders given (--data)")
        side = "source" if row["question_lang"] == row["image_lang"] else "cross"
        groups[kinds[row["id"]]][side].append(float(row["score"]))
    n_source = sum(len(g["source"]) for g in groups.values())
    if not n_source:
        raise SystemExit("the run has no source-language item (question language = image language)")
    types_of = defaultdict(set)
    for record_id, kind in kinds.items():
        types_of[kind].add(types[record_id])
    rows = []
    for kind, g in groups.items():
        source, cross = g["source"], g["cross"]
        rows.append({
            "kind": kind, "type": "/".join(sorted(types_of[kind])), "n": len(source),
            "source": sum(source) / len(source) if source else None,
            "cross": sum(cross) / len(cross) if cross else None,
            "cost": 100 * sum(1 - s for s in source) / n_source,
        })
    return sorted(rows, key=lambda r: (-r["cost"], r["kind"]))


def markdown(rows: list[dict], field: str) -> str:
    def fmt(value):
        return "-" if value is None else f"{value:.3f}"
    lines = [f"| {field} | question type | n | source-language | cross-lingual | points lost |",
             "|:---|:---|---:|---:|---:|---:|"]
    lines += [f"| {r['kind']} | {r['type']} | {r['n']} | {fmt(r['source'])} | {fmt(r['cross'])} | {r['cost']:.1f} |"
              for r in rows]
    total = sum(r["cost"] for r in rows)
    lines.append(f"\nSource-language mean {100 - total:.1f}; points lost sum to {total:.1f}.")
    return "\n".join(lines)


def run_arguments(parser: argparse.ArgumentParser) -> None:
    """The bench run folder and its records' folders (`--data`), for the scripts that read both."""
    parser.add_argument("run", type=Path, help="a finished bench run folder (predictions.jsonl)")
    parser.add_argument("--data", type=Path, action="append",
                        help="the records' folder (repeatable; default: the run's config.json 'data')")


def data_folders(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Path]:
    """The records' folders of `args.run`: `--data`, else its config.json's "data"; a folder that
    is no bench run, or names no data, is a parser error."""
    if not (args.run / "predictions.jsonl").is_file():
        parser.error(f"{args.run} is not a bench run folder (no predictions.jsonl)")
    if args.data:
        return args.data
    config = args.run / "config.json"
    if not config.is_file():
        parser.error(f"{args.run} has no config.json naming its data: give --data")
    return [Path(json.loads(config.read_text())["data"])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser)
    parser.add_argument("--field", default="question_kind", help="the records' meta field to group by")
    args = parser.parse_args()
    folders = data_folders(parser, args)
    try:
        kinds, types = record_fields(folders, args.field)
    except StorageError as error:
        parser.error(str(error))
    print(markdown(kind_rows(list(read_jsonl(args.run / "predictions.jsonl")), kinds, types), args.field))


if __name__ == "__main__":
    main()
