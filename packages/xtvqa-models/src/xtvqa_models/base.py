"""The one batched interface every vision-language model backend implements.

Modelled on lm-evaluation-harness's three batched methods: a backend answers a list of
`EvalItem`s and scores given target strings under teacher forcing. Backends are chosen by a spec
string (`hf:...`, `openai:...`, `gemini:...`, `vllm:...`) through `xtvqa_models.load_model`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from xtvqa_data import EvalItem


@dataclass(frozen=True)
class Generation:
    """A model's answer to one item.

    `error` is set (and `text` is empty) when the backend failed on this item after its retries:
    the failure is recorded in the run's predictions, never silently dropped.
    """

    text: str
    error: str | None = None
    n_tokens: int | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # The answer's token ids as generated, up to the stop token (backends with the model's
    # tokens: hf). Scoring these, not `text` tokenised again, scores the answer the model gave:
    # `text` is stripped, and " Yes" after "ASSISTANT:" re-tokenises as another sequence.
    token_ids: tuple[int, ...] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class TokenScores:
    """Teacher-forced scores of one target string.

    `logprobs[t]` is log p(y_t | image, prompt, y_<t) and `entropies[t]` the full-vocabulary
    entropy (nats) of that step's distribution, both float32, computed on the model's device.
    """

    token_ids: np.ndarray  # [T] int64
    logprobs: np.ndarray  # [T] float32
    entropies: np.ndarray  # [T] float32

    def __post_init__(self) -> None:
        n = len(self.token_ids)
        if len(self.logprobs) != n or len(self.entropies) != n:
            raise ValueError(
                f"TokenScores: token_ids ({n}), logprobs ({len(self.logprobs)}) and entropies "
                f"({len(self.entropies)}) must have the same length"
            )

    @property
    def n_tokens(self) -> int:
        return len(self.token_ids)

    @property
    def sum_logprob(self) -> float:
        return float(np.sum(self.logprobs, dtype=np.float64))

    @property
    def sum_entropy(self) -> float:
        return float(np.sum(self.entropies, dtype=np.float64))

    @property
    def mean_entropy(self) -> float:
        return self.sum_entropy / self.n_tokens if self.n_tokens else float("nan")


class VisionLanguageModel(ABC):
    """A vision-language model behind one batched interface.

    Attributes every backend sets: `spec` (the spec string it was loaded from), `model_id` and
    `revision` (recorded in run folders), `prompt` (the `PromptConfig` used to build prompts).
    """

    spec: str
    model_id: str
    revision: str | None = None

    @abstractmethod
    def generate(
        self, items: Sequence[EvalItem], *, max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[Generation]:
        """Greedy answers to `items`, one `Generation` per item, in order."""

    def score(
        self, items: Sequence[EvalItem], targets: Sequence[str], *, batch_size: int = 8,
        target_ids: Sequence[Sequence[int] | None] | None = None,
    ) -> list[TokenScores]:
        """Teacher-forced log-probabilities and entropies of `targets[i]` as the answer to `items[i]`
        (of the token ids `target_ids[i]` instead, where given and not None)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot score targets (teacher forcing needs the model's logits); "
            "use an hf: model for the information-theory analysis"
        )

    @property
    def placeholder_token_ids(self) -> frozenset[int]:
        """Token ids that stand for image or video features in a prompt. A generated answer that
        holds one cannot be teacher-forced with the image (the forward would take it for an image
        slot), so the analysis records such an answer as skipped. None here: API backends."""
        return frozenset()

    @property
    def can_score(self) -> bool:
        return type(self).score is not VisionLanguageModel.score

    def describe(self) -> dict[str, object]:
        """Extra facts for `results.json` (dtype, device, base URL host...); never secrets."""
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (HTTP clients, GPU memory)."""
