"""The `Translator` interface and its backends (DESIGN.md section 7: translation).

`translate(texts, source, target) -> list[str]`, cached on disk like the LLM calls. Backends:

- `gemini:<model>` / `openai:<model>`: an LLM asked for JSON `{"translation": ...}`, one text per
  call (cached per text by the LLM client, so adding items to a dataset re-pays nothing);
- `google-cloud:<project-id>`: Cloud Translation v3 (what the paper's "Google Translate" is as an
  API; `translate` extra, Application Default Credentials);
- `hf:<path-or-hub-id>`: a local seq2seq model (Marian, NLLB, M2M100) through transformers.
  `{src}` / `{tgt}` in the id are filled per direction, so `hf:Helsinki-NLP/opus-mt-{src}-{tgt}`
  covers forward and back translation with pair-specific Marian models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, Field
from xtvqa_data import ISO_639_1

from xtvqa_build.cache import NullCache, ResponseCache, cache_key
from xtvqa_build.llm import LLMClient, LLMConfigError, LLMRequest, is_transient

LANGUAGE_NAMES = {
    "en": "English", "zh": "Simplified Chinese", "fr": "French", "de": "German", "es": "Spanish",
    "ja": "Japanese", "ko": "Korean", "ru": "Russian", "ar": "Arabic", "pt": "Portuguese",
    "it": "Italian", "vi": "Vietnamese", "th": "Thai",
}
# FLORES-200 codes for NLLB tokenizers.
FLORES = {
    "en": "eng_Latn", "zh": "zho_Hans", "fr": "fra_Latn", "de": "deu_Latn", "es": "spa_Latn",
    "ja": "jpn_Jpan", "ko": "kor_Hang", "ru": "rus_Cyrl", "ar": "arb_Arab", "pt": "por_Latn",
    "it": "ita_Latn", "vi": "vie_Latn", "th": "tha_Thai",
}

# The languages every translator here takes: the LLM prompt names them, NLLB has their FLORES code.
TRANSLATION_LANGS: tuple[str, ...] = tuple(LANGUAGE_NAMES)


def check_translation_langs(targets: Sequence[str], image_langs: Collection[str] = ()) -> None:
    """ValueError, before any work, for a target or an image language (the back-translation's
    target) outside `TRANSLATION_LANGS`, and for a target that is every record's image language
    (nothing to translate); the message lists the valid codes."""
    valid = f"valid codes: {', '.join(TRANSLATION_LANGS)}"
    for lang in targets:
        if lang not in TRANSLATION_LANGS:
            known = "is not an ISO 639-1 code" if lang not in ISO_639_1 else "is a language the translators do not take"
            raise ValueError(f"{lang!r} {known}; {valid}")
    image_langs = sorted(set(image_langs))
    untranslatable = [lang for lang in image_langs if lang not in TRANSLATION_LANGS]
    if untranslatable:
        raise ValueError(f"the records' image language {', '.join(map(repr, untranslatable))} is one the "
                         f"translators do not take (back-translation goes into it); {valid}")
    same = [lang for lang in targets if image_langs == [lang]]
    if same:
        raise ValueError(f"{same[0]!r} is the image language of every record, so there is nothing to translate "
                         f"into it; choose others of {', '.join(c for c in TRANSLATION_LANGS if c != same[0])}")


@dataclass(frozen=True)
class TranslationFailure:
    """Stands in `try_translate`'s output for a text that could not be translated.

    `transient`: the failure may go away on its own (a 503, a timeout, a rate limit: see
    `llm.is_transient`; for the LLM translator, a request quarantined as `api_error`), so a
    pipeline stage should be retried later; False for a failure the same request would repeat.
    """

    reason: str
    transient: bool = False


class TranslationError(RuntimeError):
    """Some texts could not be translated; `failures` maps text index -> reason."""

    def __init__(self, failures: dict[int, str], source: str, target: str):
        self.failures = failures
        first = next(iter(failures.items()))
        super().__init__(f"{len(failures)} text(s) failed to translate {source}->{target}; "
                         f"first: #{first[0]}: {first[1]}")


class Translator(ABC):
    """Cached batch translation. Subclasses implement `_translate_batch` (or override
    `try_translate` when they cache elsewhere, as the LLM translator does)."""

    name: str = "translator"

    def __init__(self, *, cache: ResponseCache | NullCache | None = None, batch_size: int = 32):
        self.cache = cache if cache is not None else NullCache()
        self.batch_size = batch_size

    def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """Translations of `texts` from `source` to `target` (ISO 639-1), in order."""
        results = self.try_translate(texts, source, target)
        failures = {i: r for i, r in enumerate(results) if isinstance(r, TranslationFailure)}
        if failures:
            raise TranslationError({i: f.reason for i, f in failures.items()}, source, target)
        return [r for r in results if isinstance(r, str)]

    def try_translate(self, texts: Sequence[str], source: str, target: str) -> list[str | TranslationFailure]:
        """Like `translate`, but a failed text yields a `TranslationFailure` in its place."""
        if source == target:
            return list(texts)
        out: list[str | TranslationFailure | None] = [None] * len(texts)
        keys = [cache_key(self.name, "", self.cache_params(source, target), t) for t in texts]
        missing: dict[str, list[int]] = {}  # text -> indices (duplicates translated once)
        for i, (text, key) in enumerate(zip(texts, keys, strict=True)):
            hit = self.cache.get(key)
            if hit is not None:
                out[i] = hit["translation"]
            else:
                missing.setdefault(text, []).append(i)
        todo = list(missing)
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start:start + self.batch_size]
            try:
                translations = self._translate_batch(batch, source, target)
            except (ImportError, OSError, LLMConfigError):
                raise  # a missing package, model or credential: no item can succeed
            except Exception as exc:  # a service or model error: this batch fails, others go on
                transient = is_transient(exc)  # a 503 or a timeout: a later run retries it
                for text in batch:
                    for i in missing[text]:
                        out[i] = TranslationFailure(f"{type(exc).__name__}: {exc}", transient=transient)
                continue
            for text, translation in zip(batch, translations, strict=True):
                for i in missing[text]:
                    out[i] = translation
                self.cache.put(keys[missing[text][0]], {"translation": translation}, backend=self.name)
        return [o for o in out if o is not None]

    def cache_params(self, source: str, target: str) -> dict[str, Any]:
        return {"source": source, "target": target}

    @abstractmethod
    def _translate_batch(self, texts: list[str], source: str, target: str) -> list[str]:
        """Translate a batch (no caching here); raise on failure."""


class _TranslationReply(BaseModel):
    translation: str = Field(min_length=1)


class LLMTranslator(Translator):
    """Translation by an LLM (`gemini:`/`openai:` specs); caching is the LLM client's."""

    def __init__(self, llm: LLMClient, *, stage: str = "translate"):
        super().__init__()
        self.llm = llm
        self.name = llm.spec
        self.stage = stage

    @staticmethod
    def prompt(text: str, source: str, target: str) -> str:
        src, tgt = LANGUAGE_NAMES.get(source, source), LANGUAGE_NAMES.get(target, target)
        return (
            f"Translate the following {src} text into {tgt}. Translate faithfully: keep numbers, "
            f"names, formulas and technical terms; do not answer or explain it.\n"
            f'Reply with JSON only: {{"translation": "<the {tgt} text>"}}\n\n'
            f"Text:\n{text}"
        )

    def try_translate(self, texts: Sequence[str], source: str, target: str) -> list[str | TranslationFailure]:
        if source == target:
            return list(texts)
        requests = [LLMRequest(self.prompt(t, source, target), _TranslationReply, stage=self.stage) for t in texts]
        return [
            r.value["translation"] if r.ok and r.value
            else TranslationFailure(f"{r.error.kind}: {r.error.reason}", transient=r.error.kind == "api_error")
            for r in self.llm.map(requests)
        ]

    def cache_params(self, source: str, target: str) -> dict[str, Any]:
        # Not a cache key here (the LLM client keys its own calls): what changes the output, for
        # pipeline fingerprints. The prompt with a placeholder for the text stands for its template.
        return {**super().cache_params(source, target), **self.llm.cache_params(),
                "prompt": self.prompt("{text}", source, target)}

    def _translate_batch(self, texts: list[str], source: str, target: str) -> list[str]:
        raise AssertionError("LLMTranslator translates through try_translate")


class GoogleCloudTranslator(Translator):
    """Cloud Translation API v3 (`google-cloud:<project-id>`); `client` injectable for tests."""

    # Google's codes for the languages whose ISO 639-1 code it reads differently.
    CODES: ClassVar[dict[str, str]] = {"zh": "zh-CN"}

    def __init__(self, project_id: str, *, location: str = "global", client: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.name = f"google-cloud:{project_id}"
        self.parent = f"projects/{project_id}/locations/{location}"
        if client is None:
            try:
                from google.cloud import translate_v3
            except ImportError as exc:
                raise ImportError("google-cloud translation needs: pip install 'xtvqa-build[translate]'") from exc
            client = translate_v3.TranslationServiceClient()
        self.client = client

    def _translate_batch(self, texts: list[str], source: str, target: str) -> list[str]:
        response = self.client.translate_text(request={
            "parent": self.parent, "contents": texts, "mime_type": "text/plain",
            "source_language_code": self.CODES.get(source, source),
            "target_language_code": self.CODES.get(target, target),
        })
        return [t.translated_text for t in response.translations]


class TransformersTranslator(Translator):
    """A local seq2seq model: Marian (one direction per model), NLLB or M2M100 (many)."""

    def __init__(self, model_id: str, *, device: str = "cpu", max_new_tokens: int = 256,
                 num_beams: int = 1, **kwargs: Any):
        super().__init__(**kwargs)
        self.model_id = model_id
        self.name = f"hf:{model_id}"
        self.device = device
        self.max_new_tokens = max_new_tokens
        self.num_beams = num_beams
        self._loaded: dict[str, tuple[Any, Any]] = {}

    def cache_params(self, source: str, target: str) -> dict[str, Any]:
        return {**super().cache_params(source, target), "num_beams": self.num_beams,
                "max_new_tokens": self.max_new_tokens}

    def _load(self, source: str, target: str) -> tuple[Any, Any]:
        model_id = self.model_id.format(src=source, tgt=target)
        if model_id not in self._loaded:
            try:
                from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
            except ImportError as exc:
                raise ImportError("the hf translator needs transformers and torch installed") from exc
            tokenizer = AutoTokenizer.from_pretrained(model_id)
            model = AutoModelForSeq2SeqLM.from_pretrained(model_id).to(self.device).eval()
            self._loaded[model_id] = (tokenizer, model)
        return self._loaded[model_id]

    def _translate_batch(self, texts: list[str], source: str, target: str) -> list[str]:
        import torch

        tokenizer, model = self._load(source, target)
        generate_kwargs: dict[str, Any] = {"max_new_tokens": self.max_new_tokens, "num_beams": self.num_beams}
        if "nllb" in type(tokenizer).__name__.lower():  # NLLB: FLORES-200 language tokens
            tokenizer.src_lang = FLORES[source]
            generate_kwargs["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids(FLORES[target])
        elif hasattr(tokenizer, "get_lang_id"):  # M2M100: ISO codes
            tokenizer.src_lang = source
            generate_kwargs["forced_bos_token_id"] = tokenizer.get_lang_id(target)
        batch = tokenizer(texts, return_tensors="pt", padding=True, truncation=True).to(self.device)
        with torch.inference_mode():
            output = model.generate(**batch, **generate_kwargs)  # [batch, out_len]
        return [t.strip() for t in tokenizer.batch_decode(output, skip_special_tokens=True)]
