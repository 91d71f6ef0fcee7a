"""The analysis scores the greedy answer as generated: a generation's own token ids, not its
stripped text tokenised again (DESIGN.md 5: y is the model's greedy answer).

Run: uv run pytest packages/xtvqa-models/tests/test_generated_ids.py -q
"""

from __future__ import annotations

import numpy as np
from xtvqa_models.analysis import AnalysisSettings, run_analysis
from xtvqa_models.chat import render_prompt
from xtvqa_models.teacher_forcing import continuation_ids

from conftest import make_record


def test_generations_carry_their_token_ids_and_scoring_them_scores_exactly_those(hf_models, family, items):
    model = hf_models[family]
    gens = model.generate(items[:6], max_new_tokens=5, batch_size=3)
    for gen in gens:
        assert gen.token_ids is not None and len(gen.token_ids) == gen.n_tokens <= 5
        assert model.tokenizer.decode(list(gen.token_ids), skip_special_tokens=True).strip() == gen.text
    texts = [g.text for g in gens]
    by_ids = model.score(items[:6], texts, target_ids=[g.token_ids for g in gens], batch_size=4)
    by_text = model.score(items[:6], texts, batch_size=4)
    for item, gen, ids_scores, text_scores in zip(items[:6], gens, by_ids, by_text, strict=True):
        assert ids_scores.token_ids.tolist() == list(gen.token_ids)
        # Where the text round-trips to the same ids, both paths are the same computation.
        prompt = render_prompt(model.processor, item, model.prompt)
        if continuation_ids(model.tokenizer, prompt, gen.text) == list(gen.token_ids):
            np.testing.assert_allclose(ids_scores.logprobs, text_scores.logprobs, atol=1e-4, rtol=0)


def test_the_analysis_scores_the_generated_ids(hf_models, tmp_path, monkeypatch):
    model = hf_models["qwen2-vl"]
    generated, scored = [], []
    generate, score = model.generate, model.score

    def spy_generate(*args, **kwargs):
        out = generate(*args, **kwargs)
        generated.extend(out)
        return out

    def spy_score(items, targets, **kwargs):
        scored.append(kwargs.get("target_ids"))
        return score(items, targets, **kwargs)

    monkeypatch.setattr(model, "generate", spy_generate)
    monkeypatch.setattr(model, "score", spy_score)
    records = [make_record(i) for i in range(2)]
    settings = AnalysisSettings(langs=("en", "zh"), draws=2, batch_size=4, max_new_tokens=4)
    run_analysis(model, records, tmp_path / "run", settings)
    expected = [g.token_ids if g.text else () for g in generated]
    assert len(scored) == 3  # the clean image and two noised draws, one batch
    assert all(list(ids) == expected for ids in scored)
    gold = AnalysisSettings(langs=("en",), draws=1, batch_size=4, max_new_tokens=4, answer="gold")
    scored.clear()
    run_analysis(model, records, tmp_path / "gold", gold)
    assert scored == [None, None]  # gold answers are text: tokenised as the continuation


def test_a_template_that_writes_the_bos_token_does_not_get_a_second_one(hf_models, items):
    from types import SimpleNamespace

    from xtvqa_models.chat import adds_special_tokens

    llama_like = SimpleNamespace(bos_token="<s>")
    assert adds_special_tokens(llama_like, ["<s>[INST] Q [/INST]", "<s>[INST] R [/INST]"]) is False
    assert adds_special_tokens(llama_like, ["USER: Q ASSISTANT:"]) is True  # no BOS in the template: the tokenizer's
    assert adds_special_tokens(SimpleNamespace(bos_token=None), ["<s>Q"]) is True
    # The tiny Qwen2-VL (no BOS): the processor takes the switch and its ids are the prompt's own.
    model = hf_models["qwen2-vl"]
    prompt = render_prompt(model.processor, items[0], model.prompt)
    batch = model._encode(items[:1], [prompt])
    ids = batch["input_ids"][0].tolist()
    assert ids[-3:] == model.tokenizer(prompt, add_special_tokens=False)["input_ids"][-3:]
