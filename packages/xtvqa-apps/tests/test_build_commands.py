"""`apps/build`'s subcommands as a new user meets them: every option explained, bad input refused
before any work with the option named, and a refused or failed start leaving no file behind.

Run: uv run nox -s apps
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from xtvqa_apps.build import main
from xtvqa_data import Record, save


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
    result = CliRunner().invoke(main, ["translate", str(english_data), "--to", to, "--translator", "openai:m",
                                       "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    error = result.output.strip().splitlines()[-1]
    assert error.startswith("Error: Invalid value for '--to'") and says in error
    assert "valid codes: en, zh, fr" in error or "choose others of zh, fr" in error
    assert listing(tmp_path) == before


@pytest.mark.parametrize(("args", "says"), [
    (["--translator", "nope:m"], "Invalid value for '--translator': unknown translator provider 'nope'"),
    (["--translator", "openai:m"], "no API key for openai:m"),
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
    result = CliRunner().invoke(main, ["translate", str(english_data), "--to", "zh", "--translator", "openai:m",
                                       "--base-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "x"),
                                       "--cache", str(notes)])
    assert result.exit_code == 1 and "notes.txt: cannot be used as a response cache" in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
