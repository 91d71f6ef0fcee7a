"""XPaperQA-zh end to end: generated Chinese PDFs -> rapidocr -> the fake OpenAI server's
scripted QA (prose, out-of-range confidence, 429, 500, a reply that never parses, duplicates,
low confidence, an inconsistent re-answer) -> a dataset `xtvqa_data.load` reads, with the
expected Table 2 counts; then resume after a kill, and an API error storm.

Run: uv run pytest packages/xtvqa-build/tests/test_xpaperqa_zh.py -q
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymupdf
import pytest
from xtvqa_build.fake_server import FakeReply
from xtvqa_build.llm import LLMClient
from xtvqa_build.stages import StageOutput, StageStore, read_jsonl
from xtvqa_build.translators import LLMTranslator, TransformersTranslator, Translator
from xtvqa_build.xpaperqa_zh import XPaperQAZh, ZhConfig
from xtvqa_data import load

PAGES = {"A1": 1, "A2": 2, "B1": 3}
CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土"


def question(page: int, qtype: str, lang: str) -> str:
    """A page-specific question; the three types of one page share no token (Jaccard 0)."""
    t = ("yes-no", "extractive", "abstractive").index(qtype)
    if lang == "en":
        return f"{['Does', 'Which', 'Why'][t]} alpha{page}{t} beta{page}{t} {['hold', 'value', 'matters'][t]}?"
    chars = CHARS[(page * 3 + t) * 3 % len(CHARS):][:3]
    return chars + ["吗", "几", "何"][t]


def answer(page: int, qtype: str, lang: str) -> str:
    if qtype == "yes-no":
        return "是" if lang == "zh" else "yes"
    if qtype == "extractive":
        return f"数值{page}" if lang == "zh" else f"value {page}7"
    return f"方法{page}的总结" if lang == "zh" else f"It summarises method {page}."


def kind_of(prompt: str) -> tuple[str, str]:
    lang = "zh" if "论文页面内容" in prompt else "en"
    if '"yes" or "no"' in prompt or "“是”或“否”" in prompt:
        return "yes-no", lang
    if "copied from the text" in prompt or "原文中出现的一个数字" in prompt:
        return "extractive", lang
    return "abstractive", lang


class Script:
    """The fake LLM: scripted per request, with a few misbehaviours at fixed places."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}
        self.lock = threading.Lock()
        self.storm = False  # every re-answer request fails with 503

    def __call__(self, request) -> FakeReply | str:
        prompt = request.prompt
        if prompt.startswith("Translate the following"):
            text = prompt.rsplit("Text:\n", 1)[1]
            prefix = "译文：" if "into Simplified Chinese" in prompt else "EN: "
            return json.dumps({"translation": prefix + text}, ensure_ascii=False)
        marker = re.search(r"PAGE\s*([AB])\s*(\d)", prompt)  # OCR may drop or add a space
        page = PAGES[marker.group(1) + marker.group(2)]
        qtype, lang = kind_of(prompt)
        is_reanswer = "Question:" in prompt or "问题：" in prompt
        key = f"{'re' if is_reanswer else 'gen'}/{page}/{qtype}/{lang}"
        with self.lock:
            self.seen[key] = n = self.seen.get(key, 0) + 1
        if is_reanswer:
            if self.storm:
                return FakeReply(status=503)
            text = "something else entirely, unrelated" if (page, qtype, lang) == (1, "extractive", "en") \
                else answer(page, qtype, lang)
            return json.dumps({"answer": text, "confidence": 9}, ensure_ascii=False)
        if (page, qtype, lang) == (2, "abstractive", "zh"):
            return "抱歉，我无法完成。"  # never parses: quarantined after 3 attempts
        if n == 1 and (page, qtype, lang) == (1, "yes-no", "zh"):
            return "好的，以下是问题。"  # prose first, then a good reply
        if n == 1 and (page, qtype, lang) == (2, "extractive", "en"):
            return json.dumps({"pairs": [{"question": "q?", "answer": "a", "confidence": 11}]})
        if n == 1 and (page, qtype, lang) == (3, "yes-no", "en"):
            return FakeReply(status=429)
        if n == 1 and (page, qtype, lang) == (3, "extractive", "zh"):
            return FakeReply(status=500)
        q = question(page, qtype, lang)
        pairs = [
            {"question": q, "answer": answer(page, qtype, lang), "confidence": 9},
            {"question": q[:-1] + (" here?" if lang == "en" else "呢" + q[-1]), "answer": answer(page, qtype, lang),
             "confidence": 8},  # near duplicate: the similarity filter drops it
            {"question": "Low confidence question?" if lang == "en" else "低置信度问题", "answer": answer(page, qtype, lang),
             "confidence": 5},  # the confidence filter drops it
        ]
        return json.dumps({"pairs": pairs}, ensure_ascii=False)


CLEAN_RUN_HITS = 24 + 17 + 26  # generate (18 + 6 re-asks/retries), re-answer, translate

EXPECTED_TABLE2 = {
    "origin": {"yes-no": 18, "extractive": 18, "abstractive": 15, "image num": 3},
    "+confidence filter": {"yes-no": 12, "extractive": 12, "abstractive": 10, "image num": 3},
    "+similarity filter": {"yes-no": 6, "extractive": 6, "abstractive": 5, "image num": 3},
    "+consistency filter": {"yes-no": 6, "extractive": 5, "abstractive": 5, "image num": 3},
    "final": {"yes-no": 6, "extractive": 5, "abstractive": 5, "image num": 3},
}


@pytest.fixture(scope="module")
def pdf_dir(tmp_path_factory, pdf_maker) -> Path:
    make_pdf = pdf_maker
    root = tmp_path_factory.mktemp("pdfs")
    make_pdf(root / "paperA.pdf", [["PAGE A1", "深度学习模型在文本识别任务上", "取得了很高的准确率和召回率"],
                                   ["PAGE A2", "本文提出一种新的注意力机制", "实验表明该方法优于基线模型"]])
    make_pdf(root / "paperB.pdf", [["PAGE B1", "跨语言视觉问答是一项重要任务", "我们构建了新的双语数据集"], []])
    encrypted = pymupdf.open()
    encrypted.new_page().insert_text((50, 50), "locked")
    encrypted.save(root / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    (root / "broken.pdf").write_bytes(b"%PDF-1.7 truncated")
    return root


def config(pdf_dir: Path, out: Path, base_url: str, **kwargs) -> ZhConfig:
    return ZhConfig(pdf_dir=pdf_dir, out_dir=out, llm="openai:fake-gemini", base_url=base_url,
                    min_page_chars=20, concurrency=4, **kwargs)


def run(cfg: ZhConfig):
    pipeline = XPaperQAZh(cfg)
    try:
        return pipeline.run(), pipeline
    finally:
        pipeline.close()


def fast_backoff(monkeypatch):
    from xtvqa_build.llm import LLMClient

    original = LLMClient.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.backoff_s = 0.01

    monkeypatch.setattr(LLMClient, "__init__", init)


def pdf_drops_detail(pdf_dir: Path, name: str) -> str:
    from xtvqa_build.pdf import PdfError, open_pdf

    with pytest.raises(PdfError) as error:
        open_pdf(pdf_dir / name)
    return error.value.problem


def test_full_run_counts_dataset_and_free_rerun(pdf_dir, tmp_path, fake_server, monkeypatch):
    fast_backoff(monkeypatch)
    server = fake_server(Script())
    report, _ = run(config(pdf_dir, tmp_path / "zh", server.openai_base_url))
    assert report.table2 == EXPECTED_TABLE2
    stages = {s.stage: s for s in report.stages}
    assert stages["pages"].dropped == {"pdf_error": 2} and stages["pages"].kept == 4
    assert stages["ocr"].dropped == {"no_text": 1}
    assert report.failed == [f"{pdf_dir / 'broken.pdf'} (pdf_error: {pdf_drops_detail(pdf_dir, 'broken.pdf')})",
                             f"{pdf_dir / 'locked.pdf'} (pdf_error: {pdf_drops_detail(pdf_dir, 'locked.pdf')})",
                             f"{pdf_dir / 'paperB.pdf'} page 2 (no_text: 0 chars)"]
    assert report.failed_summary(limit=1).endswith("broken.pdf (pdf_error: " + pdf_drops_detail(pdf_dir, "broken.pdf")
                                                   + "); and 2 more")
    assert stages["generate"].dropped == {"malformed": 1} and stages["generate"].input == 18
    assert stages["consistency"].dropped == {"inconsistent": 1}
    for s in report.stages[3:]:  # the filters: input = kept + dropped
        assert s.input == s.kept + sum(s.dropped.values()), s.stage
    assert server.hits == CLEAN_RUN_HITS

    work = tmp_path / "zh.work"
    dropped = read_jsonl(next((work / "stages").glob("*_generate.dropped.jsonl")))
    assert dropped[0]["id"] == "paperA-p002/abstractive/zh" and dropped[0]["raw"] == "抱歉，我无法完成。"
    pdf_drops = {d["id"]: d["detail"] for d in read_jsonl(next((work / "stages").glob("*_pages.dropped.jsonl")))}
    assert "encrypted" in pdf_drops["locked.pdf"] and "corrupt" in pdf_drops["broken.pdf"]
    assert "| origin | 18 | 18 | 15 | 3 |" in (work / "stage_counts.md").read_text()
    usage = json.loads((work / "usage.json").read_text())
    assert usage["generate"]["prompt_tokens"] > 0 and usage["reanswer"]["calls"] == 17
    assert usage["generate"]["retries"] == 2 and usage["generate"]["format_retries"] == 4

    records = {r.id: r for r in load(tmp_path / "zh")}
    assert len(records) == 16
    record = records["xpaperqa-zh-paperB-p001-extractive-en-0"]
    assert record.image_lang == "zh" and record.source == "xpaperqa-zh" and record.question_type == "extractive"
    assert record.question == {"en": question(3, "extractive", "en"), "zh": "译文：" + question(3, "extractive", "en")}
    assert record.answers == {"en": ("value 37",), "zh": ("译文：value 37",)}
    assert records["xpaperqa-zh-paperA-p001-yes-no-zh-0"].answers == {"zh": ("是",), "en": ("yes",)}
    assert record.image.size == (840, 600)

    # A second run finds every stage finished: no request at all.
    report2, _ = run(config(pdf_dir, tmp_path / "zh", server.openai_base_url))
    assert server.hits == CLEAN_RUN_HITS
    assert all(s.resumed for s in report2.stages) and report2.table2 == EXPECTED_TABLE2


SCRIPT = """
import sys
from pathlib import Path
from xtvqa_build.xpaperqa_zh import XPaperQAZh, ZhConfig
cfg = ZhConfig(pdf_dir=Path(sys.argv[1]), out_dir=Path(sys.argv[2]), llm="openai:fake-gemini",
               base_url=sys.argv[3], min_page_chars=20, concurrency=4)
XPaperQAZh(cfg).run()
"""


def test_killed_run_resumes_without_recomputing(pdf_dir, tmp_path, fake_server, monkeypatch):
    """Kill the build during the re-answer stage; the rerun resumes after the last finished stage
    and asks the server only for what was not answered before the kill."""
    fast_backoff(monkeypatch)
    script = Script()
    proc_box: list[subprocess.Popen] = []
    kill_at = 24 + 6  # all generation requests, then six re-answers

    answered = [0]
    lock = threading.Lock()

    def responder(request):
        reply = script(request)
        with lock:
            answered[0] += 1
            if answered[0] == kill_at:
                proc_box[0].kill()
        return reply

    server = fake_server(responder)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(pdf_dir), str(tmp_path / "zh"), server.openai_base_url],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc_box.append(proc)
    proc.wait(timeout=120)
    assert proc.returncode != 0  # killed
    before = server.hits
    assert kill_at <= before <= kill_at + 4  # + requests already in flight at the kill
    time.sleep(0.2)

    report, _ = run(config(pdf_dir, tmp_path / "zh", server.openai_base_url))
    resumed = {s.stage for s in report.stages if s.resumed}
    assert {"pages", "ocr", "generate", "confidence", "similarity"} <= resumed
    assert "reanswer" not in resumed
    rerun_hits = server.hits - before
    # Re-answers answered before the kill came from the cache (up to `concurrency` in flight lost).
    assert CLEAN_RUN_HITS - before <= rerun_hits <= CLEAN_RUN_HITS - before + 4
    assert report.table2 == EXPECTED_TABLE2


def test_api_error_storm_quarantines_then_rerun_retries_only_failures(pdf_dir, tmp_path, fake_server, monkeypatch):
    fast_backoff(monkeypatch)
    script = Script()
    script.storm = True
    server = fake_server(script)
    cfg = config(pdf_dir, tmp_path / "zh", server.openai_base_url, max_retries=1)
    report, pipeline = run(cfg)
    stages = {s.stage: s for s in report.stages}
    assert stages["reanswer"].dropped == {"api_error": 17} and stages["reanswer"].kept == 0
    assert pipeline.store.incomplete == ["reanswer"]
    assert "final" in report.table2 and report.table2["final"]["image num"] == 0
    assert not (tmp_path / "zh").exists()  # no records: no dataset written
    storm_hits = server.hits

    script.storm = False
    report, _ = run(cfg)
    assert report.table2 == EXPECTED_TABLE2
    assert server.hits - storm_hits == 17 + 26  # only the failed re-answers, then translation


def test_llm_judge_decides_consistency_given_the_distance(tmp_path, fake_server):
    seen = {}

    def responder(request):
        distance = float(re.search(r"Edit distance: ([0-9.]+)", request.prompt).group(1))
        consistent = "Answer 2: 2017" in request.prompt  # same fact, different words
        seen["2017" if consistent else "names"] = distance
        return json.dumps({"consistent": consistent, "score": 9 if consistent else 2})

    server = fake_server(responder)
    pipeline = XPaperQAZh(config(tmp_path, tmp_path / "zh", server.openai_base_url, judge=True))
    pairs = [{"pair_id": "a", "type": "extractive", "lang": "en", "question": "When?", "answer": "in 2017",
              "reanswer": "2017"},
             {"pair_id": "b", "type": "extractive", "lang": "en", "question": "Who?", "answer": "Li", "reanswer": "Wang"}]
    out = pipeline._consistency(pairs)
    pipeline.close()
    assert [r["pair_id"] for r in out.rows] == ["a"] and out.rows[0]["judge_score"] == 9
    assert out.dropped == [{"id": "b", "reason": "inconsistent", "detail": 2}]
    assert seen == {"2017": pytest.approx(3 / 7, abs=0.005), "names": 1.0}  # eq. 3 given to the judge


# -- stage bookkeeping without an LLM, OCR or PDFs -----------------------------------------------
class NoLLM(LLMClient):
    provider = "fake"

    def _send(self, prompt, images, json_schema):
        raise AssertionError("no LLM call expected")


class ServiceUnavailable(Exception):
    """Like google-api-core's 503."""

    code = 503


class FlakyTranslator(Translator):
    """Fails "flaky" texts with a 503 while `flaky_left` > 0, and "bad" texts with a ValueError."""

    name = "flaky"

    def __init__(self) -> None:
        super().__init__(batch_size=1)
        self.flaky_left = 1
        self.seen: list[str] = []

    def _translate_batch(self, texts, source, target):
        self.seen += texts
        if "flaky" in texts[0] and self.flaky_left:
            self.flaky_left -= 1
            raise ServiceUnavailable("503 Service Unavailable")
        if "bad" in texts[0]:
            raise ValueError("bad input")
        return [f"译：{t}" for t in texts]


PAIRS = [{"pair_id": pid, "type": "extractive", "lang": "en", "question": f"{pid} question?", "answer": "x"}
         for pid in ("ok", "flaky", "bad")]


def bare_pipeline(tmp_path: Path, *, translator: Translator | None = None, llm: LLMClient | None = None,
                  **kwargs) -> XPaperQAZh:
    cfg = ZhConfig(pdf_dir=tmp_path / "pdfs", out_dir=tmp_path / "zh", llm="fake:m", **kwargs)
    return XPaperQAZh(cfg, llm=llm or NoLLM("m"), translator=translator or TransformersTranslator("m"))


def test_transient_translation_failure_leaves_the_stage_incomplete_and_a_rerun_retries_it(tmp_path):
    translator = FlakyTranslator()

    def translate():
        pipeline = bare_pipeline(tmp_path, translator=translator)
        out = pipeline._stage("translate", pipeline.stage_params()["translate"], len(PAIRS),
                              lambda: pipeline._translate(PAIRS))
        return out, pipeline.store

    out, store = translate()
    assert [r["pair_id"] for r in out.rows] == ["ok"]
    assert {d["id"]: d["transient"] for d in out.dropped} == {"flaky": True, "bad": False}
    assert store.incomplete == ["translate"]  # the 503: a rerun must retry

    out, store = translate()
    assert not out.resumed and [r["pair_id"] for r in out.rows] == ["flaky", "ok"]
    assert out.rows[0]["question_other"] == "译：flaky question?"
    assert [(d["id"], d["transient"]) for d in out.dropped] == [("bad", False)]
    assert store.incomplete == []  # the bad input alone does not block completion

    seen = len(translator.seen)
    out, _ = translate()
    assert out.resumed and len(translator.seen) == seen


def test_stage_fingerprints_cover_pdf_content_translator_settings_and_prompts(tmp_path, monkeypatch):
    from xtvqa_build import prompts

    (tmp_path / "pdfs").mkdir()
    pdf = tmp_path / "pdfs" / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.7 first")
    base = bare_pipeline(tmp_path).stage_params()
    assert bare_pipeline(tmp_path).stage_params() == base  # deterministic

    pdf.write_bytes(b"%PDF-1.7 fixed")  # same name, same size, new content
    assert bare_pipeline(tmp_path).stage_params()["pages"] != base["pages"]

    for changed in (TransformersTranslator("m", num_beams=4), TransformersTranslator("m", max_new_tokens=64)):
        assert bare_pipeline(tmp_path, translator=changed).stage_params()["translate"] != base["translate"]
    llm_translate = bare_pipeline(tmp_path, translator=LLMTranslator(NoLLM("m"))).stage_params()["translate"]
    hotter = bare_pipeline(tmp_path, translator=LLMTranslator(NoLLM("m", temperature=0.7))).stage_params()
    assert hotter["translate"] != llm_translate
    monkeypatch.setattr(LLMTranslator, "prompt", staticmethod(lambda text, source, target: f"Translate: {text}"))
    assert bare_pipeline(tmp_path, translator=LLMTranslator(NoLLM("m"))).stage_params()["translate"] != llm_translate

    base = bare_pipeline(tmp_path, judge=True).stage_params()
    edits = [(prompts._KIND, ("extractive", "en"), "generate"), (prompts._ANSWER_RULE, ("abstractive", "zh"), "reanswer"),
             (prompts._JUDGE, "en", "consistency")]
    for table, key, stage in edits:
        with monkeypatch.context() as m:
            m.setitem(table, key, table[key] + " (edited)")
            params = bare_pipeline(tmp_path, judge=True).stage_params()
        assert {name for name in params if params[name] != base[name]} == {stage}, stage


@pytest.mark.parametrize("content", ['{"stage": "s", "fingerpr', "", "[1, 2]", "null"])
def test_unreadable_done_marker_is_recomputed_not_a_crash(tmp_path, content):
    computed = []

    def compute() -> StageOutput:
        computed.append(1)
        return StageOutput([{"x": 1}])

    StageStore(tmp_path).run("s", {"a": 1}, compute)
    marker = next(tmp_path.glob("*.done.json"))
    assert json.loads(marker.read_text(encoding="utf-8"))["complete"]
    marker.write_text(content, encoding="utf-8")  # a kill mid-write, before the atomic write
    with pytest.warns(RuntimeWarning, match="unreadable done marker"):
        out = StageStore(tmp_path).run("s", {"a": 1}, compute)
    assert not out.resumed and out.rows == [{"x": 1}] and len(computed) == 2
    assert StageStore(tmp_path).run("s", {"a": 1}, compute).resumed and len(computed) == 2  # rewritten whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_s.done.json", "01_s.dropped.jsonl", "01_s.jsonl"]
