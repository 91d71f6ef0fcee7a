"""How much a harness's metric convention moves scores: per metric and convention, how many of N
generated cases score the same as under the paper's definitions, which way the others go, and
examples of each kind of disagreement.

Two sources of cases:
- generated: answers and predictions built to look like models' answers and their usual slips
  (numbers within about 5 %, thousands separators, percentages, padding, a trailing period, an
  answer inside a sentence, one-character typos, short answer lists);
- data/sample (or --data): each record's gold answers with a prediction derived from one of them
  by the same slips, so the counts show the convention effect on this benchmark's answer types.

Run: uv run python benchmarks/metric_conventions.py [--n 2000] [--data data/sample] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
from collections import defaultdict
from pathlib import Path

from xtvqa_data.metrics import CONVENTIONS, default_metric, metric_for

HARNESS_METRICS = ("relaxed_accuracy", "anls", "vqa_accuracy", "exact_match")
WORDS = ["coffee", "tea", "paris", "the cat", "two", "5", "u.s.", "don't", "北京", "東京", "서울", "москва", "Straße"]


def slip(answer: str, rng: random.Random) -> str:
    """A prediction a model might give for `answer`."""
    kind = rng.randrange(9)
    try:
        number = float(answer.replace(",", "").rstrip("%"))
    except ValueError:
        number = None
    if number is not None and kind < 4:
        scaled = number * rng.choice([1.0, 1.05, 0.95, 1.04, 1.06])
        text = rng.choice([f"{scaled:g}", f"{scaled:,.0f}", f"{scaled:.2f}", f"{scaled:.1f}"])
        return text + ("%" if answer.endswith("%") and rng.random() < 0.7 else "")
    if kind == 0:
        return answer
    if kind == 1:
        return f"{answer}."
    if kind == 2:
        return f" {answer} " if rng.random() < 0.5 else answer.upper()
    if kind == 3:
        return rng.choice(["The answer is ", "It is ", "答案是"]) + answer
    if kind == 4 and len(answer) > 1:
        i = rng.randrange(len(answer))
        return answer[:i] + rng.choice("abcxyz") + answer[i + 1:]
    if kind == 5:
        return rng.choice(WORDS)
    return answer


def generated_cases(n: int, rng: random.Random):
    for _ in range(n):
        metric = rng.choice(HARNESS_METRICS)
        if metric == "relaxed_accuracy":
            value = rng.choice([rng.randint(1, 5000), round(rng.uniform(0, 100), 1), rng.choice([2, 20, 100, 1000])])
            gold = [rng.choice([str(value), f"{value:,}", f"{value}%"])]
        elif metric == "vqa_accuracy":
            base = rng.sample(WORDS, 2)
            gold = [rng.choice(base) for _ in range(rng.choice([10, 10, 1, 3]))]
        else:
            gold = [rng.choice(WORDS) for _ in range(rng.randint(1, 2))]
        yield metric, slip(rng.choice(gold), rng), gold


def sample_cases(path: Path, rng: random.Random):
    from xtvqa_data import load

    data = load(path)
    for split in data.values() if isinstance(data, dict) else [data]:
        for record in split:
            metric = default_metric(record)
            if metric not in HARNESS_METRICS:
                continue
            gold = list(record.answers[record.image_lang])
            yield metric, slip(rng.choice(gold), rng), gold


def report(title: str, cases) -> None:
    tally: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for metric, prediction, gold in cases:
        paper = metric_for(metric)(prediction, gold)
        for convention in CONVENTIONS[1:]:
            score = metric_for(metric, convention)(prediction, gold)
            cell = tally[metric, convention]
            cell["n"] += 1
            cell["agree" if score == paper else "higher" if score > paper else "lower"] += 1
            cell["paper_sum"] += paper
            cell["conv_sum"] += score
            if score != paper and len(examples[metric, convention]) < 3:
                examples[metric, convention].append(f"{prediction!r} vs {gold[:3]!r}: paper {paper:.2f}, {score:.2f}")
    print(f"\n## {title}\n")
    print("| metric | convention | cases | agree | harness higher | harness lower | paper mean | harness mean |")
    print("|:---|:---|---:|---:|---:|---:|---:|---:|")
    for (metric, convention), cell in sorted(tally.items()):
        n = cell["n"]
        print(f"| {metric} | {convention} | {n} | {cell['agree']} | {cell['higher']} | {cell['lower']} | "
              f"{100 * cell['paper_sum'] / n:.1f} | {100 * cell['conv_sum'] / n:.1f} |")
    print()
    for (metric, convention), lines in sorted(examples.items()):
        print(f"- {metric} / {convention}: " + "; ".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="generated cases")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "sample")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    report(f"{args.n} generated cases", list(generated_cases(args.n, random.Random(args.seed))))
    if args.data.exists():
        report(f"{args.data} gold answers with derived predictions", list(sample_cases(args.data, random.Random(args.seed))))


if __name__ == "__main__":
    main()
