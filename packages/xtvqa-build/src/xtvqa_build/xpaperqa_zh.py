"""XPaperQA-zh: Chinese paper PDFs -> bilingual QA records (paper: Fig. 2, Table 2, eqs. 2-3).

Stages, each resumable (`stages.StageStore`):
 1 pages        render every page (PyMuPDF, zoom 2); a broken PDF is dropped with its reason
 2 ocr          page text (rapidocr by default); a page without text or an OCR failure dropped
 3 generate     per page x {yes-no, extractive, abstractive} x {zh, en}: JSON QA pairs
 4 confidence   drop confidence < 7
 5 similarity   drop a pair whose question Jaccard (eq. 2) with a kept pair of the same page
                (default scope) and language exceeds 0.1
 6 reanswer     every kept question answered again from the page
 7 consistency  drop pairs whose two answers differ: normalised edit distance (eq. 3) above the
                threshold; or, with `judge`, the LLM judge's verdict (given the distance)
 8 translate    question and answer into the other language (zh <-> en)
 9 dataset      `xtvqa_data.save`: image_lang zh, questions and answers in zh and en
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import BaseModel
from xtvqa_data import Record, save

from xtvqa_build.cache import ResponseCache
from xtvqa_build.filters import answer_distance, dedupe_by_jaccard, question_tokens
from xtvqa_build.llm import LLMClient, LLMRequest
from xtvqa_build.ocr import OcrError, ocr, reading_order_text
from xtvqa_build.pdf import PdfError, open_pdf, render_page
from xtvqa_build.prompts import (
    LANGS,
    QUESTION_TYPES,
    Verdict,
    answer_schema,
    canonical_yes_no,
    generation_prompt,
    generation_schema,
    judge_prompt,
    reanswer_prompt,
)
from xtvqa_build.specs import load_llm, load_translator
from xtvqa_build.stage_table import StageCount, StageReport
from xtvqa_build.stages import StageOutput, StageStore
from xtvqa_build.translators import LLMTranslator, TranslationFailure, Translator

Progress = Callable[[str, int], Callable[[int], None]]  # (stage, total) -> advance(n)
_YES_NO_TEXT = {("yes", "zh"): "是", ("no", "zh"): "否", ("yes", "en"): "yes", ("no", "en"): "no"}


@dataclass
class ZhConfig:
    """Every setting of an XPaperQA-zh build (the CLI's options are declared from these)."""

    pdf_dir: Path
    out_dir: Path  # the dataset folder (xtvqa_data.save)
    llm: str
    work_dir: Path | None = None  # stages, page images, cache, reports; default <out_dir>.work
    base_url: str | None = None
    ocr: str = "rapidocr"
    translator: str | None = None  # default: the --llm model translates
    cache: Path | None = None  # default: <work_dir>/cache.sqlite
    zoom: float = 2.0
    min_page_chars: int = 50
    max_pairs: int = 10
    min_confidence: int = 7
    max_jaccard: float = 0.1
    dedupe_scope: str = "page"  # page | paper | all
    max_edit_distance: float = 0.6
    judge: bool = False
    concurrency: int = 8
    max_retries: int = 5
    split: str = "test"


def _no_progress(stage: str, total: int) -> Callable[[int], None]:
    return lambda n: None


def _slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", name).strip("_") or "paper"


# -- stage fingerprints: every input that changes a stage's output -------------------------------
_SLOT = "<slot>"  # stands for the per-request text (page, question, answer) in a rendered prompt


def pdf_fingerprints(pdf_dir: str | Path) -> list[dict[str, Any]]:
    """Name, size and SHA-256 of every PDF: a corrected PDF under the same name re-renders."""
    out = []
    for pdf in sorted(Path(pdf_dir).glob("*.pdf")):
        with pdf.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        out.append({"name": pdf.name, "size": pdf.stat().st_size, "sha256": digest})
    return out


def prompt_digest(prompts: Iterable[str], schemas: Iterable[type[BaseModel]] = ()) -> str:
    """SHA-256 of prompt templates (rendered with `_SLOT` for the request's text) and the reply
    schemas they ask for: editing `prompts.py` re-runs the stages whose prompts changed."""
    blob = json.dumps({"prompts": list(prompts), "schemas": [s.model_json_schema() for s in schemas]},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def translator_params(translator: Translator) -> dict[str, Any]:
    """The translator's name and, per direction, its `cache_params` (what changes its output:
    num_beams and max_new_tokens for `hf:`, the LLM's temperature and prompt for `gemini:`...)."""
    return {"translator": translator.name,
            **{f"{a}->{b}": translator.cache_params(a, b) for a in LANGS for b in LANGS if a != b}}


class XPaperQAZh:
    """Wires the stages; `run()` returns the stage report. `llm` / `translator` injectable."""

    def __init__(self, config: ZhConfig, *, llm: LLMClient | None = None, translator: Translator | None = None,
                 progress: Progress | None = None):
        self.config = config
        self.dataset_dir = Path(config.out_dir)
        self.work = Path(config.work_dir or self.dataset_dir.with_name(self.dataset_dir.name + ".work"))
        # Nothing is written before the clients are made (a bad spec or a missing key fails there):
        # the work folder is made by the stage store below, the cache file at its first answer.
        self.cache = None
        if llm is None:
            self.cache = ResponseCache(config.cache or self.work / "cache.sqlite")
            llm = load_llm(config.llm, base_url=config.base_url, cache=self.cache,
                           concurrency=config.concurrency, max_retries=config.max_retries)
        self.llm = llm
        if translator is None:
            translator = (LLMTranslator(llm) if config.translator in (None, config.llm) else load_translator(
                config.translator, base_url=config.base_url, cache=self.cache or llm.cache,
                concurrency=config.concurrency))
        self.translator = translator
        self.progress = progress or _no_progress
        self.store = StageStore(self.work / "stages")
        self.report = StageReport()

    # -- stages --------------------------------------------------------------------------------
    def _pages(self) -> StageOutput:
        rows, dropped = [], []
        pdfs = sorted(Path(self.config.pdf_dir).glob("*.pdf"))
        advance = self.progress("pages", len(pdfs))
        for pdf in pdfs:
            try:
                with open_pdf(pdf) as doc:
                    for page in doc:
                        page_id = f"{_slug(pdf.stem)}-p{page.number + 1:03d}"
                        image_path = self.work / "pages" / f"{page_id}.png"
                        image_path.parent.mkdir(parents=True, exist_ok=True)
                        render_page(page, zoom=self.config.zoom).save(image_path)
                        rows.append({"page_id": page_id, "paper": pdf.name, "page_no": page.number + 1,
                                     "image": str(image_path.relative_to(self.work))})
            except PdfError as exc:
                dropped.append({"id": pdf.name, "reason": "pdf_error", "detail": exc.problem})
            advance(1)
        return StageOutput(rows, dropped)

    def _ocr(self, pages: list[dict[str, Any]]) -> StageOutput:
        rows, dropped = [], []
        advance = self.progress("ocr", len(pages))
        for page in pages:
            try:
                with Image.open(self.work / page["image"]) as image:
                    tokens = ocr(image, self.config.ocr, lang="zh", where=f"{page['paper']} page {page['page_no']}")
            except OcrError as exc:
                dropped.append({"id": page["page_id"], "reason": "ocr_error", "detail": str(exc),
                                "paper": page["paper"], "page_no": page["page_no"]})
            else:
                text = reading_order_text(tokens)
                if len(text.strip()) < self.config.min_page_chars:
                    dropped.append({"id": page["page_id"], "reason": "no_text", "detail": f"{len(text.strip())} chars",
                                    "paper": page["paper"], "page_no": page["page_no"]})
                else:
                    rows.append({**page, "text": text})
            advance(1)
        return StageOutput(rows, dropped)

    def _llm_map(self, stage: str, requests: list[LLMRequest]) -> list:
        advance = self.progress(stage, len(requests))
        return self.llm.map(requests, on_done=lambda i, r: advance(1))

    def _generate(self, pages: list[dict[str, Any]]) -> StageOutput:
        jobs = [(p, t, lang) for p in pages for t in QUESTION_TYPES for lang in LANGS]
        requests = [LLMRequest(generation_prompt(t, lang, p["text"], max_pairs=self.config.max_pairs),
                               generation_schema(t), stage="generate") for p, t, lang in jobs]
        rows, dropped, complete = [], [], True
        for (page, qtype, lang), result in zip(jobs, self._llm_map("generate", requests), strict=True):
            request_id = f"{page['page_id']}/{qtype}/{lang}"
            if not result.ok:
                complete &= result.error.kind != "api_error"
                dropped.append({"id": request_id, "reason": result.error.kind, "detail": result.error.reason,
                                "raw": result.error.raw})
                continue
            for k, pair in enumerate(result.value["pairs"]):
                rows.append({"pair_id": f"{page['page_id']}-{qtype}-{lang}-{k}", "page_id": page["page_id"],
                             "paper": page["paper"], "image": page["image"], "type": qtype, "lang": lang, **pair})
        return StageOutput(rows, dropped, complete)

    def _confidence(self, pairs: list[dict[str, Any]]) -> StageOutput:
        keep = [p for p in pairs if p["confidence"] >= self.config.min_confidence]
        drop = [{"id": p["pair_id"], "reason": "low_confidence", "detail": p["confidence"]}
                for p in pairs if p["confidence"] < self.config.min_confidence]
        return StageOutput(keep, drop)

    def _similarity(self, pairs: list[dict[str, Any]]) -> StageOutput:
        scope = {"page": lambda p: (p["page_id"], p["lang"]), "paper": lambda p: (p["paper"], p["lang"]),
                 "all": lambda p: p["lang"]}[self.config.dedupe_scope]
        kept, dropped = dedupe_by_jaccard(pairs, lambda p: question_tokens(p["question"], p["lang"]), scope,
                                          threshold=self.config.max_jaccard)
        return StageOutput(kept, [{"id": p["pair_id"], "reason": "similar"} for p in dropped])

    def _reanswer(self, pairs: list[dict[str, Any]], texts: dict[str, str]) -> StageOutput:
        requests = [LLMRequest(reanswer_prompt(p["type"], p["lang"], texts[p["page_id"]], p["question"]),
                               answer_schema(p["type"]), stage="reanswer") for p in pairs]
        rows, dropped, complete = [], [], True
        for pair, result in zip(pairs, self._llm_map("reanswer", requests), strict=True):
            if result.ok:
                rows.append({**pair, "reanswer": result.value["answer"], "reanswer_confidence": result.value["confidence"]})
            else:
                complete &= result.error.kind != "api_error"
                dropped.append({"id": pair["pair_id"], "reason": result.error.kind, "detail": result.error.reason,
                                "raw": result.error.raw})
        return StageOutput(rows, dropped, complete)

    def _consistency(self, pairs: list[dict[str, Any]]) -> StageOutput:
        distances = [answer_distance(p["answer"], p["reanswer"], question_type=p["type"]) for p in pairs]
        if not self.config.judge:
            rows = [{**p, "edit_distance": round(d, 4)} for p, d in zip(pairs, distances, strict=True)
                    if d <= self.config.max_edit_distance]
            dropped = [{"id": p["pair_id"], "reason": "inconsistent", "detail": round(d, 4)}
                       for p, d in zip(pairs, distances, strict=True) if d > self.config.max_edit_distance]
            return StageOutput(rows, dropped)
        requests = [LLMRequest(judge_prompt(p["lang"], p["question"], p["answer"], p["reanswer"], d), Verdict,
                               stage="judge") for p, d in zip(pairs, distances, strict=True)]
        rows, dropped, complete = [], [], True
        for pair, d, result in zip(pairs, distances, self._llm_map("judge", requests), strict=True):
            if not result.ok:
                complete &= result.error.kind != "api_error"
                dropped.append({"id": pair["pair_id"], "reason": f"judge_{result.error.kind}", "detail": result.error.reason})
            elif result.value["consistent"]:
                rows.append({**pair, "edit_distance": round(d, 4), "judge_score": result.value["score"]})
            else:
                dropped.append({"id": pair["pair_id"], "reason": "inconsistent", "detail": result.value["score"]})
        return StageOutput(rows, dropped, complete)

    def _translate(self, pairs: list[dict[str, Any]]) -> StageOutput:
        rows, dropped = [], []
        advance = self.progress("translate", len(pairs))
        for lang in LANGS:
            group = [p for p in pairs if p["lang"] == lang]
            other = "en" if lang == "zh" else "zh"
            questions = self.translator.try_translate([p["question"] for p in group], lang, other)
            # Yes-no answers need no model: yes/no map to 是/否.
            free = [p for p in group if p["type"] != "yes-no"]
            answers = dict(zip((p["pair_id"] for p in free),
                               self.translator.try_translate([p["answer"] for p in free], lang, other), strict=True))
            for pair, question in zip(group, questions, strict=True):
                answer = (_YES_NO_TEXT[(canonical_yes_no(pair["answer"]), other)] if pair["type"] == "yes-no"
                          else answers[pair["pair_id"]])
                failure = next((x for x in (question, answer) if isinstance(x, TranslationFailure)), None)
                if failure is not None:
                    dropped.append({"id": pair["pair_id"], "reason": "translation_failed", "detail": failure.reason,
                                    "transient": failure.transient})
                else:
                    rows.append({**pair, "other_lang": other, "question_other": question, "answer_other": answer})
                advance(1)
        # A transient failure (a 503, a timeout, an LLM api_error) leaves the stage incomplete, so a
        # rerun retries it; a permanent one (bad input) would fail again and does not.
        complete = not any(d["transient"] for d in dropped)
        return StageOutput(sorted(rows, key=lambda r: r["pair_id"]), dropped, complete)

    def failed_inputs(self, pages: StageOutput, texts: StageOutput) -> list[str]:
        """The PDFs the pages stage dropped and the pages the OCR stage dropped, each as
        "<path>[ page <n>] (<reason>: <detail>)", in stage order."""
        pdf_dir = Path(self.config.pdf_dir)
        out = [f"{pdf_dir / d['id']} ({d['reason']}: {d.get('detail', '')})" for d in pages.dropped]
        for d in texts.dropped:  # stages of an older run name the page by its id only
            where = f"{pdf_dir / d['paper']} page {d['page_no']}" if "paper" in d else d["id"]
            out.append(f"{where} ({d['reason']}: {d.get('detail', '')})")
        return out

    # -- wiring --------------------------------------------------------------------------------
    def _stage(self, name: str, params: dict[str, Any], n_in: int, compute: Callable[[], StageOutput],
               unit: str = "pairs") -> StageOutput:
        out = self.store.run(name, params, compute)
        self.report.stages.append(StageCount(name, n_in, len(out.rows), out.drop_counts(), out.resumed, unit))
        return out

    def record(self, pair: dict[str, Any]) -> Record:
        lang, other = pair["lang"], pair["other_lang"]
        with Image.open(self.work / pair["image"]) as image:
            image.load()
            return Record(
                id=f"xpaperqa-zh-{pair['pair_id']}", source="xpaperqa-zh", image=image.copy(), image_lang="zh",
                question={lang: pair["question"], other: pair["question_other"]},
                answers={lang: [pair["answer"]], other: [pair["answer_other"]]},
                question_type=pair["type"], split=self.config.split,
                meta={"paper": pair["paper"], "page": pair["page_id"], "generated_lang": lang,
                      "confidence": str(pair["confidence"]), "reanswer": pair["reanswer"],
                      "edit_distance": str(pair["edit_distance"]), "llm": self.llm.spec, "ocr": self.config.ocr,
                      "translator": self.translator.name},
            )

    def stage_params(self) -> dict[str, dict[str, Any]]:
        """Per stage, the parameters its fingerprint covers (with the previous stage's output)."""
        c = self.config
        llm = {"llm": self.llm.spec, **self.llm.cache_params()}
        generate = prompt_digest(
            [generation_prompt(t, lang, _SLOT, max_pairs=c.max_pairs) for t in QUESTION_TYPES for lang in LANGS],
            [generation_schema(t) for t in QUESTION_TYPES])
        reanswer = prompt_digest([reanswer_prompt(t, lang, _SLOT, _SLOT) for t in QUESTION_TYPES for lang in LANGS],
                                 [answer_schema(t) for t in QUESTION_TYPES])
        judge = prompt_digest([judge_prompt(lang, _SLOT, _SLOT, _SLOT, 0.0) for lang in LANGS], [Verdict])
        return {
            "pages": {"zoom": c.zoom, "pdfs": pdf_fingerprints(c.pdf_dir)},
            "ocr": {"ocr": c.ocr, "min_page_chars": c.min_page_chars},
            "generate": {**llm, "max_pairs": c.max_pairs, "prompts": generate},
            "confidence": {"min": c.min_confidence},
            "similarity": {"max_jaccard": c.max_jaccard, "scope": c.dedupe_scope},
            "reanswer": {**llm, "prompts": reanswer},
            "consistency": {"max_edit_distance": c.max_edit_distance, "judge": c.judge, **llm,
                            **({"prompts": judge} if c.judge else {})},
            "translate": translator_params(self.translator),
        }

    def run(self) -> StageReport:
        c = self.config
        params = self.stage_params()
        pages = self._stage("pages", params["pages"], len(params["pages"]["pdfs"]), self._pages,
                            unit="PDFs -> pages")
        texts = self._stage("ocr", params["ocr"], len(pages.rows), lambda: self._ocr(pages.rows), unit="pages")
        self.report.failed = self.failed_inputs(pages, texts)
        generated = self._stage("generate", params["generate"], len(texts.rows) * len(QUESTION_TYPES) * len(LANGS),
                                lambda: self._generate(texts.rows), unit="requests -> pairs")
        self.report.add_table2_row("origin", generated.rows)
        confident = self._stage("confidence", params["confidence"], len(generated.rows),
                                lambda: self._confidence(generated.rows))
        self.report.add_table2_row("+confidence filter", confident.rows)
        distinct = self._stage("similarity", params["similarity"], len(confident.rows),
                               lambda: self._similarity(confident.rows))
        self.report.add_table2_row("+similarity filter", distinct.rows)
        page_text = {p["page_id"]: p["text"] for p in texts.rows}
        answered = self._stage("reanswer", params["reanswer"], len(distinct.rows),
                               lambda: self._reanswer(distinct.rows, page_text))
        consistent = self._stage("consistency", params["consistency"], len(answered.rows),
                                 lambda: self._consistency(answered.rows))
        self.report.add_table2_row("+consistency filter", consistent.rows)
        final = self._stage("translate", params["translate"], len(consistent.rows),
                            lambda: self._translate(consistent.rows))
        self.report.add_table2_row("final", final.rows)
        if final.rows:
            save((self.record(p) for p in final.rows), self.dataset_dir,
                 card=f"XPaperQA-zh built by xtvqa-build from {c.pdf_dir} with {self.llm.spec} and {c.ocr} OCR.")
        self.report.save(self.work)
        (self.work / "usage.json").write_text(json.dumps(self.llm.usage.as_dict(), indent=2))
        (self.work / "config.json").write_text(json.dumps(asdict(c), indent=2, default=str))
        return self.report

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
