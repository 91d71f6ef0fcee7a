"""Every package declares, in its own pyproject.toml, each workspace package it imports (at any
depth: module level or inside a function), so that it installs and runs alone. The layers between
them are import-linter's contract in the lint session."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

PACKAGES = Path(__file__).resolve().parents[1] / "packages"


def imported_workspace_packages(src: Path) -> set[str]:
    found = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
            found |= {name.split(".")[0] for name in names if name.startswith("xtvqa_")}
    return found


@pytest.mark.parametrize("member", sorted(p.parent.name for p in PACKAGES.glob("*/pyproject.toml")))
def test_imports_are_declared(member):
    project = tomllib.loads((PACKAGES / member / "pyproject.toml").read_text())["project"]
    declared = {re.split(r"[\[<>=; ]", dep, maxsplit=1)[0].replace("-", "_") for dep in project["dependencies"]}
    own = member.replace("-", "_")
    undeclared = imported_workspace_packages(PACKAGES / member / "src") - declared - {own}
    assert not undeclared, f"{member} imports {sorted(undeclared)} without declaring them in its pyproject.toml"
