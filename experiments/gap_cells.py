"""Issue 6's findings 1 and 2 from bench run folders: the mean score of source-language questions
(question language = image language) and the drop of each cross-lingual question language on
en and zh images, in points, one markdown row per run. The bench's own table groups by source
and question type, not by image language; this pools the strata its results.json keeps.

Run: uv run python experiments/gap_cells.py runs/bench/<run> [more runs...]
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

DROPS = (("en", "zh"), ("en", "fr"), ("zh", "en"), ("zh", "fr"))  # (image language, question language)
SOURCE = ("en", "zh", "fr")


def cells(run: Path) -> dict[tuple[str, str], float]:
    """Mean score per (image language, question language) of a bench run folder: the strata
    of its results.json (`by_image_lang`, per source), pooled over the sources by item count."""
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    total, count = defaultdict(float), defaultdict(int)
    for source, table in results["by_image_lang"].items():
        for image, row in table.items():
            for question, score in row.items():
                n = results["n"]["by_image_lang"][source][image][question]
                total[image, question] += score * n
                count[image, question] += n
    return {key: total[key] / count[key] for key in total if count[key]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="bench run folders (holding results.json)")
    args = parser.parse_args()
    header = ["run", "source-language", *(f"drop {q} on {i} images" for i, q in DROPS)]
    print("| " + " | ".join(header) + " |")
    print("|:---|" + "---:|" * (len(header) - 1))
    for run in args.runs:
        if not (run / "results.json").is_file():
            parser.error(f"{run} has no results.json: not a finished bench run folder")
        c = cells(run)
        missing = [key for key in [*((lang, lang) for lang in SOURCE), *DROPS] if key not in c]
        if missing:
            parser.error(f"{run} lacks (image, question) language pairs {missing}: run bench with --langs en,zh,fr")
        source = sum(c[lang, lang] for lang in SOURCE) / len(SOURCE)
        drops = [100 * (c[i, i] - c[i, q]) for i, q in DROPS]
        print(f"| {run.name} | {source:.3f} | " + " | ".join(f"{d:.1f}" for d in drops) + " |")


if __name__ == "__main__":
    main()
