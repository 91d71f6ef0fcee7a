"""`vllm:<hub id or folder>`: generation through vLLM's offline engine, for throughput on GPUs.

Optional (`pip install 'xtvqa-models[vllm]'`). Prompts are rendered by the model's own
transformers processor chat template, as in the `hf:` backend, tokenised by the same rule
(`chat.adds_special_tokens`), and sent with the image as vLLM's own `LLM.chat` sends them: token
ids and the image (`{"prompt_token_ids": [...], "multi_modal_data": {"image": PIL.Image}}`,
docs.vllm.ai "Multimodal Inputs"; the engine expands the image placeholder). Text prompts would
be tokenised by the engine with the tokenizer's special tokens, giving `<bos><bos>` where the
template writes the BOS itself (Gemma 3, Llama 3.2 Vision). Greedy decoding is `temperature=0`. vLLM
schedules its own batches (continuous batching), so every item of a call is submitted at once.
Scoring is not supported: use an `hf:` model for the information-theory analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xtvqa_data import EvalItem

from xtvqa_models.base import Generation, VisionLanguageModel
from xtvqa_models.chat import adds_special_tokens, render_prompt, rgb_image
from xtvqa_models.prompts import PromptConfig


class VLLMModel(VisionLanguageModel):
    """A vision-language model served by an in-process `vllm.LLM` engine (generation only).

    Options: `dtype` ("auto"), `trust_remote_code` (False unless asked), `revision`,
    `tensor_parallel_size` (GPUs per model), `gpu_memory_utilization`, `max_model_len`,
    `seed`, `prompt` (default: a local model folder's `xtvqa_prompt.json`, as for `hf:`).
    """

    def __init__(
        self,
        model: str,
        *,
        dtype: str = "auto",
        trust_remote_code: bool = False,
        revision: str | None = None,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        max_model_len: int | None = None,
        seed: int = 0,
        prompt: PromptConfig | None = None,
    ):
        import vllm  # ModuleNotFoundError -> load_model names the extra
        from transformers import AutoProcessor

        self.spec = f"vllm:{model}"
        self.model_id = model
        self.revision = revision
        # As in the hf: backend: an explicit prompt wins; else a local model folder's own
        # xtvqa_prompt.json (the bundled model reads OCR tokens); else the default.
        self.prompt = prompt or PromptConfig.from_model_dir(model) or PromptConfig()
        self.processor = AutoProcessor.from_pretrained(
            model, revision=revision, trust_remote_code=bool(trust_remote_code)
        )
        engine_args: dict[str, Any] = {
            "model": model, "dtype": dtype, "revision": revision,
            "trust_remote_code": bool(trust_remote_code), "seed": seed,
            "tensor_parallel_size": tensor_parallel_size,
            "gpu_memory_utilization": gpu_memory_utilization,
            "limit_mm_per_prompt": {"image": 1},  # one image per item
        }
        if max_model_len is not None:
            engine_args["max_model_len"] = max_model_len
        self._vllm = vllm
        self._described = {"backend": "vllm", "vllm_version": vllm.__version__,
                           **{k: v for k, v in engine_args.items() if k not in ("model", "revision")}}
        self.llm = vllm.LLM(**engine_args)

    def describe(self) -> dict[str, object]:
        """What results.json records beside spec, model id and revision: the engine settings."""
        return dict(self._described)

    def generate(
        self, items: Sequence[EvalItem], *, max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[Generation]:
        """Greedy answers in item order. `batch_size` is accepted for the interface; vLLM's
        scheduler batches the whole call itself."""
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if not items:
            return []
        params = self._vllm.SamplingParams(temperature=0.0, max_tokens=max_new_tokens)
        tokenizer = self.processor.tokenizer
        texts = [render_prompt(self.processor, item, self.prompt) for item in items]
        special = adds_special_tokens(tokenizer, texts)  # the hf: backend's rule: one BOS, never two
        requests = [
            {"prompt_token_ids": list(tokenizer(text, add_special_tokens=special)["input_ids"]),
             "multi_modal_data": {"image": rgb_image(item)}}
            for item, text in zip(items, texts, strict=True)
        ]
        outputs = self.llm.generate(requests, params, use_tqdm=False)
        eos = tokenizer.eos_token_id
        results = []
        for output in outputs:  # vLLM returns outputs in request order
            best = output.outputs[0]
            ids = list(best.token_ids)
            if ids and best.finish_reason == "stop" and ids[-1] == eos:
                ids = ids[:-1]  # count answer tokens only, as the hf: backend does
            results.append(Generation(text=best.text.strip(), n_tokens=len(ids),
                                      meta={"finish_reason": str(best.finish_reason)}))
        return results

    def close(self) -> None:
        self.llm = None
