"""A model folder's `xtvqa_prompt.json` sets its prompt (the bundled model reads OCR tokens).

Run: uv run nox -s models -- -k prompt
"""

import shutil

import pytest
from xtvqa_data import EvalItem
from xtvqa_models import PromptConfig, load_model
from xtvqa_models.prompts import ANSWER_IN, LANGUAGE_NAMES, answer_in


def test_model_folder_prompt_file_is_applied(tiny_dirs, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_dirs["qwen2-vl"], folder)
    assert load_model(f"hf:{folder}").prompt.use_ocr_tokens is False
    PromptConfig(use_ocr_tokens=True, max_ocr_tokens=7).save(folder)
    model = load_model(f"hf:{folder}")
    assert model.prompt.use_ocr_tokens is True and model.prompt.max_ocr_tokens == 7
    explicit = load_model(f"hf:{folder}", prompt=PromptConfig())
    assert explicit.prompt.use_ocr_tokens is False
    (folder / "xtvqa_prompt.json").write_text('{"use_ocr_token": true}')
    with pytest.raises(ValueError, match="use_ocr_token"):
        load_model(f"hf:{folder}")


def test_ocr_tokens_enter_the_prompt_in_the_question_language(items):
    item = items[0].with_ocr_tokens(["Price:", "12"])
    assert isinstance(item, EvalItem)
    text = PromptConfig(use_ocr_tokens=True).text(item)
    assert "Price: 12" in text and text.index("Price") < text.index(item.question)
    assert "Price" not in PromptConfig().text(item)


def test_ocr_separator_sets_where_strings_end_and_survives_the_prompt_file(items, tmp_path):
    item = items[0].with_ocr_tokens(["Hot chocolate", "$6"])
    assert "Hot chocolate $6\n" in PromptConfig(use_ocr_tokens=True).text(item)  # default: spaces
    lines = PromptConfig(use_ocr_tokens=True, ocr_separator="\n", ocr_granularity="line").text(item).split("\n")
    assert lines[1:3] == ["Hot chocolate", "$6"]  # the header alone on its line, then one string per line
    PromptConfig(use_ocr_tokens=True, ocr_separator="\n", ocr_granularity="line").save(tmp_path)
    loaded = PromptConfig.from_model_dir(tmp_path)
    assert (loaded.ocr_separator, loaded.ocr_granularity) == ("\n", "line")


def test_ocr_granularity_keeps_engine_lines_whole_or_splits_them_into_words(items):
    # An OCR engine returns lines; dataset tokens may be lines too. A word-reading model gets
    # words (TextVQA-style), a line-reading one (the bundled model) the lines as they are.
    item = items[0].with_ocr_tokens(["Departures · Venice", "IC  9538", " ", "4\n5"])
    words = PromptConfig(use_ocr_tokens=True, ocr_separator="\n").text(item).split("\n")
    assert words[1:8] == ["Departures", "·", "Venice", "IC", "9538", "4", "5"]
    lines = PromptConfig(use_ocr_tokens=True, ocr_separator="\n", ocr_granularity="line").text(item).split("\n")
    assert lines[1:4] == ["Departures · Venice", "IC  9538", "4 5"]  # as given; blanks dropped, one line each
    capped = PromptConfig(use_ocr_tokens=True, ocr_separator="\n", max_ocr_tokens=2)
    assert capped.ocr_strings(item.ocr_tokens) == ["Departures", "·"]  # the cap counts the strings shown
    assert PromptConfig(ocr_granularity="line", max_ocr_tokens=2).ocr_strings(item.ocr_tokens) == ["Departures · Venice", "IC  9538"]
    with pytest.raises(ValueError, match="ocr_granularity"):
        PromptConfig(ocr_granularity="char")
    # A prompt file from before the field: one string per line meant lines (the bundled reader).
    assert PromptConfig.from_dict({"use_ocr_tokens": True, "ocr_separator": "\n"}).ocr_granularity == "line"
    assert PromptConfig.from_dict({"use_ocr_tokens": True}).ocr_granularity == "word"
    with pytest.raises(ValueError, match="max_ocr_tokens"):
        PromptConfig(max_ocr_tokens=0)


def test_answer_in_is_written_in_the_question_language(items):
    assert answer_in("en", "zh") == "Answer in Chinese."
    assert answer_in("fr", "en") == "Répondez en anglais."
    assert answer_in("zh", "fr") == "请用法语回答。"
    assert answer_in("ru", "de") == "Ответьте на немецком языке."
    assert answer_in("xx", "en") == "Answer in English."  # a language without a table: English
    languages = sorted(LANGUAGE_NAMES)
    assert sorted(ANSWER_IN) == languages
    for q in languages:
        assert sorted(LANGUAGE_NAMES[q]) == languages
        sentences = {answer_in(q, a) for a in languages}
        assert len(sentences) == len(languages)  # every answer language named apart
    item = items[0]
    plain = PromptConfig().text(item)
    assert PromptConfig().text(item, answer_lang=item.question_lang) == plain  # its own language: no line
    other = next(lang for lang in ANSWER_IN if lang != item.question_lang)
    assert PromptConfig().text(item, answer_lang=other) == plain + "\n" + answer_in(item.question_lang, other)
