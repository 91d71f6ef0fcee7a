"""Per-language summary of `mi.jsonl` rows: accuracy, entropies, MI and PMI with bootstrap CIs,
and the accuracy-MI correlation across languages.

Groups: each question language, plus `source` (items whose question is in the image's own
language) and `cross` (all others) - the comparison the paper's I(X;Y|Q^src) > I(X;Y|Q^others)
is about, which per-language rows blur when a dataset mixes image languages.
Items with an empty answer (no tokens to score) count for accuracy but not for the means.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from xtvqa_data.report.render import number, with_interval
from xtvqa_infotheory import correlation, critical_r, mean_ci

SCORED = ("h_clean", "h_noised", "mi", "pmi", "h_clean_mean", "mi_mean")


def _group(rows: Sequence[dict[str, Any]], seed: int) -> dict[str, Any]:
    scored = [r for r in rows if r.get("mi") is not None]
    out: dict[str, Any] = {
        "n": len(rows),
        "n_scored": len(scored),
        "accuracy": sum(r["correct"] for r in rows) / len(rows),
    }
    for name in SCORED:
        values = [r[name] for r in scored]
        out[name] = mean_ci(values, seed=seed).as_dict() if values else None
    return out


def summarize_rows(rows: Sequence[dict[str, Any]], *, seed: int = 0) -> dict[str, Any]:
    """`summary.json`'s content: `by_lang`, `by_relation`, `correlation` (accuracy vs MI)."""
    if not rows:
        raise ValueError("no analysis rows to summarise")
    langs = list(dict.fromkeys(r["question_lang"] for r in rows))
    by_lang = {lang: _group([r for r in rows if r["question_lang"] == lang], seed) for lang in langs}
    relations = {
        "source": [r for r in rows if r["question_lang"] == r["image_lang"]],
        "cross": [r for r in rows if r["question_lang"] != r["image_lang"]],
    }
    by_relation = {name: _group(group, seed) for name, group in relations.items() if group}
    summary: dict[str, Any] = {"by_lang": by_lang, "by_relation": by_relation, "n_items": len(rows)}
    usable = [lang for lang in langs if by_lang[lang]["mi"] is not None]
    if len(usable) >= 3:
        acc = [by_lang[lang]["accuracy"] for lang in usable]
        mi = [by_lang[lang]["mi"]["mean"] for lang in usable]
        try:
            corr = correlation(acc, mi).as_dict()
            corr["critical_r_p05"] = critical_r(len(usable))
            corr["langs"] = usable
            summary["correlation"] = corr
        except ValueError as error:  # constant accuracy or MI across languages
            summary["correlation"] = {"error": str(error), "langs": usable}
    else:
        summary["correlation"] = {"error": f"needs >= 3 languages with scored items, got {len(usable)}"}
    return summary


def _fmt(ci: dict[str, Any] | None) -> str:
    return "-" if ci is None else with_interval(ci["mean"], (ci["low"], ci["high"]), fmt=".3f")


def _rows(summary: dict[str, Any]):
    for name, group in [*summary["by_lang"].items(), *summary["by_relation"].items()]:
        yield (name, str(group["n"]), number(100 * group["accuracy"]), _fmt(group["h_clean"]),
               _fmt(group["h_noised"]), _fmt(group["mi"]), _fmt(group["pmi"]))


HEADER = ("lang", "n", "acc", "H(Y|V,Q)", "H(Y|V_eps,Q)", "MI (95% CI)", "PMI (95% CI)")


def _correlation_line(summary: dict[str, Any]) -> str:
    corr = summary["correlation"]
    if "error" in corr:
        return f"accuracy-MI correlation: not computed ({corr['error']})"
    return (f"accuracy-MI correlation across {corr['n']} languages: Pearson r = {corr['pearson_r']:.3f} "
            f"(p = {corr['pearson_p']:.3g}), Spearman rho = {corr['spearman_rho']:.3f} (p = {corr['spearman_p']:.3g}); "
            f"with n = {corr['n']}, |r| must exceed {corr['critical_r_p05']:.3f} for p < 0.05")


def render_markdown(summary: dict[str, Any]) -> str:
    header = [name.replace("|", "\\|") for name in HEADER]  # a pipe inside a cell is escaped in Markdown
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(summary)]
    lines += ["", "Entropies, MI and PMI in nats, summed over the answer's tokens; CIs: percentile bootstrap over items.",
              "", _correlation_line(summary), ""]
    return "\n".join(lines)


def render_rich(summary: dict[str, Any], title: str = "") -> Table:
    table = Table(*HEADER, title=title or None, caption=_correlation_line(summary))
    for row in _rows(summary):
        table.add_row(*row)
    return table
