"""report.html: a run folder as one self-contained page (tables, figures, and an item browser).

`write_report(folder, records)` reads what the apps wrote and renders `page.html` into
`folder/report.html`:

    bench        results.json, table.md, predictions.jsonl, drops.png (first) and scores.png
    analysis     config.json, table.md, mi.jsonl, accuracy_mi.png (first) and entropy_densities.png
    comparison   comparison.json and comparison.md at the root of several bench runs, the runs
                 as its sub-folders (each run's predictions side by side in the browser)

The page needs nothing else: figures are inline PNGs and each record's image an inline JPEG
thumbnail (THUMBNAIL px on its longer side, ~10 KB: a 600-item run of 200 records stays a few
MB). `records` gives the images, and for the analysis, whose rows lack them, the questions and
gold answers; records are read until every id of the run is found (a run of `--limit` records
reads only those), and without them the browser shows no images. Tables come from the folder's
Markdown (one source for both). Every string from the run goes in escaped: tables and captions
through `html.escape`, items as JSON read by the page's script with `textContent`.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from xtvqa_data.metrics import default_metric
from xtvqa_data.record import Record
from xtvqa_data.runs.jsonl import read_jsonl

REPORT = "report.html"
THUMBNAIL = 240
FIGURES = {  # file -> caption, in the order the page shows them (the run's headline first)
    "drops.png": "Cross-lingual drop per language of the image's text and question language, with bootstrap intervals.",
    "accuracy_mi.png": "MI between answer and image per question language, source- and cross-lingual (95% CI); accuracy below.",
    "scores.png": "Score per question language, per source and overall.",
    "entropy_densities.png": "Answer entropy densities on the clean and the noised image, correct vs incorrect items.",
}


def markdown_html(text: str) -> str:
    """The Markdown the apps write (pipe tables, "- " lists, paragraphs) as escaped HTML."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("|") for line in lines):
            cells = [[html.escape(c.strip().replace("\\|", "|")) for c in re.split(r"(?<!\\)\|", line.strip("|"))]
                     for line in lines]  # "\|" is a pipe inside a cell
            separator = len(cells) > 1 and all(set(c) <= set(":-") for c in cells[1])
            right = [c.endswith(":") and not c.startswith(":") for c in cells[1]] if separator else []
            head = "".join(f"<th>{c}</th>" for c in cells[0])
            body = "".join("<tr>" + "".join(f'<td{" class=r" if k < len(right) and right[k] else ""}>{c}</td>'
                                            for k, c in enumerate(row)) + "</tr>"
                           for row in cells[2 if separator else 1:])
            out.append(f'<table class="md"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
        elif lines and all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{html.escape(line[2:])}</li>" for line in lines) + "</ul>")
        elif lines:
            out.append(f"<p>{html.escape(' '.join(lines))}</p>")
    return "\n".join(out)


def _figure(path: Path, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(path.name)}">'
            f"<figcaption>{html.escape(path.name)}: {html.escape(caption)}</figcaption></figure>")


def _figures(folder: Path, names: Iterable[str]) -> str:
    return "\n".join(_figure(folder / name, FIGURES[name]) for name in names if (folder / name).is_file())


def _thumbnails(records: Iterable[Record] | None, ids: set[str]) -> tuple[list[str], dict[str, Record]]:
    """JPEG data URLs of the records with these ids, and those records by id."""
    images, found = [], {}
    for record in records or ():
        if record.id in ids and record.id not in found:
            image = record.image.convert("RGB")
            image.thumbnail((THUMBNAIL, THUMBNAIL))
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=75)
            images.append("data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"))
            found[record.id] = record
            if len(found) == len(ids):
                break
    return images, found


def _items(runs: Sequence[Sequence[Mapping[str, Any]]], records: Iterable[Record] | None) -> dict[str, Any]:
    """The browser's data: per record its fields and, per question language, each run's line."""
    ids = list(dict.fromkeys(str(r["id"]) for rows in runs for r in rows))
    images, by_id = _thumbnails(records, set(ids))
    index = {rid: k for k, rid in enumerate(by_id)}
    items: dict[str, dict[str, Any]] = {}
    for k, rows in enumerate(runs):
        for row in rows:
            rid, q = str(row["id"]), str(row["question_lang"])
            record = by_id.get(rid)
            item = items.setdefault(rid, {
                "id": rid, "source": str(row["source"]), "image_lang": str(row["image_lang"]), "img": index.get(rid),
                "metric": str(row.get("metric") or (default_metric(record) if record else "-")),
                "gold": [str(a) for a in (row.get("answers") or (record.answers.get(row["image_lang"], ()) if record else ()))],
                "langs": {},
            })
            question = row.get("question") or (record.question.get(q, "") if record else "")
            line = item["langs"].setdefault(q, {"question": str(question), "runs": [None] * len(runs)})
            score = row.get("score", row.get("correct"))
            line["runs"][k] = {"prediction": str(row.get("prediction") or ""),
                               "score": None if score is None else float(score), "mi": row.get("mi")}
    has_mi = any(r.get("mi") is not None for rows in runs for r in rows)
    return {"items": [items[rid] for rid in ids], "images": images, "has_mi": has_mi}


def _page(title: str, meta: str, body: str, runs: Sequence[str], data: Mapping[str, Any]) -> str:
    # JSON inside <script>: "<", ">" and "&" as \u escapes, so no string can close the element
    payload = json.dumps({**data, "runs": list(runs)}, ensure_ascii=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    slots = {"title": html.escape(title), "meta": html.escape(meta), "body": body, "data": payload}
    template = files("xtvqa_data.report").joinpath("page.html").read_text(encoding="utf-8")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: slots[m.group(1)], template)  # one pass: no slot re-read


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _bench(folder: Path, records: Iterable[Record] | None) -> str:
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    spec = results["model"]["spec"]
    meta = (f"model {spec} (revision {results['model'].get('revision') or '-'}), data {results['data']}, "
            f"{results['n_items']} items, {results['n_errors']} errors, question languages {', '.join(results['langs'])}, "
            f"metric convention {results.get('metric_convention', 'paper')}")
    body = (_figures(folder, ["drops.png"]) + "\n<h2>Tables</h2>\n" + markdown_html(_text(folder / "table.md"))
            + "\n<h2>Scores</h2>\n" + _figures(folder, ["scores.png"]))
    return _page(f"XT-VQA benchmark: {spec}", meta, body, [spec], _items([read_jsonl(folder / "predictions.jsonl")], records))


def _analysis(folder: Path, records: Iterable[Record] | None) -> str:
    config = json.loads(_text(folder / "config.json") or "{}")  # written first: there even for an unfinished run
    spec, noise = config.get("model", "-"), config.get("settings", {}).get("noise", "-")
    rows = read_jsonl(folder / "mi.jsonl")
    meta = f"model {spec}, noise {noise}, {len(rows)} items; MI, entropies and PMI in nats"
    body = (_figures(folder, ["accuracy_mi.png"]) + "\n<h2>Tables</h2>\n" + markdown_html(_text(folder / "table.md"))
            + "\n<h2>Entropies</h2>\n" + _figures(folder, ["entropy_densities.png"]))
    return _page(f"XT-VQA analysis: {spec}", meta, body, [spec], _items([rows], records))


def _comparison(folder: Path, records: Iterable[Record] | None) -> str:
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    runs = comparison["runs"]  # [{"spec", "folder"}], the first is the base
    body = ["<h2>Change against the first model</h2>", markdown_html(_text(folder / "comparison.md"))]
    for run in runs:
        body += [f"<h2>{html.escape(run['spec'])}</h2>", _figures(folder / run["folder"], ["drops.png"]),
                 markdown_html(_text(folder / run["folder"] / "table.md"))]
    data = _items([read_jsonl(folder / run["folder"] / "predictions.jsonl") for run in runs], records)
    meta = f"{len(runs)} models on the same items: " + ", ".join(run["spec"] for run in runs)
    return _page("XT-VQA comparison", meta, "\n".join(body), [run["spec"] for run in runs], data)


def write_report(folder: str | Path, records: Iterable[Record] | None = None) -> Path:
    """Write `folder/report.html` for the bench, analysis or comparison folder (module docstring)."""
    folder = Path(folder)
    if (folder / "comparison.json").is_file():
        page = _comparison(folder, records)
    elif (folder / "results.json").is_file():
        page = _bench(folder, records)
    elif (folder / "mi.jsonl").is_file():
        page = _analysis(folder, records)
    else:
        raise FileNotFoundError(f"{folder}: no results.json, mi.jsonl or comparison.json: not a run folder")
    path = folder / REPORT
    path.write_text(page, encoding="utf-8")
    return path
