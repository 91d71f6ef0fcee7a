"""`uv run apps/build xpaperqa-en` and `xpaperqa-zh`: the paper's XPaperQA construction
(xtvqa_build.xpaperqa_en, xtvqa_build.xpaperqa_zh)."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import click
from rich.table import Table
from xtvqa_build.llm import LLMConfigError
from xtvqa_build.ocr import BACKENDS as OCR_BACKENDS
from xtvqa_build.ocr import rapidocr_engine
from xtvqa_build.prompts import QUESTION_TYPES
from xtvqa_build.stage_table import TABLE2_ROWS
from xtvqa_build.xpaperqa_en import EnReport, build_records, load_qasper
from xtvqa_build.xpaperqa_zh import XPaperQAZh, ZhConfig
from xtvqa_data import RecordError, StorageError, save

from xtvqa_apps.kit import console, output, progress_display

_ZH_DEFAULTS = {f.name: f.default for f in fields(ZhConfig)}  # options declare these once


@click.command("xpaperqa-en")
@click.argument("qasper_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output dataset folder; <out>.dropped.jsonl and <out>.counts.json are written beside it.")
@click.option("--split", default="test", show_default=True, help="Split name for the records.")
@click.option("--zoom", type=float, default=2.0, show_default=True, help="Render zoom (2 = 144 dpi).")
def xpaperqa_en(qasper_json: Path, pdf_dir: Path, out: Path, split: str, zoom: float) -> None:
    """QASPER_JSON (a QASPER split file) + PDF_DIR (<paper_id>.pdf) -> XPaperQA-en records.

    Keeps each answerable question whose evidence (any annotator's) is found on a page of its
    paper; that page rendered is the image. Dropped questions are counted by reason.
    """
    report = EnReport()
    try:
        qasper = load_qasper(qasper_json)  # a file that is not QASPER's fails here, with nothing written
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        with progress_display() as progress:
            task = progress.add_task("papers", total=len(qasper))
            save(build_records(qasper, pdf_dir, report, zoom=zoom, split=split,
                               progress=lambda n: progress.advance(task, n)),
                 out, card=f"XPaperQA-en: QASPER questions from {qasper_json.name} on pages of their PDFs.")
    except (StorageError, RecordError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        with out.with_name(out.name + ".dropped.jsonl").open("w", encoding="utf-8") as handle:
            for item in report.dropped_items:
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        out.with_name(out.name + ".counts.json").write_text(json.dumps(
            {"questions": report.questions, "kept": report.kept, "by_type": dict(report.by_type),
             "dropped": dict(report.dropped)}, indent=2), encoding="utf-8")
    table = Table(title=f"xpaperqa-en -> {out}")
    table.add_column("")
    table.add_column("questions", justify="right")
    table.add_row("in QASPER file", f"{report.questions:,}")
    for qtype in QUESTION_TYPES:
        table.add_row(f"kept: {qtype}", f"{report.by_type.get(qtype, 0):,}")
    for reason, n in sorted(report.dropped.items()):
        table.add_row(f"dropped: {reason}", f"{n:,}")
    output.print(table)


@click.command("xpaperqa-zh")
@click.argument("pdf_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Output dataset folder.")
@click.option("--llm", required=True, metavar="SPEC", help="openai:<model> or gemini:<model>.")
@click.option("--base-url", default=None, help="OpenAI-compatible server (vLLM, ollama) or Gemini endpoint.")
@click.option("--ocr", type=click.Choice(OCR_BACKENDS), default=_ZH_DEFAULTS["ocr"], show_default=True,
              help="OCR engine. rapidocr: PP-OCRv6 models shipped in its wheel (offline), run on OpenVINO, "
                   "or onnxruntime with XTVQA_RAPIDOCR_ENGINE=onnxruntime; paddleocr downloads its models; "
                   "tesseract needs the binary with chi_sim.")
@click.option("--translator", default=None, metavar="SPEC", help="Translation backend (default: the --llm model).")
@click.option("--work", "work_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Stage files, page images, cache and reports (default: <out>.work). Rerun to resume.")
@click.option("--cache", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Response cache (default: <work>/cache.sqlite).")
@click.option("--min-page-chars", type=click.IntRange(min=0), default=_ZH_DEFAULTS["min_page_chars"], show_default=True,
              help="Drop pages whose OCR text is shorter (covers, figures, blank pages).")
@click.option("--min-confidence", type=click.IntRange(1, 10), default=_ZH_DEFAULTS["min_confidence"], show_default=True,
              help="Drop a generated QA pair whose confidence (the LLM's own score, 1 to 10) is under this; 1 to 10.")
@click.option("--max-jaccard", type=float, default=_ZH_DEFAULTS["max_jaccard"], show_default=True,
              help="Drop a pair whose question Jaccard (eq. 2) with a kept one exceeds this.")
@click.option("--dedupe-scope", type=click.Choice(["page", "paper", "all"]), default=_ZH_DEFAULTS["dedupe_scope"],
              show_default=True, help="Which kept pairs a new pair is compared with.")
@click.option("--max-edit-distance", type=float, default=_ZH_DEFAULTS["max_edit_distance"], show_default=True,
              help="Consistency (eq. 3): drop when the normalised edit distance of the two answers exceeds this.")
@click.option("--judge/--no-judge", default=_ZH_DEFAULTS["judge"], show_default=True,
              help="Let the LLM judge consistency (given the edit distance) instead of the threshold.")
@click.option("--max-pairs", type=click.IntRange(min=1), default=_ZH_DEFAULTS["max_pairs"], show_default=True,
              help="Most QA pairs asked for per page, type and language.")
@click.option("--concurrency", type=click.IntRange(min=1), default=_ZH_DEFAULTS["concurrency"], show_default=True,
              help="Parallel API requests.")
@click.option("--max-retries", type=click.IntRange(min=0), default=_ZH_DEFAULTS["max_retries"], show_default=True,
              help="Retries on 429 / 5xx / timeouts (exponential backoff).")
def xpaperqa_zh(pdf_dir: Path, out: Path, **options) -> None:
    """PDF_DIR of Chinese papers -> XPaperQA-zh: pages, OCR, QA generation, filters, translation.

    Every stage writes its output under --work and every LLM call is cached, so rerunning the
    same command resumes after a crash and costs nothing for finished work. Prints the stage
    counts in the format of the paper's Table 2 (also saved as <work>/stage_counts.md).
    """
    if not any(pdf_dir.glob("*.pdf")):
        others = sorted(p.name for p in pdf_dir.iterdir() if p.suffix.lower() == ".pdf")
        hint = f" (found {', '.join(others[:3])}: rename to .pdf)" if others else ""
        raise click.BadParameter(f"{pdf_dir} has no *.pdf file{hint}", param_hint="PDF_DIR")
    config = ZhConfig(pdf_dir=pdf_dir, out_dir=out, **options)
    pipeline = None
    with progress_display() as progress:
        def factory(stage: str, total: int):
            task = progress.add_task(stage, total=total)
            return lambda n: progress.advance(task, n)

        try:
            if config.ocr == "rapidocr":
                rapidocr_engine()  # a bad XTVQA_RAPIDOCR_ENGINE fails here, before any stage runs
            pipeline = XPaperQAZh(config, progress=factory)
            report = pipeline.run()
        except (StorageError, RecordError, LLMConfigError, ImportError, ValueError) as exc:
            failed = f" ({pipeline.report.failed_summary()})" if pipeline is not None and pipeline.report.failed else ""
            raise click.ClickException(f"{exc}{failed}") from exc
        finally:
            if pipeline is not None:
                pipeline.close()
    table = Table(title="XPaperQA-zh (paper Table 2 format)")
    for column in ["", *QUESTION_TYPES, "image num"]:
        table.add_column(column, justify="right")
    for row in TABLE2_ROWS:
        if row in report.table2:
            table.add_row(row, *(f"{report.table2[row][c]:,}" for c in [*QUESTION_TYPES, "image num"]))
    stages = Table(title="stages")
    for column in ("stage", "unit", "input", "kept", "dropped"):
        stages.add_column(column)
    for s in report.stages:
        stages.add_row(s.stage + (" (resumed)" if s.resumed else ""), s.unit, f"{s.input:,}", f"{s.kept:,}",
                       ", ".join(f"{r}: {n}" for r, n in sorted(s.dropped.items())) or "-")
    output.print(table, stages)
    if report.failed:
        console.print(f"[bold]{len(report.failed)} PDF(s) or page(s) failed[/] (all in {pipeline.work / 'stage_counts.json'}):",
                      markup=True)
        for line in report.failed[:10]:
            console.print(f"  {line}", markup=False, highlight=False)
        if len(report.failed) > 10:
            console.print(f"  and {len(report.failed) - 10} more", highlight=False)
    incomplete = pipeline.store.incomplete
    if not report.table2.get("final", {}).get("image num"):
        failed = f"; {report.failed_summary()}" if report.failed else ""
        raise click.ClickException(f"no QA pair survived the stages, so no dataset was written (see the stage table){failed}")
    if incomplete:
        raise click.ClickException(f"API errors persisted after retries in: {', '.join(incomplete)}; "
                                   "rerun the same command to retry them (finished calls are cached)")


