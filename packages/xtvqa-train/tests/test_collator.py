"""MVCLCollator: the four views, their alignment, one image preprocessing per record, skipping.

Run: uv run pytest packages/xtvqa-train/tests/test_collator.py -q
"""

from __future__ import annotations

import pytest
import torch
from xtvqa_data import EvalItem
from xtvqa_models.prompts import PromptConfig, answer_in
from xtvqa_train import VIEWS, MVCLSkipWarning, mvcl_mi_loss
from xtvqa_train.collator import MVCLCollator, TruncationWarning
from xtvqa_train.views import MissingLanguageWarning, draw_target, record_views, target_languages


def answer_text(tokenizer, labels_row) -> str:
    return tokenizer.decode([t for t in labels_row.tolist() if t != -100])


def test_views_hold_the_right_question_and_answer(qwen, records):
    _, processor = qwen
    collator = MVCLCollator(processor, seed=3)
    batch = collator(records[:3])
    n = 3
    assert batch["input_ids"].shape[0] == 4 * n and batch["record_ids"] == [r.id for r in records[:3]]
    prompt = PromptConfig()
    for k, view in enumerate(VIEWS):
        for b, record in enumerate(records[:3]):
            t = draw_target(record, 3)
            lang = {"s": record.image_lang, "t": t}
            row = k * n + b
            text = processor.tokenizer.decode(batch["input_ids"][row])
            assert record.question[lang[view[0]]] in text
            assert prompt.short_answer[lang[view[0]]] in text
            assert answer_text(processor.tokenizer, batch["labels"][row]).startswith(record.answers[lang[view[1]]][0])
            # the cross views (and only they) ask for their answer's language, in the question's
            asked = [answer_in(lang[view[0]], a) in text for a in (record.image_lang, t)]
            assert asked == ([False, False] if view[0] == view[1] else [view[1] == "s", view[1] == "t"])


def test_views_prompts_are_the_evaluation_prompts_plus_the_answer_language(qwen, records):
    """ss and tt get exactly the benchmark's prompt; st and ts that prompt and one more line, the
    paper's "asks the model answer in the target language". With the instruction off, ss and st
    (and ts and tt) share one prompt, the behaviour before 2026-11-27."""
    _, processor = qwen
    record = records[0]
    t = draw_target(record, 0)
    s = record.image_lang
    views = {v.name: v for v in record_views(record, t)}
    collator = MVCLCollator(processor)
    evaluation = {lang: collator.chat(record, lang, "x")[0] for lang in (s, t)}
    prompts = {name: collator.chat(record, v.question_lang, "x", v.answer_lang)[0] for name, v in views.items()}
    assert prompts["ss"] == evaluation[s] and prompts["tt"] == evaluation[t]
    assert PromptConfig().text(EvalItem(record, s), answer_lang=t).endswith("\n" + answer_in(s, t))
    assert prompts["st"].replace("\n" + answer_in(s, t), "") == evaluation[s] != prompts["st"]
    assert prompts["ts"].replace("\n" + answer_in(t, s), "") == evaluation[t] != prompts["ts"]

    on = collator(records[:2])
    off = MVCLCollator(processor, answer_language_instruction=False)(records[:2])
    n, ss, ts, st, tt = 2, *(VIEWS.index(v) for v in ("ss", "ts", "st", "tt"))

    def prompt_ids(batch, row):  # the row's tokens before its answer, without the left padding
        start = int(torch.nonzero(batch["labels"][row] != -100)[0])
        return batch["input_ids"][row][:start][batch["attention_mask"][row][:start].bool()]

    for b in range(n):
        assert torch.equal(prompt_ids(off, ss * n + b), prompt_ids(on, ss * n + b))
        assert torch.equal(prompt_ids(off, tt * n + b), prompt_ids(on, tt * n + b))
        assert torch.equal(prompt_ids(off, st * n + b), prompt_ids(off, ss * n + b))
        assert torch.equal(prompt_ids(off, ts * n + b), prompt_ids(off, tt * n + b))
        assert len(prompt_ids(on, st * n + b)) > len(prompt_ids(on, ss * n + b))


def test_answers_start_in_one_column_and_labels_mask_prompt_and_padding(qwen, make_record):
    _, processor = qwen
    # zh/ja prompts tokenise to other lengths than en/fr; images of different sizes too
    recs = [make_record(0, langs=("en", "zh")), make_record(1, langs=("en", "ja"), size=(112, 56)),
            make_record(2, langs=("en", "fr"))]
    batch = MVCLCollator(processor)(recs)
    labels, mask, ids = batch["labels"], batch["attention_mask"], batch["input_ids"]
    answer = labels != -100
    starts = {int(torch.nonzero(row).flatten()[0]) for row in answer}
    assert len(starts) == 1  # every view's answer begins at column P
    start = starts.pop()
    assert len({int(m[:start].sum()) for m in mask}) > 1  # prompts really differ in length
    assert not answer[:, :start].any()
    assert torch.equal(labels[answer], ids[answer])  # labels are the answer's own ids
    assert not (answer & (mask == 0)).any()
    for row in mask:  # left padding, then content, then right padding
        ones = torch.nonzero(row).flatten()
        assert torch.equal(row[ones[0] : ones[-1] + 1], torch.ones(int(ones[-1] - ones[0]) + 1, dtype=row.dtype))
    # paired views carry identical answer ids (same answer text): ss/ts and st/tt
    n = len(recs)
    for a, b in (("ss", "ts"), ("st", "tt")):
        ka, kb = VIEWS.index(a), VIEWS.index(b)
        assert torch.equal(labels[ka * n : (ka + 1) * n], labels[kb * n : (kb + 1) * n])


def test_each_image_is_preprocessed_once_and_prompts_match_the_processor(qwen, records):
    _, processor = qwen
    recs = records[:2]
    collator = MVCLCollator(processor)
    batch = collator(recs)
    grid = batch["image_inputs"]["image_grid_thw"]
    assert grid.shape == (2, 3)  # B images, not 4B
    assert batch["image_inputs"]["pixel_values"].shape[0] == int(grid.prod(-1).sum())
    # Each row's prompt tokens equal what the processor makes from that prompt and the image.
    n = len(recs)
    for row in range(4 * n):
        record, k = recs[row % n], row // n
        t = draw_target(record, 0)
        view = record_views(record, t)[k]
        prompt, _ = collator.chat(record, view.question_lang, view.answer, view.answer_lang)
        ref = processor(images=[record.image], text=[prompt], add_special_tokens=False, return_tensors="pt")
        ours = batch["input_ids"][row][batch["attention_mask"][row].bool()]
        assert torch.equal(ours[: ref["input_ids"].shape[1]], ref["input_ids"][0])
        m = batch["mm_token_type_ids"][row][batch["attention_mask"][row].bool()]
        assert torch.equal(m[: ref["input_ids"].shape[1]], ref["mm_token_type_ids"][0])


class _NoOffsetsProcessor:
    """A processor whose own __call__ does not report placeholder offsets (the fallback path)."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __call__(self, *args, **kwargs):
        kwargs.pop("return_text_replacement_offsets", None)
        return self._inner(*args, **kwargs)


@pytest.mark.parametrize("family", ["qwen", "llava"])
def test_fallback_without_offsets_gives_the_same_batch(family, request, records):
    _, processor = request.getfixturevalue(family)
    fast = MVCLCollator(processor)(records[:3])
    slow = MVCLCollator(_NoOffsetsProcessor(processor))(records[:3])
    for key in ("input_ids", "attention_mask", "labels"):
        assert torch.equal(fast[key], slow[key]), key
    for key, value in fast["image_inputs"].items():
        assert torch.equal(value, slow["image_inputs"][key]), key


class _TokenTypesProcessor(_NoOffsetsProcessor):
    """A processor that names its token types `token_type_ids` (Gemma 3, PaliGemma) and reports no
    placeholder offsets (the fallback path those processors take)."""

    def __call__(self, *args, **kwargs):
        out = super().__call__(*args, **kwargs)
        out["token_type_ids"] = out.pop("mm_token_type_ids")
        return out


def test_token_types_named_token_type_ids_are_kept_per_row_and_out_of_the_image_inputs(qwen, records):
    _, processor = qwen
    ours = MVCLCollator(_TokenTypesProcessor(processor))(records[:3])
    ref = MVCLCollator(processor)(records[:3])
    assert "token_type_ids" not in ours["image_inputs"] and "mm_token_type_ids" not in ours
    assert ours["token_type_ids"].shape == ours["input_ids"].shape  # one type per token of the batch
    assert torch.equal(ours["token_type_ids"], ref["mm_token_type_ids"])


def test_target_language_is_seeded_and_needs_question_and_answer(make_record):
    record = make_record(0, langs=("en", "zh", "fr", "ja"))
    assert target_languages(record) == ["fr", "ja", "zh"]
    assert draw_target(record, 1) == draw_target(record, 1)
    draws = {draw_target(make_record(i, langs=("en", "zh", "fr", "ja")), seed) for i in range(10) for seed in range(3)}
    assert draws == {"fr", "ja", "zh"}
    # a language with a question but no answer is not a target
    partial = record.replace(answers={"en": ["1990"], "zh": ["1990年"]})
    assert target_languages(partial) == ["zh"] and draw_target(partial, 5) == "zh"


def test_records_without_a_second_language_are_skipped_with_a_warning(qwen, make_record):
    _, processor = qwen
    collator = MVCLCollator(processor)
    mono = make_record(9, langs=("en",))
    with pytest.warns(MissingLanguageWarning, match="rec-009"):
        batch = collator([make_record(0), mono, make_record(1)])
    assert batch["record_ids"] == ["rec-000", "rec-001"] and batch["input_ids"].shape[0] == 8
    with pytest.warns(MissingLanguageWarning), pytest.raises(ValueError, match="second language"):
        collator([mono])


def test_truncated_answers_warn_and_the_loss_skips_the_pair(qwen, make_record):
    model, processor = qwen
    collator = MVCLCollator(processor, max_length=None)
    long_zh = make_record(0, langs=("en", "zh")).replace(answers={"en": ["1990"], "zh": ["一九九〇年"]})
    recs = [long_zh, make_record(1, langs=("en", "zh"))]
    full = collator(recs)
    lengths = full["attention_mask"].sum(1)
    answers = (full["labels"] != -100).sum(1)  # labelled: the answer and the end of turn
    first = int(torch.nonzero((full["labels"] != -100).any(0))[0])  # column P: every answer starts there
    prompts = full["attention_mask"][:, :first].sum(1)
    assert bool((lengths - prompts > answers).all())  # the template's newline after the end of turn: unlabelled
    assert int((lengths == lengths.max()).sum()) == 1  # one longest row (a view answered in zh)
    row = int(lengths.argmax())
    # cut 2 tokens from the longest row: its trailing newline and its end of turn
    collator.max_length = int(lengths.max()) - 2
    with pytest.warns(TruncationWarning, match=f"{recs[row % 2].id}:{VIEWS[row // 2]}"):
        cut = collator(recs)
    kept = (cut["labels"] != -100).sum(1)
    assert torch.equal(kept, torch.minimum(answers, (collator.max_length - prompts).clamp(min=0)))
    assert int(answers[row] - kept[row]) == 1
    assert int((cut["attention_mask"].sum(1)).max()) <= collator.max_length
    # the longest row lost one answer token: its KL pair no longer aligns and is skipped
    pair = {"ss": "ts", "ts": "ss", "st": "tt", "tt": "st"}[VIEWS[row // 2]]
    name = "kl_st_tt" if pair in ("st", "tt") else "kl_ts_ss"
    from xtvqa_train.forward import view_logits

    logits, labels = view_logits(model, cut)
    with pytest.warns(MVCLSkipWarning, match=f"{name}: skipped 1 of 2"):
        parts = mvcl_mi_loss(logits, labels)
    assert all(torch.isfinite(torch.tensor(v)) for v in parts.to_floats().values())


def test_decoded_rows_are_rejected_with_a_hint(qwen, records):
    _, processor = qwen
    with pytest.raises(TypeError, match="undecoded"):
        MVCLCollator(processor)([{"id": "x", "image": records[0].image}])
