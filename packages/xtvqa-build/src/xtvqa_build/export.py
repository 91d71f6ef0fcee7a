"""Export a Record dataset for other evaluation harnesses: lmms-eval and VLMEvalKit.

`export_lmms_eval(records, out, name)` writes one lmms-eval task group, one task per question
language (`xtvqa_<name>_<lang>`), into `out/`:

    out/_xtvqa_<name>.yaml            the group: its tasks, the score averaged over them by size
    out/xtvqa_<name>_<lang>.yaml      one task: local parquet, prompt, generation, metric
    out/utils.py                      the functions the YAMLs name (doc_to_visual, doc_to_text,
                                      process_results, the aggregation)
    out/data/<lang>/test-00000-of-00001.parquet   the items asked in <lang>, with their images
    out/README.md                     how to run it

The YAMLs name their parquet relative to their own folder (`dataset_path: parquet`,
`dataset_kwargs.data_files`), which lmms-eval (0.7.3 and later) resolves against the YAML's
folder, so the exported folder can be moved. `utils.py` imports `xtvqa_data` and scores each
prediction with `xtvqa_data.metrics.score_item`: one implementation of the metrics, so the scores
are ours (every language's answers count, the answers in the image's language among them, the
record's own metric), not a copy that could drift. The price: lmms-eval must run in an
environment where `xtvqa-data` is installed; the README says so.

`export_vlmevalkit(records, out, name)` writes VLMEvalKit's dataset TSV layout, one file per
question language (`XTVQA_<NAME>_<LANG>.tsv`: index, image as base64, question, answer, and
category / split, the columns its VQA datasets use), plus the record's answers in every
language, its image and question language and metric, so its predictions can be scored with
`score_vlmevalkit_predictions` (VLMEvalKit treats a TSV it does not know as a custom VQA set,
which it runs but does not score).

Every item of the dataset is exported (all splits) as the task's `test` split; the prompt of
each item is stored (`prompt`) so another harness asks what `apps/bench` asks.

An export is written beside `out` and then moved there, so a failed export leaves nothing
half-written; an existing `out` is replaced only when it is empty or an earlier export (a
`.xtvqa-export` file marks one), never another folder (a stale task left in an include path
would run again).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import textwrap
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xtvqa_data import EvalItem, Record
from xtvqa_data.images import encode_image
from xtvqa_data.metrics import check_convention, default_metric

HARNESSES = ("lmms-eval", "vlmevalkit")
Prompt = Callable[[EvalItem], str]
METRIC_NAME = "xtvqa_score"
SHARD = "test-00000-of-00001.parquet"


def default_prompt(item: EvalItem) -> str:
    """The question, then the English short-answer instruction (the apps pass the benchmark's
    own prompt, written in the question's language)."""
    return f"{item.question}\nAnswer the question using a single word or phrase."


def task_name(name: str) -> str:
    """A lowercase identifier from a dataset's name: `ChartQA-test` -> `chartqa_test`."""
    slug = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    if not slug:
        raise ValueError(f"cannot make a task name from {name!r}")
    return slug


MARKER = ".xtvqa-export"


class ExportExistsError(FileExistsError):
    """`out` exists and is neither empty nor an earlier export; names the path."""


@contextlib.contextmanager
def _writing(out: Path, result: Export) -> Iterator[Path]:
    """A fresh folder beside `out` to write into; on success it replaces `out` (module docstring)
    and `result.files` are rebased onto `out`."""
    if out.exists() and not (out.is_dir() and (not any(out.iterdir()) or (out / MARKER).is_file())):
        raise ExportExistsError(f"{out} exists and is not an earlier export; refusing to replace it "
                                "(choose a new folder or remove it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        (tmp / MARKER).write_text("written by xtvqa_build.export\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    result.files = [out / path.relative_to(tmp) for path in result.files]


@dataclass
class Export:
    """What an export wrote: the folder, the files, and the items per question language."""

    out: Path
    files: list[Path] = field(default_factory=list)
    items: dict[str, int] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    group: str | None = None


def _row(item: EvalItem, prompt: Prompt, index: int) -> dict[str, Any]:
    record = item.record
    answers = list(record.answers[record.image_lang])
    return {
        "index": index,
        "id": record.id,
        "key": item.key,
        "source": record.source,
        "split": record.split,
        "image_lang": record.image_lang,
        "question_lang": item.question_lang,
        "question": item.question,
        "prompt": prompt(item),
        "answer": answers[0],
        "answers": answers,
        "question_type": record.question_type or "",
        "metric": default_metric(record),
        # the record as score_item needs it (no image): every language's questions and answers
        "record": json.dumps({"question": dict(record.question),
                              "answers": {k: list(v) for k, v in record.answers.items()},
                              "question_type": record.question_type, "metric": record.metric,
                              "meta": dict(record.meta)}, ensure_ascii=False),
    }


def items_by_language(records: Iterable[Record], langs: Iterable[str] | None = None) -> dict[str, list[EvalItem]]:
    """The items an export writes, per question language, in its order: row k of a language's
    task or TSV (lmms-eval's `doc_id`, the `index` column) is the k-th item of that language,
    records in dataset order. `langs=None`: every question language of each record."""
    wanted = None if langs is None else list(langs)
    out: dict[str, list[EvalItem]] = {}
    for record in records:
        for lang in record.languages if wanted is None else [x for x in wanted if x in record.question]:
            out.setdefault(lang, []).append(EvalItem(record, lang))
    if not out:
        raise ValueError("no items to export" + (f" in languages {wanted}" if wanted else ""))
    if wanted is not None:
        missing = [x for x in wanted if x not in out]
        if missing:
            raise ValueError(f"no record has a question in {', '.join(missing)}")
    return out


def _by_language(records: Iterable[Record], prompt: Prompt,
                 langs: Iterable[str] | None) -> dict[str, list[tuple[dict[str, Any], bytes]]]:
    """Rows (with the image's encoded bytes, encoded once per record) per question language."""
    encoded: dict[int, bytes] = {}

    def raw(record: Record) -> bytes:
        if id(record) not in encoded:
            encoded[id(record)], _ = encode_image(record.image, record_id=record.id)
        return encoded[id(record)]

    return {lang: [(_row(item, prompt, index), raw(item.record)) for index, item in enumerate(items)]
            for lang, items in items_by_language(records, langs).items()}


def record_from_doc(doc: Mapping[str, Any]) -> Record:
    """The record an exported row came from, without its image (a 1x1 placeholder): what
    `score_item` needs."""
    from PIL import Image

    stored = json.loads(doc["record"])
    return Record(id=doc["id"], source=doc["source"], image=Image.new("RGB", (1, 1)),
                  image_lang=doc["image_lang"], question=stored["question"], answers=stored["answers"],
                  question_type=stored.get("question_type"), metric=stored.get("metric"),
                  split=doc.get("split") or "test", meta=stored.get("meta") or {})


def score_doc(doc: Mapping[str, Any], prediction: str, convention: str = "paper") -> float:
    """`xtvqa_data.metrics.score_item` of `prediction` for an exported row (a dict or a
    pandas row with the exported columns)."""
    from xtvqa_data.metrics import score_item

    return score_item(EvalItem(record_from_doc(doc), doc["question_lang"]), str(prediction),
                      convention=convention)


# ------------------------------------------------------------------------------------ lmms-eval

_UTILS = '''\
"""Functions the xtvqa_{name} tasks' YAMLs name. Written by `apps/build export`.

Scores with xtvqa_data.metrics.score_item (convention {convention!r}), so xtvqa-data must be
installed where lmms-eval runs (pip install <the toolkit's repository>/packages/xtvqa-data).
"""

import json

from PIL import Image
from xtvqa_data import EvalItem, Record
from xtvqa_data.metrics import score_item

CONVENTION = {convention!r}


def doc_to_visual(doc):
    return [doc["image"].convert("RGB")]


def doc_to_text(doc, lmms_eval_specific_kwargs=None):
    kwargs = lmms_eval_specific_kwargs or {{}}
    return f"{{kwargs.get('pre_prompt', '')}}{{doc['prompt']}}{{kwargs.get('post_prompt', '')}}"


def _record(doc):
    stored = json.loads(doc["record"])
    return Record(id=doc["id"], source=doc["source"], image=Image.new("RGB", (1, 1)),
                  image_lang=doc["image_lang"], question=stored["question"], answers=stored["answers"],
                  question_type=stored.get("question_type"), metric=stored.get("metric"),
                  split=doc.get("split") or "test", meta=stored.get("meta") or {{}})


def process_results(doc, results):
    prediction = results[0] if results else ""
    item = EvalItem(_record(doc), doc["question_lang"])
    return {{"{metric}": score_item(item, str(prediction), convention=CONVENTION)}}


def aggregate(scores):
    """Mean score in [0, 1] (0.0 for no items)."""
    scores = list(scores)
    return sum(scores) / len(scores) if scores else 0.0
'''


def _yaml(data: Mapping[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)


def _task_yaml(task: str, lang: str, group: str, max_new_tokens: int) -> str:
    body = _yaml({
        "task": task,
        "dataset_path": "parquet",
        "dataset_kwargs": {"data_files": {"test": f"data/{lang}/{SHARD}"}},
        "test_split": "test",
        "output_type": "generate_until",
        "doc_to_target": "answer",
        "generation_kwargs": {"max_new_tokens": max_new_tokens, "temperature": 0, "do_sample": False},
        "lmms_eval_specific_kwargs": {"default": {"pre_prompt": "", "post_prompt": ""}},
        "metric_list": [{"metric": METRIC_NAME, "higher_is_better": True}],
        "metadata": {"version": 1.0, "question_lang": lang, "group": group},
    })
    # The functions: PyYAML cannot write lmms-eval's `!function` tag, so these lines are written as text.
    functions = ("doc_to_visual: !function utils.doc_to_visual\n"
                 "doc_to_text: !function utils.doc_to_text\n"
                 "process_results: !function utils.process_results\n")
    body = body.replace("doc_to_target:", functions + "doc_to_target:", 1)
    return body.replace(f"- metric: {METRIC_NAME}\n",
                        f"- metric: {METRIC_NAME}\n  aggregation: !function utils.aggregate\n", 1)


def _readme_lmms(group: str, tasks: Mapping[str, int], out: Path, convention: str) -> str:
    lines = "\n".join(f"| `{task}` | {count} |" for task, count in tasks.items())
    return textwrap.dedent(f"""\
        # {group}: an XT-VQA dataset as an lmms-eval task group

        Written by `uv run apps/build export`. One task per question language; the group
        `{group}` runs them all and reports `{METRIC_NAME}` per task and averaged over the items.

        | task | items |
        |---|---|
        {{lines}}

        ## Run

        lmms-eval (0.7.3 or later: it finds the parquet files relative to the YAMLs, so this
        folder can be moved) must run where **xtvqa-data is installed**: `utils.py` scores each
        answer with `xtvqa_data.metrics.score_item` (convention `{convention}`), so the scores
        are the toolkit's own: a prediction is compared with the record's answers in every
        language it has, the answers in the image's language among them.

        ```
        pip install lmms-eval <the toolkit's repository>/packages/xtvqa-data
        lmms-eval --model <model> --model_args <args> --tasks {group} --include_path {out}
        ```

        A single language: `--tasks {next(iter(tasks))}`.

        ## The benchmark's tables from lmms-eval's answers

        With `--log_samples --output_path logs`, lmms-eval writes each task's answers to
        `logs/<model>/<date>_samples_<task>.jsonl`. The toolkit scores them as `apps/bench`
        scores its own (per source, question type and language of the image's text, with the
        cross-lingual drops and their intervals) into a run folder; from the toolkit's
        repository, with the dataset that was exported:

        ```
        uv run apps/bench import --from lmms-eval logs/<model>/*_samples_{group}_*.jsonl --data <dataset> --langs <languages>
        ```

        ## Files

        - `_{group}.yaml`: the group; `{group}_<lang>.yaml`: one task each.
        - `data/<lang>/{SHARD}`: the items asked in `<lang>` (`datasets` loads the folder): the
          image, `question`, `prompt` (the text the model is asked: the question and the
          toolkit's instruction in the question's language), `answer` / `answers` (the answers in
          the image's language), `image_lang`, `question_lang`, `metric`, and `record` (JSON:
          the questions and answers in every language, what the score needs).
        - `utils.py`: `doc_to_visual`, `doc_to_text` (`pre_prompt` + `prompt` + `post_prompt`
          from `lmms_eval_specific_kwargs`), `process_results`, `aggregate`.
        """).replace("{lines}", lines)


def export_lmms_eval(records: Iterable[Record], out: str | Path, name: str, *,
                     prompt: Prompt = default_prompt, langs: Iterable[str] | None = None,
                     convention: str = "paper", max_new_tokens: int = 32) -> Export:
    """Write `records` as the lmms-eval task group `xtvqa_<name>` into `out` (module docstring)."""
    import datasets
    from xtvqa_data.dataset import FEATURES

    check_convention(convention)
    out = Path(out)
    group = f"xtvqa_{task_name(name)}"
    by_lang = _by_language(records, prompt, langs)
    features = datasets.Features({
        "index": datasets.Value("int64"), "id": datasets.Value("string"), "key": datasets.Value("string"),
        "source": datasets.Value("string"), "split": datasets.Value("string"),
        "image": FEATURES["image"], "image_lang": datasets.Value("string"),
        "question_lang": datasets.Value("string"), "question": datasets.Value("string"),
        "prompt": datasets.Value("string"), "answer": datasets.Value("string"),
        "answers": datasets.List(datasets.Value("string")), "question_type": datasets.Value("string"),
        "metric": datasets.Value("string"), "record": datasets.Value("string"),
    })
    result = Export(out=out, group=group)
    with _writing(out, result) as folder:
        _write_lmms_eval(folder, by_lang, features, result, name, group, out, convention, max_new_tokens)
    return result


def _write_lmms_eval(folder: Path, by_lang, features, result: Export, name: str, group: str, out: Path,
                     convention: str, max_new_tokens: int) -> None:
    import datasets
    import pyarrow.parquet as pq

    for lang, rows in by_lang.items():
        task = f"{group}_{lang}"
        table = {column: [] for column in features}
        for row, raw in rows:
            for column in features:
                table[column].append({"bytes": raw, "path": None} if column == "image" else row[column])
        shard = folder / "data" / lang / SHARD
        shard.parent.mkdir(parents=True, exist_ok=True)
        # the arrow table carries the features (the image column decodes to PIL when loaded)
        pq.write_table(datasets.Dataset.from_dict(table, features=features).data.table, shard)
        yaml_path = folder / f"{task}.yaml"
        yaml_path.write_text(_task_yaml(task, lang, group, max_new_tokens), encoding="utf-8")
        result.files += [shard, yaml_path]
        result.items[lang] = len(rows)
        result.tasks.append(task)
    group_yaml = folder / f"_{group}.yaml"
    group_yaml.write_text(_yaml({
        "group": group,
        "task": result.tasks,
        "aggregate_metric_list": [{"metric": METRIC_NAME, "aggregation": "mean", "weight_by_size": True}],
        "metadata": {"version": 1.0},
    }), encoding="utf-8")
    utils = folder / "utils.py"
    utils.write_text(_UTILS.format(name=task_name(name), convention=convention, metric=METRIC_NAME),
                     encoding="utf-8")
    readme = folder / "README.md"
    readme.write_text(_readme_lmms(group, {t: result.items[t.rsplit("_", 1)[1]] for t in result.tasks},
                                   out, convention), encoding="utf-8")
    result.files += [group_yaml, utils, readme]


# ----------------------------------------------------------------------------------- VLMEvalKit

VLMEVALKIT_COLUMNS = ("index", "image", "question", "answer", "category", "split", "id", "key",
                      "source", "image_lang", "question_lang", "prompt", "metric", "record")


def _readme_vlmevalkit(names: Mapping[str, int], out: Path) -> str:
    lines = "\n".join(f"| `{name}` | {count} |" for name, count in names.items())
    first = next(iter(names))
    prefix = first.rsplit("_", 1)[0]
    return textwrap.dedent(f"""\
        # An XT-VQA dataset in VLMEvalKit's TSV layout

        Written by `uv run apps/build export --to vlmevalkit`. One TSV per question language:

        | dataset | items |
        |---|---|
        {{lines}}

        Columns: `index` (int, unique), `image` (the image file's bytes, base64), `question`,
        `answer` (the answers in the image's language: one string, or a Python list literal
        such as `['59', '59.0']` when there are several, as VLMEvalKit's VQA scoring reads it;
        VLMEvalKit reads the TSV with pandas' defaults, so an answer such as `None` or `NA`
        reaches its own scorers as NaN: `score_vlmevalkit_predictions` reads it as text),
        `category` (the question type), `split`; then the toolkit's own: `id`, `key`, `source`,
        `image_lang`, `question_lang`, `prompt` (the question with the toolkit's instruction in
        the question's language), `metric`, `record` (JSON: questions and answers in every
        language).

        ## Run

        VLMEvalKit reads a dataset it does not know from `$LMUData/<name>.tsv` and, as the
        file has `question` and no `A`/`B` columns, runs it as a custom VQA dataset
        (`CustomVQADataset`: its default prompt is the image and `question`):

        ```
        export LMUData={out}
        python run.py --data {first} --model <model> --mode infer
        ```

        That dataset class does not score. The toolkit scores its predictions files
        (`<work_dir>/<model>_<dataset>.xlsx`) as `apps/bench` scores its own (per source,
        question type and language of the image's text, with the cross-lingual drops and their
        intervals) into a run folder; from the toolkit's repository, with the dataset that was
        exported:

        ```
        uv run apps/bench import --from vlmevalkit <work_dir>/<model>_{prefix}_*.xlsx --data <dataset> --langs <languages>
        ```

        Or one file's mean scores in Python (xtvqa-data and xtvqa-build installed):

        ```
        python -c "from xtvqa_build.export import score_vlmevalkit_predictions as s; print(s('<model>_{first}.xlsx', '{out}/{first}.tsv'))"
        ```

        To ask the toolkit's prompt instead, register the TSV as a dataset class whose
        `build_prompt` returns `[dict(type='image', value=<path>), dict(type='text',
        value=line['prompt'])]`.
        """).replace("{lines}", lines)


def export_vlmevalkit(records: Iterable[Record], out: str | Path, name: str, *,
                      prompt: Prompt = default_prompt, langs: Iterable[str] | None = None) -> Export:
    """Write `records` as VLMEvalKit TSVs `XTVQA_<NAME>_<LANG>.tsv` into `out` (module docstring)."""
    out = Path(out)
    base = f"XTVQA_{task_name(name).upper()}"
    result = Export(out=out)
    by_lang = _by_language(records, prompt, langs)
    with _writing(out, result) as folder:
        _write_vlmevalkit(folder, by_lang, result, base, out)
    return result


def _write_vlmevalkit(folder: Path, by_lang, result: Export, base: str, out: Path) -> None:
    import pandas as pd

    for lang, rows in by_lang.items():
        frame = []
        for row, raw in rows:
            answers = row["answers"]
            frame.append({
                **row,
                "image": base64.b64encode(raw).decode("ascii"),
                "answer": answers[0] if len(answers) == 1 else repr(list(answers)),
                "category": row["question_type"] or row["source"],
            })
        dataset = f"{base}_{lang.upper()}"
        path = folder / f"{dataset}.tsv"
        pd.DataFrame(frame, columns=list(VLMEVALKIT_COLUMNS)).to_csv(path, sep="\t", index=False)
        result.files.append(path)
        result.items[lang] = len(rows)
        result.tasks.append(dataset)
    readme = folder / "README.md"
    readme.write_text(_readme_vlmevalkit({t: result.items[t.rsplit("_", 1)[1].lower()] for t in result.tasks}, out),
                      encoding="utf-8")
    result.files.append(readme)


def score_vlmevalkit_predictions(predictions: str | Path, tsv: str | Path,
                                 convention: str = "paper") -> dict[str, float]:
    """Mean `score_item` of a VLMEvalKit predictions file (xlsx/tsv/json with `index` and
    `prediction`) against the exported TSV, overall and per `category` (a quick look without the
    dataset; `import_predictions` writes the full run folder)."""
    import pandas as pd

    from xtvqa_build.import_predictions import read_prediction_table

    data = pd.read_csv(tsv, sep="\t", keep_default_na=False, usecols=lambda c: c != "image")
    by_index = {row["index"]: row["prediction"] for row in read_prediction_table(Path(predictions))}
    scores: dict[str, list[float]] = {"Overall": []}
    for _, row in data.iterrows():
        score = score_doc(row, by_index.get(str(row["index"]), ""), convention)
        scores["Overall"].append(score)
        scores.setdefault(row["category"], []).append(score)
    return {key: sum(v) / len(v) for key, v in scores.items() if v}


def export(records: Iterable[Record], out: str | Path, name: str, to: str, **kwargs: Any) -> Export:
    """`export_lmms_eval` or `export_vlmevalkit` by harness name (`HARNESSES`)."""
    if to == "lmms-eval":
        return export_lmms_eval(records, out, name, **kwargs)
    if to == "vlmevalkit":
        kwargs.pop("convention", None)
        kwargs.pop("max_new_tokens", None)
        return export_vlmevalkit(records, out, name, **kwargs)
    raise ValueError(f"unknown harness {to!r}; choose one of {', '.join(HARNESSES)}")
