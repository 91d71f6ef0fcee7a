"""The prompt every model gets (DESIGN.md section 4): the question, then a short instruction
written in the question's language to answer with a single word or phrase (yes/no for yes-no
items), optionally preceded by the image's OCR tokens (the paper's Table 1 marks such models *).

The instructions are authored per language (not machine-translated). A run may override any of
them; the exact `PromptConfig` goes into `results.json`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from xtvqa_data import EvalItem

# A model folder may carry the prompt it was trained with (e.g. the bundled model reads OCR
# tokens): `<folder>/xtvqa_prompt.json` holds PromptConfig fields; the hf backend applies it.
PROMPT_FILE = "xtvqa_prompt.json"

# Answer with a single word or phrase.
SHORT_ANSWER: dict[str, str] = {
    "en": "Answer the question using a single word or phrase.",
    "zh": "请用一个词或短语回答问题。",
    "fr": "Répondez à la question par un seul mot ou une courte expression.",
    "de": "Beantworte die Frage mit einem einzigen Wort oder einer kurzen Wortgruppe.",
    "es": "Responde a la pregunta con una sola palabra o frase corta.",
    "ja": "質問に一語または短いフレーズで答えてください。",
    "ko": "질문에 한 단어 또는 짧은 구로 답하세요.",
    "ru": "Ответьте на вопрос одним словом или короткой фразой.",
}

# Answer yes or no (the words the model should use are the image-language ones it can score).
YES_NO: dict[str, str] = {
    "en": "Answer with yes or no.",
    "zh": "请回答“是”或“否”。",
    "fr": "Répondez par oui ou par non.",
    "de": "Antworte mit Ja oder Nein.",
    "es": "Responde con sí o no.",
    "ja": "「はい」か「いいえ」で答えてください。",
    "ko": "예 또는 아니요로 답하세요.",
    "ru": "Ответьте «да» или «нет».",
}

# "Answer in <language>.", in the question's language: what MVCL-MI's cross views add (the paper's
# y^{src-tgt} is "queried in source language and asks the model answer in the target
# language"). Evaluation never asks for an answer language (DESIGN.md section 4).
ANSWER_IN: dict[str, str] = {
    "en": "Answer in {language}.",
    "zh": "请用{language}回答。",
    "fr": "Répondez en {language}.",
    "de": "Antworte auf {language}.",
    "es": "Responde en {language}.",
    "ja": "{language}で答えてください。",
    "ko": "{language}로 답하세요.",  # every name below ends in 어: 로, never 으로
    "ru": "Ответьте на {language} языке.",
}

# LANGUAGE_NAMES[question language][answer language], as ANSWER_IN's sentence needs it (Russian
# in the prepositional case).
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "zh": "Chinese", "fr": "French", "de": "German", "es": "Spanish",
           "ja": "Japanese", "ko": "Korean", "ru": "Russian"},
    "zh": {"en": "英语", "zh": "中文", "fr": "法语", "de": "德语", "es": "西班牙语", "ja": "日语",
           "ko": "韩语", "ru": "俄语"},
    "fr": {"en": "anglais", "zh": "chinois", "fr": "français", "de": "allemand", "es": "espagnol",
           "ja": "japonais", "ko": "coréen", "ru": "russe"},
    "de": {"en": "Englisch", "zh": "Chinesisch", "fr": "Französisch", "de": "Deutsch", "es": "Spanisch",
           "ja": "Japanisch", "ko": "Koreanisch", "ru": "Russisch"},
    "es": {"en": "inglés", "zh": "chino", "fr": "francés", "de": "alemán", "es": "español",
           "ja": "japonés", "ko": "coreano", "ru": "ruso"},
    "ja": {"en": "英語", "zh": "中国語", "fr": "フランス語", "de": "ドイツ語", "es": "スペイン語",
           "ja": "日本語", "ko": "韓国語", "ru": "ロシア語"},
    "ko": {"en": "영어", "zh": "중국어", "fr": "프랑스어", "de": "독일어", "es": "스페인어",
           "ja": "일본어", "ko": "한국어", "ru": "러시아어"},
    "ru": {"en": "английском", "zh": "китайском", "fr": "французском", "de": "немецком",
           "es": "испанском", "ja": "японском", "ko": "корейском", "ru": "русском"},
}


def answer_in(question_lang: str, answer_lang: str) -> str:
    """The sentence "Answer in <answer_lang>." written in `question_lang` (in English where the
    question's language has no table; an answer language without a name is named by its code)."""
    lang = question_lang if question_lang in ANSWER_IN else "en"
    name = LANGUAGE_NAMES[lang].get(answer_lang, answer_lang)
    return ANSWER_IN[lang].format(language=name)


OCR_GRANULARITIES = ("word", "line")

# Header of the OCR-token line ("OCR tokens:").
OCR_HEADER: dict[str, str] = {
    "en": "OCR tokens:",
    "zh": "OCR 文本：",
    "fr": "Texte OCR :",
    "de": "OCR-Text:",
    "es": "Texto OCR:",
    "ja": "OCRテキスト：",
    "ko": "OCR 텍스트:",
    "ru": "Текст OCR:",
}


@dataclass(frozen=True)
class PromptConfig:
    """How a question becomes the user turn's text. Missing languages fall back to English."""

    short_answer: Mapping[str, str] = field(default_factory=lambda: dict(SHORT_ANSWER))
    yes_no: Mapping[str, str] = field(default_factory=lambda: dict(YES_NO))
    ocr_header: Mapping[str, str] = field(default_factory=lambda: dict(OCR_HEADER))
    use_ocr_tokens: bool = False
    max_ocr_tokens: int = 64  # OCR strings shown (words or lines, after `ocr_granularity`'s split)
    # Between OCR strings. A space (the default, as LLaVA-style OCR prompts do) lets "Ice cream"
    # read as two strings; a model trained with another separator declares it in its folder.
    ocr_separator: str = " "
    # What one OCR string is: "word" (TextVQA-style OCR tokens: an OCR line split at whitespace,
    # what hub models with OCR prompts were given) or "line" (a recognised line whole, "Ice cream"
    # one string: the bundled model was trained on the generator's strings, which are lines).
    # OCR engines return lines; the dataset's own tokens are used as shipped and split the same
    # way, so the engine's and the dataset's tokens reach the model alike.
    ocr_granularity: str = "word"

    def __post_init__(self) -> None:
        if self.ocr_granularity not in OCR_GRANULARITIES:
            raise ValueError(f"ocr_granularity must be one of {OCR_GRANULARITIES}, got {self.ocr_granularity!r}")
        if self.max_ocr_tokens < 1:
            raise ValueError(f"max_ocr_tokens must be >= 1, got {self.max_ocr_tokens}")

    def ocr_strings(self, tokens: Sequence[str]) -> list[str]:
        """The OCR strings the prompt shows for `tokens` (lines or words), at most `max_ocr_tokens`."""
        if self.ocr_granularity == "word":
            strings = [word for token in tokens for word in token.split()]
        else:  # a line as recognised (a line break inside it would end its line: a space instead)
            strings = [" ".join(token.splitlines()) for token in tokens if token.strip()]
        return strings[: self.max_ocr_tokens]

    def instruction(self, item: EvalItem) -> str:
        table = self.yes_no if item.record.question_type == "yes-no" else self.short_answer
        return table.get(item.question_lang) or table["en"]

    def text(self, item: EvalItem, answer_lang: str | None = None) -> str:
        """The user-turn text for `item` (the image is passed separately, before it). With an
        `answer_lang` other than the question's, a last line asks for the answer in that language
        (`answer_in`: training's cross views; evaluation passes none)."""
        parts = []
        if self.use_ocr_tokens and item.ocr_tokens:
            header = self.ocr_header.get(item.question_lang) or self.ocr_header["en"]
            lead = "\n" if "\n" in self.ocr_separator else " "  # one string per line: the first too
            parts.append(header + lead + self.ocr_separator.join(self.ocr_strings(item.ocr_tokens)))
        parts.append(item.question)
        parts.append(self.instruction(item))
        if answer_lang is not None and answer_lang != item.question_lang:
            parts.append(answer_in(item.question_lang, answer_lang))
        return "\n".join(parts)

    def to_dict(self) -> dict:
        return {
            "short_answer": dict(self.short_answer),
            "yes_no": dict(self.yes_no),
            "ocr_header": dict(self.ocr_header),
            "use_ocr_tokens": self.use_ocr_tokens,
            "max_ocr_tokens": self.max_ocr_tokens,
            "ocr_separator": self.ocr_separator,
            "ocr_granularity": self.ocr_granularity,
        }

    @classmethod
    def from_dict(cls, data: Mapping) -> PromptConfig:
        """A config from `to_dict()`-style data; unknown keys are an error (a typo would be silent)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown prompt setting(s) {unknown}; known: {sorted(known)}")
        data = dict(data)
        if "ocr_granularity" not in data and "\n" in data.get("ocr_separator", ""):
            # Written before the field existed: one OCR string per line was the bundled reader's
            # format (its folders and the tiny-mvcl models fine-tuned from it), fed lines.
            data["ocr_granularity"] = "line"
        return cls(**data)

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / PROMPT_FILE
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_model_dir(cls, folder: str | Path) -> PromptConfig | None:
        """The prompt a local model folder asks for (its `xtvqa_prompt.json`), or None."""
        path = Path(folder) / PROMPT_FILE
        if not path.is_file():
            return None
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}: {error}") from None
