"""Translators (cache, LLM, Cloud Translation, local seq2seq) and dataset translation with
back-translation review, through `xtvqa_data.save` / `load`.

Run: uv run pytest packages/xtvqa-build/tests/test_translate.py -q
"""

from __future__ import annotations

import csv
import json
import re
from types import SimpleNamespace

import pytest
from PIL import Image
from xtvqa_build import (
    ResponseCache,
    TranslationError,
    TranslationFailure,
    Translator,
    load_translator,
)
from xtvqa_build.dataset_translation import (
    TranslationReport,
    apply_review,
    read_review_csv,
    translate_records,
    write_review_csv,
)
from xtvqa_build.llm import TransientAPIError, is_transient
from xtvqa_build.similarity import CharNgramScorer
from xtvqa_build.translators import GoogleCloudTranslator
from xtvqa_data import Record, load, save


# A toy "translation": a tagged copy; the back-translation strips the tag. Questions containing
# "idiom" come back changed, so their back-translation score is low and they get flagged.
def toy(text: str, source: str, target: str) -> str:
    if text.startswith("["):
        inner = re.sub(r"^\[\w+\] ", "", text)
        return inner.replace("idiom", "saying about cats") if "idiom" in inner else inner
    return f"[{target}] {text}"


class ToyTranslator(Translator):
    name = "toy"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batches: list[list[str]] = []

    def _translate_batch(self, texts, source, target):
        self.batches.append(list(texts))
        if any("FAIL" in t for t in texts):
            raise RuntimeError("service said no")
        return [toy(t, source, target) for t in texts]


def test_base_translator_caches_dedupes_and_reports_failures(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    translator = ToyTranslator(cache=cache, batch_size=2)
    assert translator.translate(["a", "b", "a", "c"], "en", "fr") == ["[fr] a", "[fr] b", "[fr] a", "[fr] c"]
    assert translator.batches == [["a", "b"], ["c"]]  # "a" translated once
    assert translator.translate(["c", "a"], "en", "fr") == ["[fr] c", "[fr] a"]
    assert len(translator.batches) == 2  # all from the cache
    assert translator.translate(["x"], "en", "en") == ["x"]  # same language: identity, no call
    out = translator.try_translate(["ok", "FAIL"], "en", "zh")
    assert isinstance(out[1], TranslationFailure) and "service said no" in out[1].reason
    with pytest.raises(TranslationError, match="failed to translate en->zh"):
        translator.translate(["FAIL"], "en", "zh")


class ServiceUnavailable(Exception):
    """Like google-api-core's: an HTTP status in `code`."""

    code = 503


@pytest.mark.parametrize(("error", "transient"), [
    (TransientAPIError("HTTP 503"), True), (ServiceUnavailable("try later"), True),
    (type("TooManyRequests", (Exception,), {"code": 429})("slow down"), True),
    (type("ReadTimeout", (type("TimeoutException", (Exception,), {}),), {})("timed out"), True),  # httpx's
    (type("InvalidArgument", (Exception,), {"code": 400})("bad"), False),
    (ValueError("bad input"), False), (RuntimeError("model error"), False),
])
def test_failures_say_whether_they_are_transient(error, transient):
    class Failing(Translator):
        name = "failing"

        def _translate_batch(self, texts, source, target):
            raise error

    assert is_transient(error) is transient
    [failure] = Failing().try_translate(["x"], "en", "zh")
    assert failure == TranslationFailure(f"{type(error).__name__}: {error}", transient=transient)


def test_llm_translator_through_the_fake_server(fake_server, tmp_path):
    def responder(request):
        text = request.prompt.rsplit("Text:\n", 1)[1]
        assert "into Simplified Chinese" in request.prompt
        return json.dumps({"translation": f"译:{text}"})

    server = fake_server(responder)
    translator = load_translator("openai:m", base_url=server.openai_base_url, cache=ResponseCache(tmp_path / "c.sqlite"))
    assert translator.translate(["What is it?", "Who?"], "en", "zh") == ["译:What is it?", "译:Who?"]
    translator.translate(["What is it?"], "en", "zh")
    assert server.hits == 2  # cached per text


def test_llm_translator_marks_api_errors_transient_and_malformed_replies_not(fake_server):
    from xtvqa_build.fake_server import FakeReply

    def responder(request):
        return FakeReply(status=503) if "flaky" in request.prompt else "not JSON"

    server = fake_server(responder)
    translator = load_translator("openai:m", base_url=server.openai_base_url, max_retries=0)
    flaky, malformed = translator.try_translate(["flaky", "fine"], "en", "zh")
    assert flaky.transient and flaky.reason.startswith("api_error")
    assert not malformed.transient and malformed.reason.startswith("malformed")


def test_google_cloud_translator_request_shape():
    calls = []

    class FakeClient:
        def translate_text(self, request):
            calls.append(request)
            return SimpleNamespace(translations=[SimpleNamespace(translated_text=t.upper()) for t in request["contents"]])

    translator = GoogleCloudTranslator("my-proj", client=FakeClient(), batch_size=2)
    assert translator.translate(["a", "b", "c"], "en", "zh") == ["A", "B", "C"]
    assert calls[0]["parent"] == "projects/my-proj/locations/global"
    assert calls[0]["target_language_code"] == "zh-CN" and calls[0]["source_language_code"] == "en"
    assert [c["contents"] for c in calls] == [["a", "b"], ["c"]]


def test_transformers_translator_on_a_tiny_local_model(tmp_path):
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import MarianConfig, MarianMTModel, PreTrainedTokenizerFast

    words = ["<pad>", "</s>", "<unk>", "what", "is", "it", "quoi"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    model_dir = tmp_path / "opus-mt-en-fr"
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>",
                            unk_token="<unk>").save_pretrained(model_dir)
    config = MarianConfig(vocab_size=len(words), d_model=16, encoder_layers=1, decoder_layers=1,
                          encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=32,
                          decoder_ffn_dim=32, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                          max_position_embeddings=64)
    MarianMTModel(config).save_pretrained(model_dir)
    translator = load_translator(f"hf:{tmp_path}/opus-mt-{{src}}-{{tgt}}", max_new_tokens=4,
                                 cache=ResponseCache(tmp_path / "c.sqlite"))
    out = translator.translate(["what is it", "what"], "en", "fr")
    assert len(out) == 2 and all(isinstance(t, str) for t in out)
    assert set(" ".join(out).split()) <= set(words[3:])  # decoded from the model's vocabulary
    assert translator.translate(["what is it"], "en", "fr") == out[:1]  # cached
    with pytest.raises(OSError):
        translator.translate(["what"], "fr", "en")  # no opus-mt-fr-en folder: loading fails loudly


def records() -> list[Record]:
    image = Image.new("RGB", (32, 16), "white")
    questions = ["What is the highest value?", "What does the idiom on the cover mean?", "Who is the author?"]
    return [Record(id=f"r{i}", source="ocrvqa", image=image, image_lang="en", question={"en": q},
                   answers={"en": ["x"]}, question_type="extractive") for i, q in enumerate(questions)]


def test_translate_review_and_apply_review_round_trip(tmp_path):
    recs = records()
    recs[2] = recs[2].replace(question={"en": recs[2].question["en"], "zh": "作者是谁？"})  # zh already there
    report = TranslationReport()
    out = list(translate_records(recs, ["zh", "fr"], ToyTranslator(), CharNgramScorer(), report,
                                 threshold=0.9, chunk_size=2))
    assert report.translated == 5 and report.skipped == 1 and report.flagged == 2 and not report.failed
    assert out[0].question["fr"] == "[fr] What is the highest value?"
    assert out[0].meta["translation.fr.flag"] == "ok" and float(out[0].meta["translation.fr.score"]) == pytest.approx(1.0)
    assert out[1].meta["translation.zh.flag"] == "review"
    assert out[2].question["zh"] == "作者是谁？" and "translation.zh.backend" not in out[2].meta
    assert all(r.answers == {"en": ("x",)} for r in out)  # answers stay in the image language
    assert {(r.id, r.lang) for r in report.review} == {("r1", "zh"), ("r1", "fr")}

    dataset = save(out, tmp_path / "ds")
    review = write_review_csv(report.review, tmp_path / "review.csv")
    rows = read_review_csv(review)
    assert list(rows[0]) == ["id", "lang", "original", "translation", "back_translation", "score", "flag"]
    rows[0]["translation"] = "封面上的成语是什么意思？"  # a person's correction
    with review.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    counts: dict[str, int] = {}
    save(list(apply_review(load(dataset), read_review_csv(review), counts)), dataset)
    assert counts == {"edited": 1, "reviewed": 1}
    merged = {r.id: r for r in load(dataset)}
    edited_lang = rows[0]["lang"]
    assert merged["r1"].question[edited_lang] == "封面上的成语是什么意思？"
    assert merged["r1"].meta[f"translation.{edited_lang}.flag"] == "edited"


def test_apply_review_rejects_unknown_rows():
    rows = [{"id": "nope", "lang": "fr", "translation": "x"}]
    with pytest.raises(ValueError, match="line 2: 'nope'"):
        list(apply_review(records(), rows, {}))


def test_failed_translations_are_reported_not_dropped_silently():
    recs = records()
    recs[0] = recs[0].replace(question={"en": "FAIL this one"})
    report = TranslationReport()
    out = list(translate_records(recs, ["fr"], ToyTranslator(batch_size=1), CharNgramScorer(), report))
    assert [f[:2] for f in report.failed] == [("r0", "fr")]
    assert "fr" not in out[0].question and "fr" in out[1].question and len(out) == 3


def test_translation_languages_are_checked_before_any_work():
    from xtvqa_build.translators import (
        FLORES,
        LANGUAGE_NAMES,
        TRANSLATION_LANGS,
        check_translation_langs,
    )

    assert set(TRANSLATION_LANGS) == set(LANGUAGE_NAMES) == set(FLORES)  # every backend takes each of them
    check_translation_langs(["zh", "fr"], {"en"})
    check_translation_langs(["en"], {"en", "zh"})  # the zh records gain English; the en ones skip it
    for targets, image_langs, says in [(["zz"], (), "'zz' is not an ISO 639-1 code; valid codes: en, zh, fr"),
                                       (["hi"], (), "'hi' is a language the translators do not take"),
                                       (["en"], {"en"}, "'en' is the image language of every record"),
                                       (["fr"], {"en", "hi"}, "image language 'hi' is one the translators do not take")]:
        with pytest.raises(ValueError, match=re.escape(says)):
            check_translation_langs(targets, image_langs)
