"""Issue 6's findings 1 and 2 from bench run folders: the mean score of source-language questions
(question language = image language) and the drop of each cross-lingual question language on
en and zh images, in points, one markdown row per run, to set several runs side by side; then
finding 4's summary against the first run (the model before MVCL-MI): the mean of the four
drops, how much narrower it is (relative %), and the source-language change in points, each
change with its 95 % paired bootstrap interval (`xtvqa_data.report.compare_runs`: the runs must
be on the same records). The
cells are the bench's own image-text rows (`xtvqa_data.report.aggregate`'s `by_image_text`),
recomputed from predictions.jsonl so that run folders from before those rows work too. Each
drop is followed by its 95 % bootstrap interval ([low, high]: records resampled with all their
question languages, `aggregate`'s `by_image_text_drop_ci`), which says how far a cell can move
by the draw of records alone.

Run: uv run python experiments/gap_cells.py runs/bench/<run> [more runs...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from xtvqa_data.report import aggregate, compare_runs, with_interval
from xtvqa_data.runs.jsonl import read_jsonl

DROPS = (("en", "zh"), ("en", "fr"), ("zh", "en"), ("zh", "fr"))  # (image language, question language)
SOURCE = ("en", "zh", "fr")


def cells(run: Path) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], list[float] | None]]:
    """Mean score per (image language, question language) of a bench run folder, and the drops'
    bootstrap intervals (points) per (image language, question language)."""
    results = aggregate(read_jsonl(run / "predictions.jsonl"))
    scores = {(image, question): score for image, row in results["by_image_text"].items()
              for question, score in row.items() if score is not None}
    intervals = {(image, question): ci for image, row in results["by_image_text_drop_ci"].items()
                 for question, ci in row.items()}
    return scores, intervals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench run folders (holding results.json)")
    args = parser.parse_args()
    header = ["run", "source-language", *(f"drop {q} on {i} images" for i, q in DROPS)]
    print("| " + " | ".join(header) + " |")
    print("|:---|" + "---:|" * (len(header) - 1))
    summary = []
    for run in args.runs:
        if not (run / "results.json").is_file() or not (run / "predictions.jsonl").is_file():
            parser.error(f"{run} has no results.json and predictions.jsonl: not a finished bench run folder")
        c, intervals = cells(run)
        missing = [key for key in [*((lang, lang) for lang in SOURCE), *DROPS] if key not in c]
        if missing:
            parser.error(f"{run} lacks (image, question) language pairs {missing}: run bench with --langs en,zh,fr")
        source = sum(c[lang, lang] for lang in SOURCE) / len(SOURCE)
        drops = [100 * (c[i, i] - c[i, q]) for i, q in DROPS]
        print(f"| {run.name} | {source:.3f} | "
              + " | ".join(with_interval(d, intervals.get(key)) for d, key in zip(drops, DROPS, strict=True)) + " |")
        summary.append((run.name, sum(drops) / len(drops)))
    if len(summary) > 1:
        print(f"\nAgainst {summary[0][0]} (mean drop {summary[0][1]:.2f} points; [95 % paired bootstrap interval]):\n")
        print("| run | mean drop | narrowed | source-language change |")
        print("|:---|---:|---:|---:|")
        before = read_jsonl(args.runs[0] / "predictions.jsonl")
        for run in args.runs[1:]:
            change = compare_runs(before, read_jsonl(run / "predictions.jsonl"), DROPS, SOURCE)
            narrowed = ("n/a" if change["narrowed"] is None
                        else with_interval(change["narrowed"], change["narrowed_ci"], fmt=".0f", scale=100.0, unit=" %"))
            moved = with_interval(change["source_change"], change["source_change_ci"], fmt="+.1f")
            print(f"| {run.name} | {change['mean_drop']['after']:.2f} | {narrowed} | {moved} |")


if __name__ == "__main__":
    main()
