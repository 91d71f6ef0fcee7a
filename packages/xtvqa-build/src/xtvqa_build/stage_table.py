"""The stage count report in the format of the paper's Table 2 ("Data statistics of XPaperQA").

Rows: origin, +confidence filter, +similarity filter, +consistency filter, final; columns: the
three question types and the number of distinct page images. Beside it, every stage's input,
kept and dropped counts by reason, which add up (input = kept + sum of drops).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_build.prompts import QUESTION_TYPES

TABLE2_ROWS = ("origin", "+confidence filter", "+similarity filter", "+consistency filter", "final")


@dataclass
class StageCount:
    stage: str
    input: int
    kept: int
    dropped: dict[str, int] = field(default_factory=dict)
    resumed: bool = False
    unit: str = "pairs"  # what input counts; "PDFs -> pages", "requests -> pairs" where it changes


@dataclass
class StageReport:
    table2: dict[str, dict[str, int]] = field(default_factory=dict)  # row -> column -> count
    stages: list[StageCount] = field(default_factory=list)
    # PDFs and pages that could not be used: "<path>[ page <n>] (<reason>: <detail>)"
    failed: list[str] = field(default_factory=list)

    def failed_summary(self, limit: int = 10) -> str:
        """The failed PDFs and pages on one line: the first `limit`, then how many more."""
        shown = "; ".join(self.failed[:limit])
        more = f"; and {len(self.failed) - limit} more" if len(self.failed) > limit else ""
        return f"{len(self.failed)} PDF(s) or page(s) failed: {shown}{more}"

    def add_table2_row(self, row: str, pairs: Sequence[dict[str, Any]]) -> None:
        by_type = Counter(p["type"] for p in pairs)
        self.table2[row] = {**{t: by_type.get(t, 0) for t in QUESTION_TYPES},
                            "image num": len({p["page_id"] for p in pairs})}

    def to_markdown(self) -> str:
        columns = [*QUESTION_TYPES, "image num"]
        lines = ["| | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
        lines += [f"| {row} | " + " | ".join(f"{self.table2[row][c]:,}" for c in columns) + " |"
                  for row in TABLE2_ROWS if row in self.table2]
        lines += ["", "| stage | unit | input | kept | dropped (by reason) |", "|---|---|---:|---:|---|"]
        for s in self.stages:
            reasons = ", ".join(f"{r}: {n}" for r, n in sorted(s.dropped.items())) or "-"
            lines.append(f"| {s.stage}{' (resumed)' if s.resumed else ''} | {s.unit} | {s.input:,} | "
                         f"{s.kept:,} | {reasons} |")
        return "\n".join(lines) + "\n"

    def save(self, out_dir: str | Path) -> None:
        out_dir = Path(out_dir)
        (out_dir / "stage_counts.json").write_text(json.dumps(
            {"table2": self.table2, "stages": [asdict(s) for s in self.stages], "failed": self.failed}, indent=2,
            ensure_ascii=False),
            encoding="utf-8")
        (out_dir / "stage_counts.md").write_text(self.to_markdown(), encoding="utf-8")
