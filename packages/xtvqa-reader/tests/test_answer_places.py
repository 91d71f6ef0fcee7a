"""`experiments/answer_places.py`: where a source-language answer sits among the OCR lines, and the
points a bench run loses at each kind of place (RESULTS.md's finding 1 quotes the tables).

Run: uv run nox -s reader -- -k answer_places
"""

from __future__ import annotations

import json

import pytest

from conftest import load_experiment

TIMETABLE = ["Departures · Venice", "Time", "Destination", "Platform", "06:10", "Lisbon", "4", "06:27", "Moscow", "1"]


@pytest.fixture(scope="module")
def places():
    return load_experiment("answer_places")


@pytest.mark.parametrize(("question", "answer", "lines", "qtype", "expected"), [
    ("From which platform does the train to “Lisbon” depart?", "4", TIMETABLE, "extractive", "line +1"),
    ("From which platform does the train to “Moscow” depart?", "1", TIMETABLE, "extractive", "line +1"),
    ("When does the train to “Moscow” depart?", "06:27", TIMETABLE, "extractive", "line -1"),
    ("Where does the 06:10 train go?", "Lisbon", TIMETABLE, "extractive", "line +1"),
    # of two names in the question, the nearer one counts ("1" is line +4 from "Lisbon")
    ("Is “Moscow” or “Lisbon” on platform 1?", "1", TIMETABLE, "extractive", "line +1"),
    ("Is “Lisbon” before “Moscow”?", "yes", TIMETABLE, "yes-no", "yes/no"),
    ("What is the value for “Judo”?", "59", ["Title", "Judo", "Cycling", "237", "59"], "extractive", "line +3"),
    ("开往“里斯本”的列车几点出发？", "11:18", ["11:18", "里斯本"], "extractive", "line -1"),
    ("11:59出发的列车开往哪里？", "东京", ["11:59", "东京"], "extractive", "line +1"),  # a CJK neighbour is no letter
    ("Which item is the most expensive?", "Cake", ["Menu", "Cake", "$11"], "extractive", "a line not named"),
    ("How far is Paris?", "136", ["Paris", "136 km"], "extractive", "part of a line"),
    ("How much is it in all?", "17", ["Soup", "$4"], "extractive", "not in the lines"),
])
def test_place(places, question, answer, lines, qtype, expected):
    assert places.place(question, [answer], lines, qtype) == expected


def test_a_line_is_named_only_as_a_whole(places):
    # "4" occurs inside "08:44" and "14" inside "2014": neither names the line "4" / "14"
    assert not places.names("What departs at 08:44?", "4")
    assert not places.names("What was the value in 2014?", "14")
    assert places.names("What was the value in 2014?", "2014")
    assert places.place("Which platform at 08:44?", ["7"], ["08:44", "Rome", "7", "4"], "extractive") == "line +2"
    # any accepted answer that is a whole line makes it a line: "¥46" where "46" is accepted too
    assert places.place("What does “Soup” cost?", ["46", "¥46"], ["Soup", "¥46"], "extractive") == "line +1"
    assert places.place("What does “Soup” cost?", ["46"], ["Soup", "¥46"], "extractive") == "part of a line"
    assert [places.place_class(w) for w in ("line -1", "line +2", "line -3", "line +12", "yes/no")] == [
        "line ±1", "line ±2", "line ±3 or further", "line ±3 or further", "yes/no"]


def _records(folder):
    """Three en records: a line +1 lookup, a line -2 lookup, a yes/no; one zh record with a line -1."""
    from PIL import Image
    from xtvqa_data import Record, save

    def record(rid, lang, question, answer, lines, qtype, kind):
        return Record(id=rid, source="synth", image=Image.new("RGB", (28, 28), "white"), image_lang=lang,
                      question={lang: question, "fr": "Q ?"}, answers={lang: [answer], "fr": [answer]},
                      question_type=qtype, ocr_tokens=lines, meta={"question_kind": kind})

    save([record("r0", "en", "Where does the 06:10 train go?", "Lisbon", TIMETABLE, "extractive", "tt_dest"),
          record("r1", "en", "When does the train to “Moscow” depart?", "1", TIMETABLE, "extractive", "odd"),
          record("r2", "en", "Is “Lisbon” listed?", "yes", TIMETABLE, "yes-no", "tt_yn"),
          record("r3", "zh", "开往“里斯本”的列车几点出发？", "11:18", ["11:18", "里斯本"], "extractive", "tt_time")],
         folder)
    return folder


PREDICTED = {"r0": "Lisbon", "r1": "06:27", "r2": "yes", "r3": "11:28"}  # r1: another line; r3: made up


def _run(folder, data, scores):
    folder.mkdir()
    langs = {"r0": "en", "r1": "en", "r2": "en", "r3": "zh"}
    rows = [{"id": rid, "image_lang": lang, "question_lang": q, "score": scores.get((rid, q), 0.0),
             "prediction": PREDICTED[rid]} for rid, lang in langs.items() for q in (lang, "fr")]
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "config.json").write_text(json.dumps({"data": str(data)}))
    return folder


def _places(places, monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of the script's main with `args`, run in this process."""
    monkeypatch.setattr("sys.argv", ["answer_places.py", *map(str, args)])
    status, message = 0, ""
    try:
        places.main()
    except SystemExit as done:  # SystemExit("...") prints its message to stderr, as Python does
        status, message = (done.code, "") if isinstance(done.code, int) else (1, f"{done.code}\n")
    out = capsys.readouterr()
    return status, out.out, out.err + message


def test_tables_are_the_direct_counts(places, tmp_path, monkeypatch, capsys):
    data = _records(tmp_path / "data")
    # source-language items r0..r3 (fr questions are cross-lingual, not counted): right r0 and r2
    # -> mean 50; lost: r1 (line +1 from "Moscow": "1" is the line after it) 25, r3 (line -1) 25
    scores = {("r0", "en"): 1.0, ("r2", "en"): 1.0, ("r1", "fr"): 1.0}
    status, out, err = _places(places, monkeypatch, capsys, _run(tmp_path / "run", data, scores))
    assert status == 0, err
    lines = out.splitlines()
    assert lines[2:6] == ["| odd | 1 | line +1 (1) | 0.000 | 25.0 |",
                          "| tt_time | 1 | line -1 (1) | 0.000 | 25.0 |",
                          "| tt_dest | 1 | line +1 (1) | 1.000 | 0.0 |",
                          "| tt_yn | 1 | yes/no (1) | 1.000 | 0.0 |"]
    assert "| line ±1 | 3 | 75.0% | 0.333 | 50.0 |" in lines
    assert "| yes/no | 1 | 25.0% | 1.000 | 0.0 |" in lines
    assert "| line ±2 | 0 | 0.0% | - | 0.0 |" in lines
    assert "Source-language mean 50.0 over 4 items; points lost sum to 50.0." in lines
    assert lines[-6:] == ["| wrong answer (of 2 extractive ones below 1) | items | share |", "|:---|---:|---:|",
                          "| another OCR line | 1 | 50.0% |", "| part of another line | 0 | 0.0% |",
                          "| a number no OCR line holds | 1 | 50.0% |", "| other | 0 | 0.0% |"]


@pytest.mark.parametrize(("prediction", "expected"), [
    ("06:27", "another OCR line"),
    (" Moscow ", "another OCR line"),  # as generated: the scorer strips it too
    ("Venice", "part of another line"),
    ("06:28", "a number no OCR line holds"),  # 28 is in no line; 06 is
    ("(694) 555-0123", "a number no OCR line holds"),
    ("Rome", "other"),
    ("", "other"),
])
def test_wrong_answers(places, prediction, expected):
    assert places.wrong_answer(prediction, TIMETABLE) == expected


def test_bad_runs_are_refused(places, tmp_path, monkeypatch, capsys):
    data = _records(tmp_path / "data")
    run = _run(tmp_path / "run", data, {})
    with (run / "predictions.jsonl").open("a") as out:
        out.write(json.dumps({"id": "zz", "image_lang": "en", "question_lang": "en", "score": 1.0}) + "\n")
    status, _, err = _places(places, monkeypatch, capsys, run)
    assert status != 0 and "record 'zz' of the run is in none of the data folders" in err
    (tmp_path / "empty").mkdir()
    status, _, err = _places(places, monkeypatch, capsys, tmp_path / "empty")
    assert status != 0 and "not a bench run folder" in err
    status, _, err = _places(places, monkeypatch, capsys, run, "--data", tmp_path / "empty")
    assert status != 0 and "holds no parquet shards" in err
