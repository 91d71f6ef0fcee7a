"""The bundled model's recipe code at toy size: language mix, answer-only loss, model folder.

Run: uv run pytest packages/xtvqa-train/tests/test_recipes.py -q
"""

from __future__ import annotations

import json
import random
from collections import Counter
from contextlib import nullcontext

import pytest
import torch
from xtvqa_data import EvalItem
from xtvqa_data.synth import generate
from xtvqa_models.prompts import PromptConfig
from xtvqa_train.ocr_reader import ReaderSize, build_ocr_reader
from xtvqa_train.pretrain import (
    IGNORE_INDEX,
    AnswerCETrainer,
    AnswerDataset,
    LanguageMix,
    collate_answers,
)
from xtvqa_train.recipes import TinyBase
from xtvqa_train.tiny_base import train_tiny_base

TOY = ReaderSize(vocab_size=600, hidden_size=32, num_layers=1)


@pytest.fixture(scope="module")
def records():
    return list(generate(12, seed=1000, split="train"))


@pytest.fixture(scope="module")
def reader(records):
    return build_ocr_reader("toy", records, size=TOY, seed=0)


def test_language_mix_matches_its_probabilities(records):
    mix = LanguageMix(source=0.75, english_weight=3.0)
    zh = next(r for r in records if r.image_lang == "zh")
    rng = random.Random(0)
    counts = Counter(mix.draw(zh, rng) for _ in range(40000))
    # 7 other languages, English weight 3 of 9: P(en) = 0.25 * 3/9, P(fr) = 0.25 * 1/9
    assert counts["zh"] / 40000 == pytest.approx(0.75, abs=0.01)
    assert counts["en"] / 40000 == pytest.approx(0.25 / 3, abs=0.006)
    assert counts["fr"] / 40000 == pytest.approx(0.25 / 9, abs=0.004)


def test_tokenizer_merges_cjk_bytes_and_keeps_digits_one_each(reader, records):
    _, processor = reader
    tok = processor.tokenizer
    assert tok.tokenize("2018") == ["2", "0", "1", "8"]
    zh_question = next(r for r in records if r.image_lang == "zh").question["zh"]
    assert len(tok(zh_question)["input_ids"]) < 0.75 * len(zh_question.encode())  # merges across bytes


def test_items_are_the_benchmark_prompt_plus_the_answer(reader, records):
    _model, processor = reader
    prompt = PromptConfig(use_ocr_tokens=True)
    data = AnswerDataset(records, processor, mix=LanguageMix(), epochs=2, seed=3, prompt=prompt, image_size=28)
    assert len(data) == 24 and len(data.lengths) == 24
    k = 5
    item, lang = data[k], data.language(k)
    assert data.language(k) == lang  # a pure function of (seed, k)
    text = processor.tokenizer.decode(item["prompt_ids"])
    assert "OCR" in text and records[k].question[lang] in text
    answer = processor.tokenizer.decode(item["answer_ids"])
    assert answer == records[k].answers[lang][0] + "<|im_end|>"


def test_collated_answers_start_in_one_column_and_the_loss_sees_only_them(reader, records):
    model, processor = reader
    data = AnswerDataset(records[:4], processor, mix=LanguageMix(), epochs=1, seed=0,
                         prompt=PromptConfig(use_ocr_tokens=True), image_size=28)
    features = [data[i] for i in range(4)]
    batch = collate_answers(features, processor.tokenizer.pad_token_id)
    first = max(len(f["prompt_ids"]) for f in features)
    for row, f in zip(batch["labels"], features, strict=True):
        assert (row[:first] == IGNORE_INDEX).all()
        assert row[first : first + len(f["answer_ids"])].tolist() == f["answer_ids"].tolist()
    # The trainer's loss equals a direct CE over the full logits at the answer positions.
    trainer = AnswerCETrainer.__new__(AnswerCETrainer)
    model.eval()
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
        full = model(**{k: v for k, v in batch.items() if k != "labels"}).logits
        shifted = batch["labels"][:, 1:]
        direct = torch.nn.functional.cross_entropy(full[:, :-1].flatten(0, 1), shifted.flatten(),
                                                   ignore_index=IGNORE_INDEX)
    assert loss.item() == pytest.approx(direct.item(), rel=1e-5)


def test_toy_recipe_writes_a_loadable_ocr_reading_model(tmp_path):
    from xtvqa_models import load_model

    recipe = TinyBase(records=24, tokenizer_records=24, epochs=1, batch_size=8, vocab_size=600,
                      hidden_size=32, num_layers=1, threads=1)
    out = train_tiny_base(recipe, tmp_path / "model", lambda _label: nullcontext(lambda _d, _t: None))
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert summary["global_step"] == 3 and summary["train_samples"] == 24
    assert json.loads((out / "xtvqa_prompt.json").read_text())["use_ocr_tokens"] is True
    model = load_model(f"hf:{out}")
    assert model.prompt.use_ocr_tokens
    record = next(iter(generate(1, seed=0, split="test")))
    assert len(model.generate([EvalItem(record, "en")], max_new_tokens=3)) == 1
