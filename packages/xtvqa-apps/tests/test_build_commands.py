"""`apps/build`'s subcommands as a new user meets them: every option explained, bad input refused
before any work with the option named, and a refused or failed start leaving no file behind.

Run: uv run nox -s apps
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from PIL import Image
from xtvqa_apps.build import COMMANDS, main
from xtvqa_data import Record, save

# The apps' own test session installs no API SDK (xtvqa-build's extras): a start then fails on the
# missing SDK, before the key is looked for; both are failed starts that must write nothing.
HAS_OPENAI = importlib.util.find_spec("openai") is not None
NO_OPENAI_KEY = "no API key for openai:m" if HAS_OPENAI else "the openai: backend needs the OpenAI SDK"


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_of_every_build_command_has_help(name):
    command = main.get_command(click.Context(main), name)
    assert (command.help or "").strip()  # which also explains the arguments (click's have no help)
    options = [p for p in command.params if isinstance(p, click.Option)]
    missing = [p.opts[0] for p in options if not (p.help or "").strip()]
    assert missing == [], f"apps/build {name}: options without help: {missing}"


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def english_data(tmp_path: Path) -> Path:
    image = Image.new("RGB", (32, 16), "white")
    records = [Record(id=f"r{i}", source="ocrvqa", image=image, image_lang="en", question={"en": f"Who wrote book {i}?"},
                      answers={"en": ["x"]}, question_type="extractive") for i in range(3)]
    return save(records, tmp_path / "data")


@pytest.mark.parametrize(("to", "says"), [
    ("zz", "'zz' is not an ISO 639-1 code"),
    ("fr,hi", "'hi' is a language the translators do not take"),
    (" , ", "give at least one language"),
    ("EN", "'en' is the image language of every record"),  # known only once DATA is read
])
def test_translate_refuses_a_target_it_cannot_translate_into_before_any_work(english_data, tmp_path, to, says):
    before = listing(tmp_path)
    result = CliRunner().invoke(main, ["translate", str(english_data), "--to", to, "--translator", "hf:some/model",
                                       "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: Invalid value for '--to'") and says in error
    assert "valid codes: en, zh, fr" in error or "choose others of zh, fr" in error
    assert listing(tmp_path) == before


@pytest.mark.parametrize(("args", "says"), [
    (["--translator", "nope:m"], "Invalid value for '--translator': unknown translator provider 'nope'"),
    (["--translator", "openai:m"], NO_OPENAI_KEY),
    (["--translator", "openai:m", "--base-url", "http://127.0.0.1:9/v1", "--scorer", "e6"],
     "Invalid value for '--scorer': unknown scorer 'e6'"),
    (["--translator", "openai:m", "--threshold", "90"], "Invalid value for '--threshold'"),
])
def test_a_failed_translate_start_leaves_the_output_folder_as_it_was(english_data, tmp_path, monkeypatch, args, says):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    before = listing(tmp_path)
    result = CliRunner().invoke(main, ["translate", str(english_data), "--to", "zh", "--out", str(tmp_path / "x"), *args])
    assert result.exit_code != 0 and says in result.output, result.output
    assert listing(tmp_path) == before  # no <out>.cache.sqlite, no review file, no dataset


def test_a_file_that_is_not_a_cache_is_refused_without_a_traceback(english_data, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes " * 100)
    result = CliRunner().invoke(main, ["translate", str(english_data), "--to", "zh", "--translator", "hf:some/model",
                                       "--out", str(tmp_path / "x"), "--cache", str(notes)])
    assert result.exit_code == 1 and "notes.txt: cannot be used as a response cache" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def zh_args(tmp_path: Path, pdfs: Path, *more: str) -> list[str]:
    return ["xpaperqa-zh", str(pdfs), "--out", str(tmp_path / "out" / "zh"), *more]


def test_a_failed_xpaperqa_zh_start_leaves_the_output_folder_as_it_was(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    (pdfs / "paper.pdf").write_bytes(b"%PDF-1.7 not really")
    (tmp_path / "out").mkdir()
    runner = CliRunner()
    for args, says in [(["--llm", "openai:m"], NO_OPENAI_KEY),
                       (["--llm", "opnai:m"], "unknown LLM provider 'opnai'"),
                       *([(["--llm", "openai:m", "--translator", "nope:x", "--base-url", "http://127.0.0.1:9/v1"],
                           "unknown translator provider 'nope'")] if HAS_OPENAI else [])]:
        result = runner.invoke(main, zh_args(tmp_path, pdfs, *args))
        assert result.exit_code == 1 and says in result.output, result.output
        assert listing(tmp_path / "out") == [], args  # no zh.work/, no cache.sqlite


def test_xpaperqa_zh_refuses_a_folder_without_pdfs(tmp_path):
    (tmp_path / "Paper.PDF").write_bytes(b"%PDF")
    result = CliRunner().invoke(main, zh_args(tmp_path, tmp_path, "--llm", "openai:m"))
    assert result.exit_code == 2 and "has no *.pdf file (found Paper.PDF: rename to .pdf)" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not HAS_OPENAI, reason="needs the OpenAI SDK (xtvqa-build[openai]); the build tests check the names")
def test_xpaperqa_zh_names_the_pdfs_that_failed(tmp_path):
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    for i in range(12):
        (pdfs / f"paper{i:02d}.pdf").write_bytes(b"%PDF-1.7 truncated")
    result = CliRunner().invoke(main, zh_args(tmp_path, pdfs, "--llm", "openai:m", "--base-url", "http://127.0.0.1:9/v1"),
                                terminal_width=400)
    assert result.exit_code == 1
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: no QA pair survived the stages")
    assert f"12 PDF(s) or page(s) failed: {pdfs / 'paper00.pdf'} (pdf_error: corrupt or not a PDF" in error
    assert str(pdfs / "paper09.pdf") in error and "paper10.pdf" not in error and error.endswith("; and 2 more")
