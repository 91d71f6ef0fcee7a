"""The bundled model's recipe code at toy size: language mix, answer-only loss, model folder.

Run: uv run pytest packages/xtvqa-reader/tests/test_recipes.py -q
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
from xtvqa_models.tiny.tokenizer import train_bpe
from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader
from xtvqa_reader.pretrain import (
    IGNORE_INDEX,
    AnswerCETrainer,
    AnswerDataset,
    LanguageMix,
    PhasedLengthSampler,
    Phases,
    collate_answers,
    token_counts,
)
from xtvqa_reader.recipes import TINY_BASE_CUDA, TinyBase, TinyMVCL
from xtvqa_reader.tiny_base import train_tiny_base

from conftest import REPO

BUNDLED = REPO / "data" / "models" / "xtvqa-tiny-ocr"

TOY = ReaderSize(vocab_size=600, hidden_size=32, num_layers=1)


def _quiet(_label):
    """A progress reporter that reports nothing."""
    return nullcontext(lambda _done, _total: None)


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


def test_tokenizer_merges_cjk_bytes_and_keeps_numbers_whole(records):
    _, processor = build_ocr_reader("toy", records, size=ReaderSize(vocab_size=3000, hidden_size=32, num_layers=1))
    tok = processor.tokenizer
    assert [tok.tokenize(n) for n in ("2018", "7", "06")] == [["2018"], ["7"], ["06"]]
    zh_question = next(r for r in records if r.image_lang == "zh").question["zh"]
    assert len(tok(zh_question)["input_ids"]) < 0.75 * len(zh_question.encode())  # merges across bytes
    digits = train_bpe(["2018 2018 2018"], vocab_size=400, special_tokens=["<s>"])  # the tiny families' option
    assert digits.encode("2018").tokens == ["2", "0", "1", "8"]


def test_the_reader_reads_the_generators_strings_as_lines(records):
    # Its OCR block is the generator's strings, one a line, as it was trained before the prompt
    # config named the granularity; an engine's line "IC 9538" stays one string (not two words).
    for record in records:
        item = EvalItem(record, record.image_lang)
        block = READER_PROMPT.text(item).split("\n")[1 : 1 + len(record.ocr_tokens)]
        assert block == list(record.ocr_tokens)[: READER_PROMPT.max_ocr_tokens], record.id
    assert READER_PROMPT.ocr_strings(["IC 9538", "Hot chocolate"]) == ["IC 9538", "Hot chocolate"]


def test_a_name_has_the_same_tokens_in_the_ocr_lines_the_question_and_the_answer(reader, records):
    """The reader's prompt puts one OCR string per line, so an answer copied from the image is a
    run of the prompt's own token ids (with " " between strings it would start with a space token)."""
    _, processor = reader
    tok = processor.tokenizer
    data = AnswerDataset(records, processor, mix=LanguageMix(), epochs=1, seed=0, prompt=READER_PROMPT, image_size=28)

    def contains(ids: list[int], run: list[int]) -> bool:
        return any(ids[i : i + len(run)] == run for i in range(len(ids) - len(run) + 1))

    copied = [r for r in records if r.answers[r.image_lang][0] in r.ocr_tokens]
    assert len(copied) >= 4
    for record in copied:
        item = data.encode(record, record.image_lang)
        answer = item["answer_ids"][:-1].tolist()  # without the end of turn
        assert contains(item["prompt_ids"].tolist(), answer), (record.id, tok.decode(answer))
    # French guillemets enclose the name in spaces; the tokenizer drops them (encoding only).
    assert tok("« Judo »")["input_ids"] == tok("«Judo»")["input_ids"]
    ocr_line = tok("\nJudo\n")["input_ids"]
    assert contains(tok("pour « Judo » ?")["input_ids"], ocr_line[1:-1])


def test_token_counts_are_the_tokenizers_own(reader, records):
    """The Rust fast path counts what the tokenizer's call encodes, and a tokenizer without a
    backend falls back to that call."""
    processor = reader[1]
    texts = [r.question[lang] + "\n" + "\n".join(r.ocr_tokens) for r in records for lang in r.question]
    texts += ["", "« Judo »", "<|im_start|>user\nx<|im_end|>"]
    expected = [len(ids) for ids in processor.tokenizer(texts, add_special_tokens=False)["input_ids"]]
    assert token_counts(processor.tokenizer, texts) == expected

    class CallOnly:  # a tokenizer with no Rust backend: only its call
        def __call__(self, texts, add_special_tokens):
            return processor.tokenizer(texts, add_special_tokens=add_special_tokens)

    assert token_counts(CallOnly(), texts) == expected
    assert min(expected) == 0 and max(expected) > 20  # the cases differ: the comparison can fail


def test_items_are_the_benchmark_prompt_plus_the_answer(reader, records):
    _model, processor = reader
    prompt = PromptConfig(use_ocr_tokens=True)
    data = AnswerDataset(records, processor, mix=LanguageMix(), epochs=2, seed=3, prompt=prompt, image_size=28)
    assert len(data) == 24 and len(data.lengths) == 24
    assert data.record_lengths == [len(data.encode(r, r.image_lang)["prompt_ids"]) for r in records]
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
    # With the prompt loss: plus w x the mean CE of every attended text token of the prompts
    # (not padding, not the image placeholder tokens) given the tokens before it.
    trainer.prompt_loss_weight = 0.5
    with torch.no_grad():
        both = trainer.compute_loss(model, dict(batch))
    ids, mask, types = batch["input_ids"], batch["attention_mask"].bool(), batch["mm_token_type_ids"]
    terms = [-torch.log_softmax(full[b, t - 1], -1)[ids[b, t]] for b in range(ids.shape[0]) for t in range(1, first)
             if mask[b, t] and mask[b, t - 1] and types[b, t] == 0]
    assert len(terms) > 10 * ids.shape[0]
    assert both.item() == pytest.approx(direct.item() + 0.5 * torch.stack(terms).mean().item(), rel=1e-5)


def test_collator_positions_are_the_models_own_for_one_token_images(reader, records):
    model, processor = reader
    data = AnswerDataset(records[:5], processor, mix=LanguageMix(), epochs=1, seed=0, prompt=READER_PROMPT,
                         image_size=28)
    features = [data[i] for i in range(5)]  # prompts of different lengths: left padding
    plain = collate_answers(features, processor.tokenizer.pad_token_id)
    positioned = collate_answers(features, processor.tokenizer.pad_token_id, text_positions=True)
    assert (plain["attention_mask"] == 0).any()
    model.eval()
    with torch.no_grad():
        rope, _ = model.model.get_rope_index(plain["input_ids"], plain["mm_token_type_ids"], plain["image_grid_thw"],
                                              attention_mask=plain["attention_mask"])
        mask = plain["attention_mask"].bool()
        assert all(torch.equal(rope[axis][mask], positioned["position_ids"][mask]) for axis in range(3))
        a = model(**{k: v for k, v in plain.items() if k != "labels"}).logits
        b = model(**{k: v for k, v in positioned.items() if k != "labels"}).logits
    assert torch.allclose(a[mask], b[mask], atol=1e-5)
    bigger = [dict(f, mm_token_type_ids=f["mm_token_type_ids"].clone()) for f in features]
    bigger[0]["mm_token_type_ids"][-3:] = 1  # as if its image were three visual tokens
    with pytest.raises(ValueError, match="one visual token"):
        collate_answers(bigger, processor.tokenizer.pad_token_id, text_positions=True)


def test_the_curriculum_trains_its_phases_in_order_shuffled_within(reader, records):
    _, processor = reader
    first, second = (AnswerDataset(chunk, processor, mix=LanguageMix(), epochs=epochs, seed=0, prompt=READER_PROMPT,
                                   image_size=28) for chunk, epochs in ((records[:4], 2), (records[4:], 1)))
    phases = Phases([first, second])
    assert len(phases) == 16 and phases.phase_lengths == [first.lengths, second.lengths]
    assert torch.equal(phases[9]["answer_ids"], second[1]["answer_ids"])
    order = list(PhasedLengthSampler(4, phases.phase_lengths, torch.Generator().manual_seed(0)))
    assert sorted(order[:8]) == list(range(8)) and sorted(order[8:]) == list(range(8, 16))
    assert order[:8] != list(range(8))  # shuffled within the phase
    with pytest.raises(IndexError):
        phases[16]


def test_toy_recipe_writes_a_loadable_ocr_reading_model(tmp_path):
    from xtvqa_models import load_model

    recipe = TinyBase(records=24, copy_records=8, copy_epochs=2, tokenizer_records=24, epochs=1, batch_size=8,
                      vocab_size=600, hidden_size=32, num_layers=1, threads=1, data_workers=0, generate_workers=1,
                      echo_samples=8)
    out = train_tiny_base(recipe, tmp_path / "model", _quiet)
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert summary["global_step"] == 6 and summary["train_samples"] == 8 + 16 + 24
    assert summary["model_name"] == "model" and str(tmp_path) not in json.dumps(summary)  # no path of this machine
    assert json.loads((out / "xtvqa_prompt.json").read_text())["ocr_separator"] == "\n"
    # the card names the module whose settings built it
    assert summary["settings_module"] == "xtvqa_reader.recipes" and "`xtvqa_reader.recipes.TinyBase`" in (
        out / "README.md").read_text()
    model = load_model(f"hf:{out}")
    assert model.prompt.use_ocr_tokens
    record = next(iter(generate(1, seed=0, split="test")))
    assert len(model.generate([EvalItem(record, "en")], max_new_tokens=3)) == 1


def test_a_saved_reader_declares_the_prompt_it_is_given(reader, tmp_path):
    from dataclasses import replace

    from xtvqa_models.prompts import PromptConfig
    from xtvqa_reader.ocr_reader import save_reader

    model, processor = reader
    assert PromptConfig.from_model_dir(save_reader(model, processor, tmp_path / "own")) == READER_PROMPT
    other = replace(READER_PROMPT, max_ocr_tokens=12)
    assert PromptConfig.from_model_dir(save_reader(model, processor, tmp_path / "other", prompt=other)) == other


def test_time_budget_stops_the_recipe_and_the_summary_says_so(tmp_path):
    recipe = TinyBase(records=24, copy_records=8, copy_epochs=2, tokenizer_records=24, epochs=1, batch_size=8,
                      vocab_size=600, hidden_size=32, num_layers=1, threads=1, data_workers=0, generate_workers=1,
                      echo_samples=8, time_budget_s=1e-9)
    out = train_tiny_base(recipe, tmp_path / "model", _quiet)
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert summary["stopped_by_time_budget"] is True
    assert [h["held_out"]["step"] for h in summary["log_history"] if "held_out" in h] == [1]
    assert summary["global_step"] == 1 and summary["planned_steps"] == 6 and summary["train_samples"] == 8
    assert (out / "model.safetensors").is_file()


def test_max_steps_ends_the_recipe_and_its_schedule_there(tmp_path, monkeypatch):
    """`max_steps` (`apps/train --recipe tiny-base --max-steps N`): N steps, the cosine over them
    (the rate reaches 0 at the last step, unlike the planned schedule cut short); more steps
    than the data gives, or fewer than 1, are refused."""
    import xtvqa_reader.tiny_base as tiny_base

    small = dict(records=24, copy_records=8, copy_epochs=2, tokenizer_records=24, epochs=2, batch_size=8,
                 vocab_size=600, hidden_size=32, num_layers=1, threads=1, data_workers=0, generate_workers=1,
                 echo_samples=8, held_out_records=4, warmup_ratio=0.0)
    factors, cosine = [], tiny_base.budget_cosine

    def recorded(warmup, total, deadline, **kwargs):
        schedule = cosine(warmup, total, deadline, **kwargs)
        return lambda step: factors.append((step, total, schedule(step))) or factors[-1][2]

    monkeypatch.setattr(tiny_base, "budget_cosine", recorded)
    out = train_tiny_base(TinyBase(**small, max_steps=4, time_budget_s=600.0), tmp_path / "model", _quiet)
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert (summary["global_step"], summary["planned_steps"], summary["train_samples"]) == (4, 4, 32)
    assert summary["settings"]["max_steps"] == 4 and summary["stopped_by_time_budget"] is False
    assert summary["schedule_followed_the_clock"] is False  # the budget (600 s) only stops it
    # the rate the steps took: the cosine over 4 steps, 0.5 (1 + cos(pi k / 4)), not over the 9 planned
    assert {total for _, total, _ in factors} == {4}
    by_step = {step: round(f, 6) for step, _, f in factors}  # LambdaLR asks for a step more than once
    assert by_step == {0: 1.0, 1: 0.853553, 2: 0.5, 3: 0.146447, 4: 0.0}  # 0 after the last step
    assert "--max-steps 4" in (out / "README.md").read_text()
    with pytest.raises(ValueError, match=r"max_steps 99 is more than the recipe's data gives \(9 steps"):
        train_tiny_base(TinyBase(**small, max_steps=99), tmp_path / "too-many", _quiet)
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        TinyBase(max_steps=0)


def test_time_budget_must_be_positive():
    from xtvqa_reader.tiny_base import TimeBudget

    with pytest.raises(ValueError, match="positive"):
        TimeBudget(0)


def test_tiny_base_profile_follows_the_device():
    from xtvqa_reader.recipes import TINY_BASE_CUDA, tiny_base_settings

    assert tiny_base_settings(cuda=False) == TinyBase()
    assert tiny_base_settings(cuda=True) is TINY_BASE_CUDA
    # same data and model on both; the GPU profile only runs more of it
    cpu = TinyBase()
    assert (TINY_BASE_CUDA.seed, TINY_BASE_CUDA.vocab_size, TINY_BASE_CUDA.hidden_size, TINY_BASE_CUDA.num_layers) == (
        cpu.seed, cpu.vocab_size, cpu.hidden_size, cpu.num_layers)
    assert TINY_BASE_CUDA.records * TINY_BASE_CUDA.epochs > 4 * cpu.records * cpu.epochs


def test_generator_corpus_holds_the_prompts_as_the_given_prompt_writes_them():
    from xtvqa_reader.ocr_reader import generator_corpus

    record = next(iter(generate(1, seed=3, split="train")))
    spaced = PromptConfig(use_ocr_tokens=True, ocr_separator=" | ")
    default = list(generator_corpus([record]))
    custom = list(generator_corpus([record], spaced))
    for lang in record.question:
        assert READER_PROMPT.text(EvalItem(record, lang)) in default
        assert spaced.text(EvalItem(record, lang)) in custom
        assert spaced.text(EvalItem(record, lang)) not in default
    assert all(answer in custom for answers in record.answers.values() for answer in answers)


def test_model_card_says_where_the_model_trained_and_whether_the_budget_stopped_it(tmp_path):
    from dataclasses import asdict, replace

    from xtvqa_reader.model_card import write_card

    summary = {"settings": asdict(TinyBase(time_budget_s=456.0)), "settings_module": "xtvqa_reader.recipes",
               "parameters": 3_000_000, "vocab_size": 8192,
               "train_samples": 333_056, "global_step": 1301, "planned_steps": 4844, "stopped_by_time_budget": True,
               "device": "NVIDIA H200", "generate_s": 160.9, "train_runtime_s": 268.0, "wall_time_s": 456.7,
               "log_history": [{"held_out": {"source": 0.15, "cross": 0.17, "step": 1301, "elapsed_s": 268.9}}]}
    text = write_card(tmp_path, summary, "m").read_text()
    assert "Measured on NVIDIA H200" in text
    assert "stopped by its time budget (456 s from the recipe's start) at step 1301 of 4844" in text
    assert "| 1301 | 268.9 | 0.150 | 0.170 |" in text and "(96 generated records" in text
    assert "uv run apps/train --recipe tiny-base --time-budget 456      # this model, on NVIDIA H200" in text
    assert "followed the clock" in text and "`--max-steps 1301` alone" in text  # the reproducible form
    stepped = write_card(tmp_path, {**summary, "schedule_followed_the_clock": False}, "m").read_text()
    assert "followed the clock" not in stepped and "ending at the time budget" not in stepped
    assert "`xtvqa_reader.recipes.TinyBase()`" in text and "ending at the time budget" in text
    summary.update(stopped_by_time_budget=False)
    assert "stopped by its time budget" not in write_card(tmp_path, summary, "m").read_text()
    summary.update(settings=asdict(TINY_BASE_CUDA))
    text = write_card(tmp_path, summary, "m").read_text()
    assert "`xtvqa_reader.recipes.TINY_BASE_CUDA`" in text and "time budget" not in text
    assert "uv run apps/train --recipe tiny-base      # this model" in text
    summary.update(settings=asdict(replace(TINY_BASE_CUDA, max_steps=1301)))
    text = write_card(tmp_path, summary, "m").read_text()
    assert "`xtvqa_reader.recipes.TINY_BASE_CUDA`" in text and "time budget" not in text
    assert "uv run apps/train --recipe tiny-base --max-steps 1301      # this model" in text


def test_echo_samples_ask_for_consecutive_ocr_lines_from_a_named_one(records):
    from xtvqa_reader.tiny_base import ECHO_ALL, echo_records

    echoes = echo_records(records, 40, seed=7)
    def texts(samples):
        return [(e.id, e.question, e.answers) for e in samples]

    assert len(echoes) == 40 and texts(echo_records(records, 40, seed=7)) == texts(echoes)
    for echo in echoes:
        lines = list(echo.ocr_tokens)
        (question,) = set(echo.question.values())
        (answer,) = {a for answers in echo.answers.values() for a in answers}
        start = 0 if question == ECHO_ALL else lines.index(question.split("“")[1].split("”")[0])
        got = answer.split("\n")
        assert got == lines[start : start + len(got)] and 1 <= len(got) <= 12
        assert echo.meta["question_kind"] == "echo" and echo.question_type == "extractive"
    assert any(q != ECHO_ALL for e in echoes for q in e.question.values())
    assert echo_records(records, 0, seed=7) == []


def test_lookups_ask_for_the_line_beside_a_named_one(records):
    from xtvqa_reader.tiny_base import LOOKUP, lookup_records

    lookups = lookup_records(records, 60, seed=7)
    assert [(r.id, r.question) for r in lookup_records(records, 60, seed=7)] == [(r.id, r.question) for r in lookups]
    offsets = set()
    for lookup in lookups:
        lines = list(lookup.ocr_tokens)
        (question,) = set(lookup.question.values())
        (answer,) = {a for answers in lookup.answers.values() for a in answers}
        offset = 1 if question.startswith("Which line comes after") else -1
        asked = question.split("“")[1].split("”")[0]
        assert question == LOOKUP[offset].format(line=asked) and lines.count(asked) == 1
        assert answer == lines[lines.index(asked) + offset]
        assert lookup.meta["question_kind"] == "lookup" and lookup.question_type == "extractive"
        offsets.add(offset)
    assert offsets == {1, -1}
    assert all(q.startswith("Which line comes before") for r in lookup_records(records, 20, 1, offsets=(-1,))
               for q in r.question.values())
    assert lookup_records(records, 0, seed=7) == []
    with pytest.raises(ValueError, match="offsets"):
        lookup_records(records, 5, seed=7, offsets=(2,))
    for lines in (("one line",), ("same", "same"), ("same", "same", "last")):  # the last one has no line after it
        with pytest.raises(ValueError, match="occurs once and has a neighbour"):
            lookup_records([records[0].replace(ocr_tokens=lines)], 5, seed=7, offsets=(1,))


def _train_recording_phases(tmp_path, monkeypatch, **settings):
    """A toy tiny-base run (`settings` on top) with a stand-in `AnswerDataset` that records each
    phase as (a Counter of its samples' kinds: echo, lookup or qa; its shuffling seed); returns
    (the phases, the model folder)."""
    from xtvqa_reader import tiny_base

    phases = []

    class Recorded(tiny_base.AnswerDataset):
        def __init__(self, records, *args, seed, **kwargs):
            kinds = (r.meta.get("question_kind") for r in records)
            phases.append((Counter(k if k in ("echo", "lookup") else "qa" for k in kinds), seed))
            super().__init__(records, *args, seed=seed, **kwargs)

    monkeypatch.setattr(tiny_base, "AnswerDataset", Recorded)
    recipe = TinyBase(**{"records": 24, "copy_records": 8, "tokenizer_records": 24, "epochs": 1, "batch_size": 8,
                         "vocab_size": 600, "hidden_size": 32, "num_layers": 1, "threads": 1, "data_workers": 0,
                         "generate_workers": 1, "echo_samples": 8, **settings})
    return phases, train_tiny_base(recipe, tmp_path / "model", _quiet)


def test_the_lookup_phase_comes_after_the_echoes_and_leaves_the_other_phases_their_seeds(tmp_path, monkeypatch):
    """With `lookup_samples` the recipe trains them after the echo samples; the echo, copy and
    all-kinds phases keep the shuffling seeds they had before the lookup phase existed (seed + 0,
    + 1, + 2), so the recipe still rebuilds the models made without it."""
    phases, out = _train_recording_phases(tmp_path, monkeypatch, copy_epochs=2, lookup_samples=16)
    assert phases == [(Counter(echo=8), 1000), (Counter(lookup=16), 1003), (Counter(qa=8), 1001),
                      (Counter(qa=24), 1002)]
    summary = json.loads((out / "recipe_summary.json").read_text())
    assert summary["global_step"] == 8 and summary["train_samples"] == 8 + 16 + 16 + 24
    card = (out / "README.md").read_text()
    assert "then 16 lookups" in card and "samples (echo, lookups, then question-answer)" in card


def test_lookup_share_mixes_lookups_into_the_last_phase_only(tmp_path, monkeypatch):
    """`lookup_share` adds lookups (fresh draws, seed + 5) to the all-kinds phase as that share of
    its samples, keeping its seed; the other phases are as without it; the card says so."""
    phases, out = _train_recording_phases(tmp_path, monkeypatch, copy_epochs=1, lookup_share=0.25)
    assert phases == [(Counter(echo=8), 1000), (Counter(qa=8), 1001), (Counter(qa=24, lookup=8), 1002)]
    assert json.loads((out / "recipe_summary.json").read_text())["train_samples"] == 8 + 8 + 32
    assert "then every\nkind with 8 lookups mixed in (25% of its samples, every epoch)." in (out / "README.md").read_text()


def test_mixed_in_makes_the_share_and_refuses_a_whole(records):
    from xtvqa_reader.recipes import mixed_in

    assert [mixed_in(24, s) for s in (0, 0.25, 0.5)] == [0, 8, 24]
    assert mixed_in(100_000, 0.25) / (100_000 + mixed_in(100_000, 0.25)) == pytest.approx(0.25, abs=1e-5)
    for share in (1.0, -0.1):
        with pytest.raises(ValueError, match=r"in \[0, 1\)"):
            mixed_in(10, share)
        with pytest.raises(ValueError, match="lookup_share"):
            TinyBase(lookup_share=share)


def test_model_card_reads_a_setting_added_after_the_run_as_its_default(tmp_path):
    """A summary recorded before `lookup_samples` existed is still its profile, and says no lookups."""
    from dataclasses import asdict

    from xtvqa_reader.model_card import write_card

    settings = {k: v for k, v in asdict(TINY_BASE_CUDA).items() if k != "lookup_samples"}
    summary = {"settings": settings, "parameters": 3_000_000, "vocab_size": 8192, "train_samples": 609_024,
               "global_step": 4758, "planned_steps": 16719, "generate_s": 176.7, "train_runtime_s": 217.1,
               "wall_time_s": 455.2, "log_history": []}
    text = write_card(tmp_path, summary, "m").read_text()
    # a summary without "settings_module" was written when the settings were xtvqa_train.recipes'
    assert "`xtvqa_train.recipes.TINY_BASE_CUDA`" in text and "lookups" not in text
    assert "samples (echo, then question-answer)" in text
    summary["settings"] = {**settings, "lookup_samples": 5}
    text = write_card(tmp_path, summary, "m").read_text()
    assert "`xtvqa_train.recipes.TinyBase`" in text and "then 5 lookups" in text
    text = write_card(tmp_path, {**summary, "settings_module": "xtvqa_reader.recipes"}, "m").read_text()
    assert "`xtvqa_reader.recipes.TinyBase`" in text


def test_tiny_mvcl_runs_to_two_outputs_in_the_same_second_keep_their_own_run_folders(tmp_path, tiny_qwen, monkeypatch):
    """The tiny-mvcl path end to end on a tiny model (few records, 1 step), twice with the clock
    stopped: each --out gets its model and its own run folder (by timestamp alone they collided)."""
    import dataclasses
    import time

    from xtvqa_reader import run
    from xtvqa_reader.recipes import RecipeSettings

    monkeypatch.setenv("XTVQA_HOME", str(tmp_path))
    monkeypatch.setattr(run, "TinyMVCL", lambda: dataclasses.replace(
        TinyMVCL(), records=4, image_size=64, trainer={**TinyMVCL().trainer, "max_steps": 1, "per_device_train_batch_size": 2}))
    monkeypatch.setattr(time, "strftime", lambda _fmt, *_args: "20260101-000000")
    for name in ("no-kl", "no-cross-ce"):
        run.run_recipe(RecipeSettings(recipe="tiny-mvcl", model=f"hf:{tiny_qwen}", out=str(tmp_path / name),
                                      evaluate=False), {"use_kl": name != "no-kl", "cross_ce": name != "no-cross-ce"})
    runs = sorted(p.name for p in (tmp_path / "runs" / "train").iterdir())
    assert runs == ["tiny-mvcl-20260101-000000-no-cross-ce", "tiny-mvcl-20260101-000000-no-kl"]
    for name in ("no-kl", "no-cross-ce"):
        summary = json.loads((tmp_path / name / "train_summary.json").read_text())
        assert (tmp_path / name / "model.safetensors").is_file()
        assert summary["settings"]["trainer"]["use_kl"] is (name != "no-kl"), summary["settings"]
        assert summary["model_copied_to"] == str(tmp_path / name)  # what the app's last line names
    # without --out: the run folder alone, nothing written into the repository's data/models/
    (tmp_path / "data" / "models").mkdir(parents=True, exist_ok=True)
    before = sorted(p.name for p in (tmp_path / "data" / "models").iterdir())
    monkeypatch.setattr(time, "strftime", lambda _fmt, *_args: "20260101-000001")
    out = run.run_recipe(RecipeSettings(recipe="tiny-mvcl", model=f"hf:{tiny_qwen}", evaluate=False))
    assert out == tmp_path / "runs" / "train" / "tiny-mvcl-20260101-000001"
    assert (out / "model" / "model.safetensors").is_file()
    assert "model_copied_to" not in json.loads((out / "train_summary.json").read_text())
    assert sorted(p.name for p in (tmp_path / "data" / "models").iterdir()) == before


def test_mimetic_init_makes_a_token_attend_to_itself():
    """After `mimetic_init` a layer's query-key score of a token with itself (same kv group)
    stands out from its scores with other tokens; with value_out the heads' summed value-output
    map is close to value_out times the identity on average."""
    from xtvqa_models.tiny import build_tiny_model
    from xtvqa_reader.ocr_reader import mimetic_init

    torch.manual_seed(0)
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        from transformers import Qwen2VLForConditionalGeneration

        path = build_tiny_model("qwen2-vl", folder, seed=0, hidden_size=192, num_layers=2, vocab_size=512, overwrite=True)
        model = mimetic_init(Qwen2VLForConditionalGeneration.from_pretrained(path), seed=1, value_out=0.5)
    attn = model.model.language_model.layers[0].self_attn
    x = torch.randn(64, 192)  # ~ RMS-normalised token vectors
    q, k = attn.q_proj(x)[:, :48], attn.k_proj(x)[:, :48]  # head 0 and its kv group
    scores = q @ k.T / 48**0.5
    assert scores.diagonal().mean() > 4 and (scores - torch.diag(scores.diagonal())).abs().mean() < 1.5
    vo = attn.o_proj.weight @ torch.cat([attn.v_proj.weight[:48], attn.v_proj.weight[:48], attn.v_proj.weight[48:],
                                         attn.v_proj.weight[48:]])
    assert abs(vo.diagonal().mean() - 0.5) < 0.1


def test_budget_cosine_is_transformers_cosine_without_a_budget_and_follows_the_clock_with_one():
    from transformers.optimization import _get_cosine_schedule_with_warmup_lr_lambda as hf_cosine
    from xtvqa_reader.tiny_base import TimeBudget, budget_cosine

    plain = budget_cosine(5, 100, TimeBudget(None))
    for step in range(0, 101, 7):
        assert plain(step) == pytest.approx(hf_cosine(step, num_warmup_steps=5, num_training_steps=100, num_cycles=0.5))
    now = [10.0]
    budget = TimeBudget(50.0, started=0.0)  # ends at t = 50; training begins at t = 10
    timed = budget_cosine(5, 100, budget, clock=lambda: now[0])
    assert timed(0) == 0.0 and timed(4) == pytest.approx(0.8)  # warm-up is by steps alone
    now[0] = 20.0  # a quarter of the time, half the steps: the steps lead
    assert timed(52) == pytest.approx(hf_cosine(52, num_warmup_steps=5, num_training_steps=100, num_cycles=0.5))
    assert budget.clock_led is False  # so far the schedule is the steps' alone
    now[0] = 30.0  # half the training time spent, 10 % of the steps done: the clock leads
    assert timed(14) == pytest.approx(0.5) and budget.clock_led is True  # the summary says so
    now[0] = 49.0  # steps ahead of the clock: the steps lead
    assert timed(100) == pytest.approx(0.0, abs=1e-12)
    now[0] = 60.0  # past the deadline: 0, never negative or rising again
    assert timed(20) == pytest.approx(0.0, abs=1e-12)
    # follow_clock=False (a run given max_steps): the budget does not touch the rate
    stepped = TimeBudget(50.0, started=0.0)
    steps_only = budget_cosine(5, 100, stepped, clock=lambda: now[0], follow_clock=False)
    now[0] = 10.0
    steps_only(0)
    now[0] = 45.0  # the clock far ahead of the steps
    assert steps_only(14) == pytest.approx(hf_cosine(14, num_warmup_steps=5, num_training_steps=100, num_cycles=0.5))
    assert stepped.clock_led is False


def test_encode_one_image_gives_the_processors_own_tensors(reader, records, monkeypatch):
    from xtvqa_models.chat import render_prompt
    from xtvqa_reader.pretrain import encode_one_image

    _, processor = reader
    for record in records:
        image = record.image.convert("RGB").resize((28, 28))
        for lang in record.question:
            text = render_prompt(processor, EvalItem(record, lang), READER_PROMPT)
            expected, got = processor(text=[text], images=[image], return_tensors="pt"), encode_one_image(
                processor, text, image)
            assert set(got) == set(expected)
            for key, value in expected.items():
                assert got[key].dtype == value.dtype and torch.equal(got[key], value), key
            assert int(got["mm_token_type_ids"].sum()) == 1  # the reader's one merged visual token
    # any prompt but one with a single placeholder goes to the processor itself
    calls = []
    monkeypatch.setattr(type(processor), "__call__", lambda self, **kwargs: calls.append(kwargs) or "processor")
    text = render_prompt(processor, EvalItem(records[0], "en"), READER_PROMPT)
    others = [text.replace(processor.image_token, processor.image_token * 2), "no image",
              text + processor.video_token]
    for other in others:
        assert encode_one_image(processor, other, records[0].image) == "processor"
    assert [c["text"] for c in calls] == [[other] for other in others]


def test_time_budget_and_records_cache_reach_the_tiny_base_recipe_and_nothing_else(tmp_path, monkeypatch):
    import xtvqa_reader.run
    from xtvqa_reader.recipes import RecipeSettings
    from xtvqa_reader.run import run_recipe

    seen = []
    monkeypatch.setattr(xtvqa_reader.run, "train_tiny_base",
                        lambda recipe, out, progress, records_cache: seen.append((recipe, records_cache)))
    run_recipe(RecipeSettings(recipe="tiny-base", time_budget_s=300.0, out=str(tmp_path), records_cache="rc"))
    recipe, cache = seen[0]
    assert recipe.time_budget_s == 300.0 and recipe.records in (TinyBase().records, TINY_BASE_CUDA.records)
    assert str(cache) == "rc" and recipe.max_steps == -1
    run_recipe(RecipeSettings(recipe="tiny-base", out=str(tmp_path)), {"max_steps": 4758})
    assert seen[1][0].max_steps == 4758 and seen[1][0].time_budget_s is None  # --max-steps reaches it
    run_recipe(RecipeSettings(recipe="tiny-base", out=str(tmp_path)), {"max_steps": -1})
    assert seen[2][0].max_steps == -1  # -1: every planned step, as TrainingArguments.max_steps says
    with pytest.raises(ValueError, match="max_steps must be >= 1"):
        TinyBase(max_steps=0)
    for bad in ({"recipe": "tiny-mvcl", "time_budget_s": 300.0}, {"time_budget_s": 300.0},
                {"recipe": "tiny-base", "time_budget_s": 0.0}, {"recipe": "tiny-mvcl", "records_cache": "rc"}):
        with pytest.raises(ValueError, match=r"time-budget|records-cache"):
            RecipeSettings(**bad)


def test_records_cache_gives_the_generated_records_back_and_never_a_wrong_set(tmp_path, monkeypatch):
    import numpy as np
    import xtvqa_reader.tiny_base as tiny_base
    from xtvqa_data.synth import SynthConfig
    from xtvqa_reader.recipes import COPY_KINDS
    from xtvqa_reader.tiny_base import _records, records_cache_folder

    cache = tmp_path / "cache"
    first = _records(6, 1000, 28, _quiet, cache=cache)
    folder = records_cache_folder(cache, 6, 1000, 28, SynthConfig())
    assert folder.is_dir()
    monkeypatch.setattr(tiny_base, "generate", lambda *a, **k: pytest.fail("rendered again despite the cache"))
    again = _records(6, 1000, 28, _quiet, cache=cache)
    assert len(again) == len(first) == 6
    for a, b in zip(first, again, strict=True):
        assert (a.id, a.question, a.answers, a.ocr_tokens, a.image_lang, a.question_type, a.meta) == (
            b.id, b.question, b.answers, b.ocr_tokens, b.image_lang, b.question_type, b.meta)
        assert np.array_equal(np.asarray(a.image.convert("RGB")), np.asarray(b.image.convert("RGB")))
    # every input of generate names its own folder
    others = {records_cache_folder(cache, 7, 1000, 28, SynthConfig()), records_cache_folder(cache, 6, 1001, 28, SynthConfig()),
              records_cache_folder(cache, 6, 1000, 56, SynthConfig()),
              records_cache_folder(cache, 6, 1000, 28, SynthConfig(question_kinds=COPY_KINDS))}
    assert len(others) == 4 and folder not in others
    # a folder that does not hold the count its name says is refused, not used
    import shutil

    shutil.copytree(folder, records_cache_folder(cache, 5, 1000, 28, SynthConfig()))
    with pytest.raises(ValueError, match="holds 6 records, not 5"):
        _records(5, 1000, 28, _quiet, cache=cache)


def test_the_recipe_trains_the_same_from_cached_records_and_says_so(tmp_path):
    recipe = TinyBase(records=24, copy_records=8, copy_epochs=2, tokenizer_records=24, epochs=1, batch_size=8,
                      vocab_size=600, hidden_size=32, num_layers=1, threads=1, data_workers=0, generate_workers=1,
                      echo_samples=8, eval_every=3)
    runs = [json.loads((train_tiny_base(recipe, tmp_path / f"m{k}", _quiet, records_cache=tmp_path / "cache")
                        / "recipe_summary.json").read_text()) for k in range(2)]
    assert [r["records_loaded_from_cache"] for r in runs] == [False, True]
    curves = [[h["held_out"] for h in r["log_history"] if "held_out" in h] for r in runs]
    assert len(curves[0]) == 2 and [{k: v for k, v in h.items() if k != "elapsed_s"} for h in curves[0]] == [
        {k: v for k, v in h.items() if k != "elapsed_s"} for h in curves[1]]
    assert (tmp_path / "m0" / "tokenizer.json").read_bytes() == (tmp_path / "m1" / "tokenizer.json").read_bytes()
    assert "loading the cached records" in (tmp_path / "m1" / "README.md").read_text()


def test_recipe_records_alone_fill_the_cache_a_training_run_then_loads(tmp_path):
    from xtvqa_reader.tiny_base import recipe_records

    recipe = TinyBase(records=10, copy_records=4, copy_epochs=1, tokenizer_records=10, epochs=1, batch_size=8,
                      vocab_size=600, hidden_size=32, num_layers=1, threads=1, data_workers=0, generate_workers=1,
                      echo_samples=4)
    records, copies = recipe_records(recipe, _quiet, records_cache=tmp_path / "cache")
    assert len(records) == 10 and len(copies) == 4 and len(list((tmp_path / "cache").iterdir())) == 2
    out = train_tiny_base(recipe, tmp_path / "m", _quiet, records_cache=tmp_path / "cache")
    assert json.loads((out / "recipe_summary.json").read_text())["records_loaded_from_cache"] is True


def _stub_tiny_mvcl_training(tmp_path, monkeypatch) -> list:
    """Stubs what `_tiny_mvcl` calls (xtvqa_train's run.train, the run folder, torch threads);
    returns the (RecipeSettings, trainer settings) the stub was called with."""
    import xtvqa_reader.run

    seen = []

    def fake_train(settings, trainer=None, progress=None):
        seen.append((settings, trainer))
        run = tmp_path / "run"
        (run / "model").mkdir(parents=True, exist_ok=True)
        return run

    monkeypatch.setattr(xtvqa_reader.run, "train", fake_train)
    monkeypatch.setattr(xtvqa_reader.run, "default_run_dir", lambda: tmp_path / "runs" / "now")
    monkeypatch.setattr(torch, "set_num_threads", lambda _n: None)
    return seen


def test_tiny_mvcl_names_every_option_it_does_not_use(tmp_path, monkeypatch):
    from xtvqa_reader.recipes import RecipeSettings
    from xtvqa_reader.run import run_recipe

    seen = _stub_tiny_mvcl_training(tmp_path, monkeypatch)
    given = {"recipe": "tiny-mvcl", "model": "hf:m", "out": str(tmp_path / "out"), "data": "my-data", "lora": True,
             "lora_r": 8, "resume_from_checkpoint": "ck/checkpoint-200", "synth_records": 50}
    with pytest.raises(ValueError, match="recipe tiny-mvcl takes no") as error:
        run_recipe(RecipeSettings(**given))
    for name in ("data", "lora", "lora_r", "resume_from_checkpoint", "synth_records"):
        assert f"{name}=" in str(error.value)
    for name in ("model", "out", "recipe"):
        assert f"{name}=" not in str(error.value)
    for dropped in ({"data_split": "test"}, {"lora_alpha": 16}, {"lora_target_modules": "q_proj"},
                    {"synth_image_size": 64}, {"synth_resize_to": 28}):
        with pytest.raises(ValueError, match=rf"takes no {next(iter(dropped))}="):
            run_recipe(RecipeSettings(recipe="tiny-mvcl", model="hf:m", **dropped))
    assert seen == []


def test_check_recipe_settings_names_what_was_given_not_what_differs():
    from xtvqa_reader.recipes import RecipeSettings, check_recipe_settings

    settings = RecipeSettings(recipe="tiny-base")  # every value at its default
    check_recipe_settings("tiny-base", settings, ["out", "time_budget_s", "recipe"])  # taken: no error
    with pytest.raises(ValueError, match=r"takes no lora_r=64, trainer option alpha=1\.0;"):
        check_recipe_settings("tiny-base", settings, ["lora_r", "out"], {"alpha": 1.0})
    check_recipe_settings("tiny-base", settings, ["out"], {"max_steps": 5})  # its one trainer option
    with pytest.raises(ValueError, match=r"takes no trainer option learning_rate=1e-06; .*--max-steps"):
        check_recipe_settings("tiny-base", settings, [], {"max_steps": 5, "learning_rate": 1e-6})
    check_recipe_settings("tiny-mvcl", settings, ["model"], {"alpha": 1.0})  # tiny-mvcl takes trainer options
    check_recipe_settings("no-such-recipe", settings, ["lora_r"])  # run_recipe reports unknown recipes


def test_tiny_mvcl_passes_its_options_and_the_trainer_options_on(tmp_path, monkeypatch):
    from xtvqa_reader.recipes import RecipeSettings
    from xtvqa_reader.run import run_recipe

    seen = _stub_tiny_mvcl_training(tmp_path, monkeypatch)
    settings = RecipeSettings(recipe="tiny-mvcl", model="hf:m", out=str(tmp_path / "out"), eval_records=5,
                             eval_langs="en,zh", eval_data="my-eval", evaluate=False)
    run_recipe(settings, {"alpha": 0.5, "use_kl": False, "max_steps": 3})
    ((own, trainer),) = seen
    assert own.model == "hf:m" and own.recipe is None
    assert (own.eval_records, own.eval_langs, own.eval_data, own.evaluate) == (5, "en,zh", "my-eval", False)
    assert trainer == {**TinyMVCL().trainer, "alpha": 0.5, "use_kl": False, "max_steps": 3}
    assert (own.synth_records, own.synth_resize_to) == (TinyMVCL().records, TinyMVCL().resize_to)
    assert (tmp_path / "out").is_dir()  # the stub's model folder, copied to --out


def test_tiny_base_names_every_option_it_does_not_use(tmp_path, monkeypatch):
    import xtvqa_reader.run
    from xtvqa_reader.recipes import RecipeSettings
    from xtvqa_reader.run import run_recipe

    seen = []
    monkeypatch.setattr(xtvqa_reader.run, "train_tiny_base",
                        lambda recipe, out, progress, records_cache: seen.append((recipe, out, records_cache)))
    for dropped in ({"lora": True}, {"resume_from_checkpoint": "ck/checkpoint-200"}, {"evaluate": False},
                    {"eval_records": 5}, {"eval_langs": "en"}, {"eval_data": "d"}, {"synth_records": 50},
                    {"model": "hf:m"}, {"data": "my-data"}):
        name = next(iter(dropped))
        with pytest.raises(ValueError, match=rf"recipe tiny-base takes no {name}=.*--out, --time-budget"):
            run_recipe(RecipeSettings(recipe="tiny-base", out=str(tmp_path), **dropped))
    with pytest.raises(ValueError, match=r"takes no trainer option alpha=0\.5, trainer option learning_rate"):
        run_recipe(RecipeSettings(recipe="tiny-base"), {"alpha": 0.5, "learning_rate": 1e-3})
    assert seen == []
    run_recipe(RecipeSettings(recipe="tiny-base", out=str(tmp_path), time_budget_s=60.0, records_cache="rc"))
    ((recipe, out, cache),) = seen
    assert recipe.time_budget_s == 60.0 and out == tmp_path and str(cache) == "rc"


def test_recipe_settings_are_train_settings_with_the_recipes_fields(tmp_path):
    from xtvqa_reader.recipes import RecipeSettings
    from xtvqa_train.settings import TrainSettings, parse_train_args

    with pytest.raises(ValueError, match="unknown recipe"):
        RecipeSettings(recipe="big")
    with pytest.raises(ValueError, match="--time-budget takes positive seconds and only --recipe tiny-base"):
        RecipeSettings(recipe="tiny-mvcl", time_budget_s=5)
    with pytest.raises(ValueError, match="--records-cache takes only --recipe tiny-base"):
        RecipeSettings(records_cache="x")
    path = tmp_path / "run.yaml"
    path.write_text("learning_rate: 1e-6\nsynth_records: '12'\ntime_budget_s: '30'\nrecipe: tiny-base\n")
    parsed = parse_train_args(["--config", str(path)], RecipeSettings)
    assert isinstance(parsed.settings, TrainSettings) and parsed.settings.recipe == "tiny-base"
    assert parsed.settings.time_budget_s == 30.0 and parsed.settings.synth_records == 12
    assert parsed.trainer == {"learning_rate": 1e-6}
    assert parse_train_args(["--recipe", "tiny-base", "--time-budget", "30"], RecipeSettings).settings.time_budget_s == 30
    with pytest.raises(ValueError, match="unknown training setting"):
        parse_train_args(["--config", str(path)])  # MVCL-MI's own settings know no recipe


def test_the_bundled_model_card_is_the_one_its_recipe_summary_writes(tmp_path):
    # The card is written by the recipe from recipe_summary.json; a change to the card's template
    # or to TinyBase (a field added later) must leave the committed model's card as it is.
    from xtvqa_reader.model_card import write_card

    if not (BUNDLED / "recipe_summary.json").is_file():
        pytest.skip("the bundled model is not present")
    summary = json.loads((BUNDLED / "recipe_summary.json").read_text())
    written = write_card(tmp_path, summary, BUNDLED.name).read_text(encoding="utf-8")
    assert written == (BUNDLED / "README.md").read_text(encoding="utf-8")
