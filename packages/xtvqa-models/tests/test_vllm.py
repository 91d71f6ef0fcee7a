"""The vllm: backend (generation only). Needs vllm and a CUDA device; skipped elsewhere.

Run (on a GPU machine with the extra): uv run --extra vllm pytest packages/xtvqa-models/tests/test_vllm.py -q
"""

from __future__ import annotations

import pytest
from xtvqa_models import load_model


@pytest.mark.gpu
def test_vllm_generates_in_order_and_cannot_score(tiny_dirs, items):
    pytest.importorskip("vllm")
    model = load_model(f"vllm:{tiny_dirs['qwen2-vl']}", gpu_memory_utilization=0.3, max_model_len=512)
    try:
        first = model.generate(items, max_new_tokens=6)
        again = model.generate(list(reversed(items)), max_new_tokens=6)
        assert len(first) == len(items) and all(g.ok for g in first)
        assert [g.text for g in again] == [g.text for g in reversed(first)]  # order kept, greedy
        assert all(0 <= g.n_tokens <= 6 for g in first)
        assert not model.can_score
        with pytest.raises(NotImplementedError, match="use an hf: model"):
            model.score(items[:1], ["x"])
    finally:
        model.close()
