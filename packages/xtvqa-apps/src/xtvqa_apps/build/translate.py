"""`uv run apps/build translate` and `apply-review`: questions into more languages, checked by
back-translation, with a review file for a person (xtvqa_build.dataset_translation)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table
from xtvqa_build.cache import ResponseCache
from xtvqa_build.dataset_translation import (
    TranslationReport,
    apply_review,
    read_review_csv,
    translate_records,
    write_review_csv,
)
from xtvqa_build.llm import LLMConfigError
from xtvqa_build.similarity import check_scorer_spec, load_scorer
from xtvqa_build.specs import TRANSLATOR_BACKENDS, load_translator, parse_spec
from xtvqa_build.translators import TRANSLATION_LANGS, check_translation_langs
from xtvqa_data import RecordError

from xtvqa_apps.kit import output, progress_display

# xtvqa_data's storage (load, save, StorageError) imports `datasets` (about 2 s): imported in the
# commands, after the options are checked, so a bad option is refused at once.



def _targets(_ctx: click.Context, _param: click.Parameter, value: str) -> list[str]:
    langs = list(dict.fromkeys(v.strip().lower() for v in value.split(",") if v.strip()))
    if not langs:
        raise click.BadParameter(f"give at least one language; valid codes: {', '.join(TRANSLATION_LANGS)}")
    try:
        check_translation_langs(langs)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return langs


def _translator_spec(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        parse_spec(value, TRANSLATOR_BACKENDS, what="translator")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


def _scorer_spec(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        return check_scorer_spec(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("translate")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--to", "langs", default="zh,fr", show_default=True, callback=_targets,
              help=f"Target languages, comma-separated, of {','.join(TRANSLATION_LANGS)}.")
@click.option("--translator", required=True, metavar="SPEC", callback=_translator_spec,
              help="gemini:<model>, openai:<model> (with --base-url for a local server), "
                   "google-cloud:<project-id> or hf:<path-or-hub-id> ({src}/{tgt} filled per direction).")
@click.option("--base-url", default=None, help="OpenAI-compatible / Gemini endpoint (e.g. http://127.0.0.1:8000/v1).")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output dataset folder; <out>.review.csv and <out>.translate.json are written beside it.")
@click.option("--scorer", default="auto", show_default=True, callback=_scorer_spec,
              help="Back-translation score: auto (e5 if installed, else chargram), e5, chargram, bertscore:<model>.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Flag pairs scoring under this, in [0, 1] (default: the scorer's: e5 0.9, chargram 0.5, bertscore 0.85).")
@click.option("--cache", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Response cache (SQLite); default <out>.cache.sqlite.")
@click.option("--concurrency", type=click.IntRange(min=1), default=8, show_default=True, help="Parallel API requests.")
def translate(data: Path, langs: list[str], translator: str, base_url: str | None, out: Path, scorer: str,
              threshold: float | None, cache: Path | None, concurrency: int) -> None:
    """Translate the questions of the dataset DATA into --to languages, back-translate, score.

    Answers stay in the image language. Each new question's meta records the translator, the
    scorer and the score; pairs under the threshold are flagged and listed in the review CSV
    (id, lang, original, translation, back_translation, score, flag): edit its translation
    column, then run `apply-review`.

    Example: uv run apps/build translate data/chartqa-test --to zh,fr --translator gemini:gemini-2.0-flash --out data/chartqa-test-x
    """
    from xtvqa_data import StorageError, load, save

    report = TranslationReport()
    response_cache = None
    try:
        # The cache file is made at the first answer, so a run refused here leaves none behind.
        response_cache = ResponseCache(cache or out.with_name(out.name + ".cache.sqlite"))
        backend = load_translator(translator, base_url=base_url, cache=response_cache, concurrency=concurrency)
        records = load(data)
        try:
            check_translation_langs(langs, set(records.hf["image_lang"]))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--to'") from None
        sim = load_scorer(scorer)
        with progress_display(unit="records") as progress:
            task = progress.add_task("translate", total=len(records))
            stream = translate_records(records, langs, backend, sim, report, threshold=threshold,
                                       progress=lambda n: progress.advance(task, n))
            save(stream, out, card=f"Questions translated into {', '.join(langs)} with {backend.name}; "
                                   f"back-translation scored with {sim.name}.")
    except (StorageError, RecordError, LLMConfigError, ImportError, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if response_cache is not None:
            response_cache.close()
    review = write_review_csv(report.review, out.with_name(out.name + ".review.csv"))
    threshold_used = sim.default_threshold if threshold is None else threshold
    out.with_name(out.name + ".translate.json").write_text(json.dumps({
        "data": str(data), "targets": langs, "translator": backend.name, "scorer": sim.name,
        "threshold": threshold_used, "translated": report.translated, "flagged": report.flagged,
        "skipped": report.skipped, "failed": [{"id": i, "lang": lang, "reason": r} for i, lang, r in report.failed],
    }, indent=2, ensure_ascii=False), encoding="utf-8")
    table = Table(title=f"translate -> {out}", show_header=False)
    for name, value in [("translator", backend.name), ("scorer / threshold", f"{sim.name} / {threshold_used}"),
                        ("translated", report.translated), ("flagged for review", report.flagged),
                        ("already present", report.skipped), ("failed", len(report.failed)), ("review file", str(review))]:
        table.add_row(name, str(value))
    output.print(table)
    if report.failed:
        raise click.ClickException(f"{len(report.failed)} translation(s) failed (see {out.name}.translate.json); "
                                   "rerun to retry them: finished calls are cached")


@click.command("apply-review")
@click.argument("data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("review", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def apply_review_command(data: Path, review: Path) -> None:
    """Merge a person's edits in the REVIEW csv into the dataset folder DATA (rewritten in place).

    Rows whose translation changed replace the question and are marked 'edited'; unchanged rows
    are marked 'reviewed'. A row matching no question in DATA is an error and nothing is written.
    """
    from xtvqa_data import StorageError, load, save

    counts: dict[str, int] = {}
    try:
        rows = read_review_csv(review)
        save(apply_review(load(data), rows, counts, source=str(review)), data)
    except (StorageError, RecordError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    table = Table(title=f"apply-review -> {data}", show_header=False)
    table.add_row("rows in review file", str(len(rows)))
    table.add_row("edited", str(counts["edited"]))
    table.add_row("reviewed unchanged", str(counts["reviewed"]))
    output.print(table)


