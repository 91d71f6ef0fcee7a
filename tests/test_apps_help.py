"""Every app answers `--help` quickly and explains itself. Run: uv run nox -s integration -- -k help"""

import pytest

from conftest import run_app


@pytest.mark.parametrize(("app", "words"), [
    ("bench", ["--model", "--langs", "--resume", "--ocr-tokens", "import"]),
    ("analysis", ["--noise", "--draws", "--answer"]),
    ("train", ["--model"]),
    ("build", ["synth", "convert"]),
])
def test_help(app, words):
    done = run_app(app, "--help")
    for word in words:
        assert word in done.stdout


def test_bench_import_help():
    done = run_app("bench", "import", "--help")
    for word in ["--from", "lmms-eval", "vlmevalkit", "--data", "--langs", "--metric-convention", "_samples_"]:
        assert word in done.stdout
