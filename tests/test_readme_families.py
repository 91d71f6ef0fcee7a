"""README's "Supported model families" table says what the family matrix tests check: one row per
tiny family, `refused` exactly where the toolkit is expected to refuse a stage, `ok` elsewhere.
(The matrix itself runs in the models and train sessions; this keeps the README from drifting.)"""

from __future__ import annotations

from pathlib import Path

from xtvqa_models.tiny.families import FAMILIES, REFUSED_STAGES
from xtvqa_train.conformance import STAGES

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_table_matches_the_matrix_expectations():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Supported model families"):].splitlines()
    start = next(i for i, line in enumerate(section) if line.startswith("| family"))
    rows = [line for line in section[start:][: section[start:].index("")] if line.startswith("| ")]
    header, body = rows[0], rows[1:]
    assert [c.strip() for c in header.strip("|").split("|")] == ["family", "load", *STAGES]
    table = {cells[0]: cells[1:] for cells in ([c.strip() for c in r.strip("|").split("|")] for r in body)}
    assert sorted(table) == sorted(FAMILIES)
    for family, cells in table.items():
        expected = ["ok"] + ["refused" if (family, stage) in REFUSED_STAGES else "ok" for stage in STAGES]
        assert cells == expected, family
