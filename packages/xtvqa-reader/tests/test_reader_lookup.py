"""`experiments/reader_lookup.py`'s lookup questions (the probes the reader README's table
quotes): every line asked about must occur once in the record's OCR lines, and every answer
line must be the line at the asked offset from it, in the order asked.

Run: uv run nox -s reader -- -k reader_lookup
"""

from __future__ import annotations

import re

import pytest

from conftest import load_experiment


@pytest.fixture(scope="module")
def probe():
    return load_experiment("reader_lookup")


@pytest.fixture(scope="module")
def pool():
    from xtvqa_data.synth import generate

    return list(generate(10, seed=3, split="train", resize_to=28))


def check(sample, pool, offset_of_question) -> int:
    """Assert `sample` is a lookup whose answers are its asked lines' neighbours; return how many
    lines it asks about."""
    question, (answer,) = sample.question["en"], sample.answers["en"]
    assert set(sample.question.values()) == {question}
    names = re.findall(r"“(.*?)”", question)
    record = next(r for r in pool if r.id == sample.id)
    lines = list(record.ocr_tokens)
    offset = offset_of_question(question)
    assert len(answer.split("\n")) == len(names)
    for name, got in zip(names, answer.split("\n"), strict=True):
        assert lines.count(name) == 1
        assert got == lines[lines.index(name) + offset]
    return len(names)


def direction(question: str) -> int:
    return 1 if " after " in question else -1


def test_single_lookups_answer_the_neighbouring_line(probe, pool):
    samples = probe.lookups(pool, 60, 0)
    assert len(samples) == 60
    assert {check(s, pool, direction) for s in samples} == {1}
    assert {direction(s.question["en"]) for s in samples} == {1, -1}


def test_multi_query_lookups_answer_each_line_in_the_order_asked(probe, pool):
    samples = probe.lookups(pool, 200, 0, queries=4)
    asked = [check(s, pool, direction) for s in samples]
    assert set(asked) == {1, 2, 3, 4}  # 1 to 4 lines a sample, each count drawn
    several = [s.question["en"] for s, n in zip(samples, asked, strict=True) if n > 1]
    assert all(q.startswith(("Which lines come after", "Which lines come before")) for q in several)


def test_one_direction_only(probe, pool):
    samples = probe.lookups(pool, 40, 1, offsets=(-1,), queries=3)
    assert {direction(s.question["en"]) for s in samples} == {-1}
    for sample in samples:
        check(sample, pool, lambda _: -1)


def test_restate_answers_the_line_then_its_successor(probe, pool):
    for sample in probe.lookups(pool, 30, 2, restate=True, offsets=(1,)):
        (name,) = re.findall(r"“(.*?)”", sample.question["en"])
        lines = list(next(r for r in pool if r.id == sample.id).ocr_tokens)
        assert sample.answers["en"] == (name + "\n" + lines[lines.index(name) + 1],)


def test_windowed_lookups_keep_the_asked_line_and_its_answer_and_grow(probe, pool):
    items = probe.lookups(pool, 400, 4)
    cut = probe.windowed(items, 300, 0)
    assert [s.question for s in cut] == [s.question for s in items]  # only the OCR lines change
    assert cut[300:] == items[300:]  # past the first n: whole records
    for k, (sample, whole) in enumerate(zip(cut[:300], items[:300], strict=True)):
        lines, full = list(sample.ocr_tokens), list(whole.ocr_tokens)
        assert any(full[i : i + len(lines)] == lines for i in range(len(full)))  # consecutive lines
        assert 2 <= len(lines) <= min(len(full), 3 + (len(full) - 2) * k // 300)  # the cap: 3 lines, growing
        check(sample, [sample], direction)  # the asked line once, its answer on the asked side
    sizes = [len(s.ocr_tokens) for s in cut[:300]]
    assert max(sizes[:30]) < max(sizes[270:])


@pytest.mark.parametrize("argv, message", [
    (["--init", "{model}", "--layers", "6"], "its shape and prompt are its own"),
    (["--init", "{model}", "--question-first"], "its shape and prompt are its own"),
    (["--init", "{missing}"], "not a reader folder"),
    (["--held-out", "0"], "--held-out takes 1 to 200"),
    (["--qa-lookups", "0.3"], "--qa-lookups takes a share"),
    (["--window", "1000", "--queries", "3"], "--window takes N >= 0 and cuts one-line lookups"),
    (["--window", "-1"], "--window takes N >= 0"),
])
def test_bad_options_are_refused_before_any_work(probe, tmp_path, monkeypatch, capsys, argv, message):
    model = tmp_path / "reader"
    model.mkdir()
    (model / "xtvqa_prompt.json").write_text("{}")
    argv = [a.format(model=model, missing=tmp_path / "missing") for a in argv]
    monkeypatch.setattr("sys.argv", ["reader_lookup.py", *argv])
    with pytest.raises(SystemExit) as exit_info:
        probe.main()
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
