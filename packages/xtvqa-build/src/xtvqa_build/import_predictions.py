"""Another harness's answers scored by the toolkit: the other half of `export` (`apps/bench import`).

`read_harness_files(harness, files)` reads the per-item answers that lmms-eval or VLMEvalKit
wrote for a dataset exported by `export` (`export_lmms_eval`, `export_vlmevalkit`), refusing a
file that is not the harness's before any dataset is loaded; `import_predictions(that, records,
out, langs=...)` matches each answer to its item of `records` (the dataset that was exported),
scores it with `xtvqa_data.metrics.score_item` under the chosen metric convention and writes a
normal bench run folder (`xtvqa_data.report.bench`: predictions.jsonl, results.json, table.md,
drops.png, scores.png, report.html): the same files and table `apps/bench` writes for the same
answers. The generation is the harness's; the scoring, the drops and the intervals are ours.

What is read:

- lmms-eval: the samples files `lmms-eval --log_samples` writes, one per task,
  `<output_path>/<model>/<date>_samples_<task>.jsonl`, one JSON line per doc (`doc_id`, `target`,
  `input`, `filtered_resps`, ...; lmms-eval 0.7 leaves the doc itself out of the file). The task
  name (`xtvqa_<name>_<lang>`, as `export_lmms_eval` names it) gives the question language and
  `doc_id` the row of that task's parquet, which `items_by_language` reproduces from the
  dataset; every line is checked against its item (its `target` must be the item's `answer`,
  its `input` must contain the item's question), so a log of another dataset, split or
  version is refused rather than scored against the wrong answers. The answer is
  `filtered_resps`, what lmms-eval's own scorer saw. The model's name is the folder's
  (lmms-eval names it after the model).
- VLMEvalKit: the predictions file its inference writes for a dataset TSV,
  `<model>_<dataset>.xlsx` (or `.tsv` / `.json` under its PRED_FORMAT): the TSV's rows without the
  image, plus `prediction`. Items are matched on the `id` and `question_lang` columns that
  `export_vlmevalkit` writes; an answer starting with VLMEvalKit's failure message ("Failed to
  obtain answer") is a failed item (scored 0 and counted as an error, as `apps/bench` counts a
  failed request). The model's name is the file name's part before `_XTVQA_`.

Mismatches, decided so that no answer is silently dropped and none is scored against the wrong
item:

- an answer that matches no item of `records` (an id the data lacks, a doc beyond a language's
  items, a line whose target or question is not its item's) is an error: it means the files
  come from another dataset, split or version, so every other match is suspect too;
- an item answered twice with different predictions is an error: which one the model gave
  cannot be told (two runs' files mixed); answered twice the same way (a file given twice) it
  is scored once and counted;
- an item of `records` in `langs` with no answer (lmms-eval's `--limit`, a task not run) is
  left out of the table and counted; answers in languages outside `langs` likewise;
- files that name different models are an error (one run folder is one model), unless the
  model's name is given.

Counts and the first few ids of each kind are in results.json under `import` and in
`Imported.lines()`, which the app prints. Everything is read, matched and scored before the
run folder is made: on an error nothing is written.

How far the proof goes: for lmms-eval, `tests/interop` writes a samples file with lmms-eval's
own evaluator and logger (`EvaluationTracker.save_results_samples`) for the exported task group
and imports it. VLMEvalKit is not on PyPI; its inference is not run in the tests: they import
files in the layout its `infer_data_job` writes (the dataset TSV's columns without `image`,
plus `prediction`; xlsx by default, tsv or json under PRED_FORMAT), written with pandas as it
writes them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_data import EvalItem, Record, check_langs_present, iter_items
from xtvqa_data.metrics import DEFAULT_CONVENTION, check_convention
from xtvqa_data.runs import PREDICTIONS, JsonlWriter, RunFolder

from xtvqa_build.export import HARNESSES, items_by_language

SHOWN = 5  # ids named per kind of mismatch
SAMPLES_FILE = re.compile(r"_samples_(?P<task>.+)\.jsonl$")  # lmms-eval: <date>_samples_<task>.jsonl
TASK = re.compile(r"xtvqa_\w+_(?P<lang>[a-z]{2,3})")  # export_lmms_eval: xtvqa_<name>_<lang>
VLMEVALKIT_SUFFIXES = (".xlsx", ".tsv", ".json")  # its PRED_FORMAT choices
VLMEVALKIT_FAILED = "Failed to obtain answer"  # the start of what VLMEvalKit records for a failed item
DATASET_MARK = "_XTVQA_"  # <model>_<dataset>.xlsx, the dataset named XTVQA_<NAME>_<LANG> by the export


class ImportMismatchError(ValueError):
    """The files do not fit the data (module docstring: unknown items, conflicting answers)."""


@dataclass(frozen=True)
class Answer:
    """One answer as a harness's file gives it, before it is matched to the data."""

    name: str  # how the file names the item: "xtvqa_demo_zh doc 3", "chart-0:zh"
    lang: str  # its question language
    prediction: str
    where: str  # "<file>:<line>"
    error: str | None = None
    record_id: str | None = None  # VLMEvalKit: the `id` column
    doc_id: int | None = None  # lmms-eval: the row of the language's task
    target: str | None = None  # lmms-eval: the line's target (the item's exported `answer`)
    asked: str | None = None  # lmms-eval: the line's input (the prompt, holding the question)


@dataclass
class HarnessFiles:
    """A harness's files as read (`read_harness_files`): every answer, and the model each file names."""

    harness: str
    paths: list[Path]
    answers: list[Answer]
    models: list[str]


def _first(kind: Mapping[str, Any]) -> str:
    """"a, b, c, ...": the first ids of a kind of mismatch (`_kind`), "..." when there are more."""
    return ", ".join(kind["first"]) + (", ..." if kind["n"] > len(kind["first"]) else "")


# ------------------------------------------------------------------------------------ lmms-eval

def _response(value: Any, where: str) -> str:
    """The answer in a sample's `filtered_resps`: one string (lmms-eval flattens one request's
    list), or a list holding one."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise ValueError(f"{where}: filtered_resps is {json.dumps(value, ensure_ascii=False)[:80]}, not one answer "
                         "(several responses per doc, as with --repeats, cannot be scored as one item)")
    return value


def _samples_task(path: Path) -> tuple[str, str]:
    """(task, question language) of an lmms-eval samples file, from its name."""
    found = SAMPLES_FILE.search(path.name)
    if found is None:
        raise ValueError(f"{path}: not an lmms-eval samples file (--log_samples writes <date>_samples_<task>.jsonl)")
    lang = TASK.fullmatch(found["task"])
    if lang is None:
        raise ValueError(f"{path}: task {found['task']!r} is not one that `apps/build export --to lmms-eval` "
                         "writes (xtvqa_<name>_<lang>)")
    return found["task"], lang["lang"]


def read_lmms_eval(path: Path) -> list[Answer]:
    """The answers in one lmms-eval samples file."""
    task, lang = _samples_task(path)
    answers = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            sample = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"{where}: not a JSON line") from None
        doc_id = sample.get("doc_id") if isinstance(sample, dict) else None
        if not isinstance(doc_id, int) or isinstance(doc_id, bool) or "filtered_resps" not in sample:
            raise ValueError(f"{where}: no doc_id and filtered_resps: not a line of lmms-eval's --log_samples")
        answers.append(Answer(f"{task} doc {doc_id}", lang, _response(sample["filtered_resps"], where), where,
                              doc_id=doc_id, target=None if "target" not in sample else str(sample["target"]),
                              asked=sample["input"] if isinstance(sample.get("input"), str) else None))
    return answers


def _lmms_eval_item(answer: Answer, items: Mapping[str, Sequence[EvalItem]]) -> tuple[str | None, str | None]:
    """(the item's key, None), or (None, why the answer is no item's): its doc is beyond the
    language's items, its target is not the item's exported `answer` (the tasks' doc_to_target),
    or its input lacks the item's question."""
    pool = items.get(answer.lang, [])
    if not 0 <= answer.doc_id < len(pool):  # type: ignore[operator]  # lmms-eval answers have a doc_id
        return None, f"{answer.name}: the data has {len(pool)} items in {answer.lang}"
    item = pool[answer.doc_id]  # type: ignore[index]
    expected = item.record.answers[item.image_lang][0]
    if answer.target is not None and answer.target != expected:
        return None, f"{answer.name} has target {answer.target!r}, the data's {item.key} answer {expected!r}"
    if answer.asked is not None and item.question not in answer.asked:
        return None, f"{answer.name} does not ask the data's {item.key} question {item.question!r}"
    return item.key, None


# ----------------------------------------------------------------------------------- VLMEvalKit

def read_prediction_table(path: Path) -> list[dict[str, str]]:
    """The rows of a VLMEvalKit predictions file (xlsx, tsv or json), every cell as text (an
    answer "59" or "None" stays that string)."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise ValueError(f"{path}: not a list of rows (VLMEvalKit writes a JSON predictions file as one)")
        return [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    if suffix == ".xlsx":
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    elif suffix == ".tsv":
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    else:
        raise ValueError(f"{path}: VLMEvalKit writes predictions as {', '.join(VLMEVALKIT_SUFFIXES)}, not {suffix or 'this'}")
    return [{k: "" if pd.isna(v) else str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def read_vlmevalkit(path: Path) -> list[Answer]:
    """The answers in one VLMEvalKit predictions file."""
    rows = read_prediction_table(path)
    columns = set(rows[0]) if rows else set()
    lacking = [c for c in ("id", "question_lang", "prediction") if c not in columns]
    if lacking:
        raise ValueError(f"{path}: no {', '.join(lacking)} column: not VLMEvalKit's predictions for a TSV that "
                         "`apps/build export --to vlmevalkit` wrote")
    return [Answer(f"{row['id']}:{row['question_lang']}", row["question_lang"], row["prediction"],
                   f"{path.name}:{number}", record_id=row["id"],
                   error=row["prediction"] if row["prediction"].startswith(VLMEVALKIT_FAILED) else None)
            for number, row in enumerate(rows, 2)]  # line 1 is the header


def model_name(harness: str, path: Path) -> str:
    """The model a harness's file names: lmms-eval's folder, VLMEvalKit's `<model>_<dataset>`."""
    if harness == "lmms-eval":
        return path.resolve().parent.name
    stem = path.stem
    return stem[:stem.index(DATASET_MARK)] if DATASET_MARK in stem[1:] else stem


def read_harness_files(harness: str, files: Iterable[str | Path]) -> HarnessFiles:
    """Read a harness's files, without the data: a file that is not the harness's is refused
    here, before the dataset is loaded."""
    if harness not in HARNESSES:
        raise ValueError(f"unknown harness {harness!r}; choose one of {', '.join(HARNESSES)}")
    paths = [Path(f) for f in files]
    if not paths:
        raise ValueError("give at least one predictions file")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        if harness == "lmms-eval":
            _samples_task(path)
        elif path.suffix.lower() not in VLMEVALKIT_SUFFIXES:
            raise ValueError(f"{path}: VLMEvalKit writes predictions as {', '.join(VLMEVALKIT_SUFFIXES)}")
    read = read_lmms_eval if harness == "lmms-eval" else read_vlmevalkit
    return HarnessFiles(harness, paths, [answer for path in paths for answer in read(path)],
                        [model_name(harness, path) for path in paths])


# ------------------------------------------------------------------------------------- matching

@dataclass
class Matched:
    """Answers matched to the items asked in `langs` (module docstring)."""

    pairs: list[tuple[EvalItem, Answer]]  # in the benchmark's item order
    n_answers: int
    missing: list[str] = field(default_factory=list)  # item keys without an answer
    duplicates: list[str] = field(default_factory=list)  # item keys answered more than once, the same way
    outside: list[str] = field(default_factory=list)  # item keys answered in languages outside `langs`


def match(files: HarnessFiles, records: Sequence[Record], langs: Sequence[str]) -> Matched:
    """Match the answers in `files` to `records`' items in `langs`; raise `ImportMismatchError`
    on an answer that is no item's or an item answered differently twice."""
    if files.harness == "lmms-eval":
        items = items_by_language(records)
        resolved = [_lmms_eval_item(answer, items) for answer in files.answers]
    else:
        keys = {item.key for item in iter_items(records)}
        resolved = [(answer.name, None) if answer.name in keys else (None, f"{answer.name}: no such item in the data")
                    for answer in files.answers]
    unknown = [(answer, problem) for answer, (key, problem) in zip(files.answers, resolved, strict=True) if key is None]
    if unknown:
        raise ImportMismatchError(
            f"{len(unknown)} of {len(files.answers)} predictions match no item of the data ("
            + "; ".join(f"{answer.where}: {problem}" for answer, problem in unknown[:SHOWN])
            + ("; ..." if len(unknown) > SHOWN else "") + "): import with the --data (and --split) that was exported")
    by_key: dict[str, list[Answer]] = {}
    for answer, (key, _) in zip(files.answers, resolved, strict=True):
        by_key.setdefault(key, []).append(answer)  # type: ignore[arg-type]  # no key is None now
    conflicts = [group for group in by_key.values() if len({(a.prediction, a.error) for a in group}) > 1]
    if conflicts:
        shown = "; ".join(f"{g[0].name}: {g[0].prediction!r} ({g[0].where}) vs "
                          + ", ".join(f"{a.prediction!r} ({a.where})" for a in g[1:] if a.prediction != g[0].prediction)
                          for g in conflicts[:SHOWN])
        raise ImportMismatchError(f"{len(conflicts)} items have different predictions in the files ({shown}"
                                  + ("; ..." if len(conflicts) > SHOWN else "") + "): give one run's files")
    wanted = list(iter_items(records, langs))
    asked = {item.key for item in wanted}
    return Matched(
        pairs=[(item, by_key[item.key][0]) for item in wanted if item.key in by_key],
        n_answers=len(files.answers),
        missing=[item.key for item in wanted if item.key not in by_key],
        duplicates=[key for key, group in by_key.items() if len(group) > 1],
        outside=[key for key in by_key if key not in asked],
    )


# ---------------------------------------------------------------------------------------- import

@dataclass
class Imported:
    """What `import_predictions` wrote and found."""

    out: Path
    results: dict[str, Any]
    summary: dict[str, Any]

    def lines(self) -> list[str]:
        """The summary as the app prints it: counts, then the first ids of each mismatch."""
        s = self.summary
        lines = [f"{s['harness']}: {s['n_predictions']} predictions in {len(s['files'])} files; {s['n_scored']} items "
                 f"scored, {s['missing']['n']} missing, {s['duplicates']['n']} duplicates, "
                 f"{s['outside_langs']['n']} outside --langs"]
        if s["missing"]["n"]:
            lines.append(f"missing: {s['missing']['n']} items of the data in {', '.join(s['langs'])} have no "
                         f"prediction ({_first(s['missing'])}): left out of the table")
        if s["duplicates"]["n"]:
            lines.append(f"duplicates: {s['duplicates']['n']} items are answered more than once, the same way "
                         f"({_first(s['duplicates'])}): scored once")
        if s["outside_langs"]["n"]:
            extra = s["outside_langs"]["langs"]
            lines.append(f"outside --langs: {s['outside_langs']['n']} predictions in {', '.join(extra)} "
                         f"({_first(s['outside_langs'])}): left out; "
                         f"--langs {','.join([*s['langs'], *extra])} scores them too")
        return lines


def _kind(keys: Sequence[str]) -> dict[str, Any]:
    return {"n": len(keys), "first": list(keys[:SHOWN])}


def check_out(out: str | Path) -> Path:
    """`out` as a Path; an error when it holds an earlier run (checked before anything is read)."""
    out = Path(out)
    if (out / PREDICTIONS).is_file():
        raise FileExistsError(f"{out} holds an earlier run ({PREDICTIONS}); choose another --out")
    return out


def import_predictions(files: HarnessFiles, records: Iterable[Record], out: str | Path, *, langs: Sequence[str],
                       convention: str = DEFAULT_CONVENTION, data_id: str = "", model: str | None = None) -> Imported:
    """Score the answers in `files` (`read_harness_files`) for `records` into the bench run folder
    `out` (module docstring).

    `langs`: the question languages of the table (answers in others are counted, not scored);
    `model`: the name of the model that answered (default: the files' own, which must agree)."""
    # imported here: matplotlib (the figures) is slow to import, and a refused file needs none of it
    from xtvqa_data.report import scored_row, write_bench_results

    check_convention(convention)
    out = check_out(out)
    records = list(records)
    check_langs_present(records, langs)
    if model is None:
        names = list(dict.fromkeys(files.models))
        if len(names) > 1:
            raise ImportMismatchError(f"the files name {len(names)} models ({', '.join(names)}): import one model's "
                                      "files at a time, or name the model with --model-name")
        model = names[0]
    matched = match(files, records, langs)
    if not matched.pairs:
        raise ImportMismatchError(f"none of the {matched.n_answers} predictions is of an item in {', '.join(langs)}"
                                  + (f" (they are in {', '.join(sorted({k.rsplit(':', 1)[1] for k in matched.outside}))}): "
                                     "choose --langs" if matched.outside else ""))
    rows = [scored_row(item, answer.prediction, convention=convention, error=answer.error)
            for item, answer in matched.pairs]  # scored before anything is written
    outside_langs = list(dict.fromkeys(key.rsplit(":", 1)[1] for key in matched.outside))
    summary = {"harness": files.harness, "files": [str(p) for p in files.paths], "langs": list(langs),
               "n_predictions": matched.n_answers, "n_scored": len(rows),
               "missing": _kind(matched.missing), "duplicates": _kind(matched.duplicates),
               "outside_langs": {**_kind(matched.outside), "langs": outside_langs}}
    folder = RunFolder.start(out, resume=False)
    with JsonlWriter(folder.predictions_path) as writer:
        writer.write_many(rows)
    fields = {"model": {"spec": f"{files.harness}:{model}", "id": model, "revision": None, "harness": files.harness},
              "data": data_id, "settings": {"langs": list(langs), "metric_convention": convention},
              "prompt": None, "import": summary}
    results = write_bench_results(folder, rows, records, fields, convention=convention)
    return Imported(out=folder.path, results=results, summary=summary)
