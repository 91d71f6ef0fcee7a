"""Does the toolkit compute the right numbers for a model? The stages any `hf:` model must pass.

Each check runs one stage of the toolkit on a loaded `HFModel` and raises `ConformanceError`
(one line: what differs, by how much) where the numbers would be wrong; it returns a short
note of what it measured. The checks are what the family matrix tests run on every tiny family
(`xtvqa_models.tiny`), and what a researcher can run on the model they bring:

    from xtvqa_models import load_model
    from xtvqa_models.conformance import MODEL_STAGES, conformance_items
    model = load_model("hf:/path/to/model", dtype="float32")
    for name, check in MODEL_STAGES.items():
        print(name, check(model, conformance_items()))

The training stages (the four views, LoRA and full steps) are in `xtvqa_train.conformance`,
which also prints the whole family x stage table (`python -m xtvqa_train.conformance`).

Tolerances are for float32 on a CPU; batched and per-item runs differ by summation order only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw
from xtvqa_data import EvalItem, Record

from xtvqa_models.chat import ChatTemplateError, assistant_turn

ATOL = 1e-4  # float32: batching changes the summation order only


class ConformanceError(AssertionError):
    """A stage of the toolkit gives numbers for this model that it must not."""


# Widths and heights that give different numbers of tiles, crops and patches in the tiling
# families (a 300x90 strip, a 60x150 column, a small square) and differently padded batches.
SIZES = ((90, 60), (300, 90), (60, 150), (70, 70), (200, 56), (120, 120))


def conformance_records(n: int = 6) -> list[Record]:
    """`n` receipt-like records whose images differ in size and aspect ratio (`SIZES`)."""
    records = []
    for i in range(n):
        width, height = SIZES[i % len(SIZES)]
        image = Image.new("RGB", (width, height), (255, 250 - 25 * (i % 7), 230 + 3 * i))
        draw = ImageDraw.Draw(image)
        year = 1990 + 7 * i
        draw.text((4, 4), f"Year {year}", fill="black")
        draw.text((4, height // 2), f"Total {3 + 2.5 * i:.2f}", fill=(20 * i % 255, 0, 0))
        records.append(Record(
            id=f"conf-{i:02d}", source="synth-receipt", image=image, image_lang="en",
            question={"en": "What is the year?", "zh": "年份是多少？", "fr": "Quelle est l'année ?"},
            answers={"en": [str(year)], "zh": [f"{year}年"], "fr": [str(year)]},
            question_type="extractive",
        ))
    return records


def conformance_items() -> list[EvalItem]:
    """12 items: 6 records of different image sizes x (en, zh)."""
    return [EvalItem(record, lang) for record in conformance_records() for lang in ("en", "zh")]


def _max_diff(a: Sequence[Any], b: Sequence[Any], field: str = "logprobs") -> float:
    return max((float(np.abs(getattr(x, field) - getattr(y, field)).max(initial=0.0)) for x, y in zip(a, b, strict=True)),
               default=0.0)


def check_generate(model: Any, items: Sequence[EvalItem]) -> str:
    """Greedy `generate` in left-padded batches of 4 gives every item the tokens it gets alone."""
    batched = model.generate(items, max_new_tokens=6, batch_size=4)
    alone = [model.generate([item], max_new_tokens=6, batch_size=1)[0] for item in items]
    differ = [item.key for item, a, b in zip(items, batched, alone, strict=True) if a.token_ids != b.token_ids]
    if differ:
        raise ConformanceError(f"batched greedy output differs from per-item output for {differ}")
    return f"{len(items)} items, {sum(bool(g.token_ids) for g in batched)} non-empty"


def check_score(model: Any, items: Sequence[EvalItem]) -> str:
    """`score` batched equals per item; equals the log-softmax of the logits `generate` saw for
    its own greedy tokens; and an answer token's score does not change when later answer tokens
    are appended (no future leaks through attention or token types)."""
    targets = ["1990", "19 97 年", "yes", "2004", "no idea", "1"] * (len(items) // 6 + 1)
    targets = targets[: len(items)]
    batched = model.score(items, targets, batch_size=4)
    alone = [model.score([item], [target], batch_size=1)[0] for item, target in zip(items, targets, strict=True)]
    diff = max(_max_diff(batched, alone), _max_diff(batched, alone, "entropies"))
    if diff > ATOL:
        raise ConformanceError(f"batched scores differ from per-item scores by {diff:.2e}")

    # The direct computation: generate's own logits at each greedy step.
    direct = 0.0
    for item in items[:4]:
        inputs = model._encode([item], [model._prompt_text(item)])
        out = model.model.generate(**inputs, max_new_tokens=4, do_sample=False, num_beams=1, output_logits=True,
                                   return_dict_in_generate=True, pad_token_id=model.tokenizer.pad_token_id)
        new = out.sequences[0, inputs["input_ids"].shape[1]:].tolist()
        expected = [float(torch.log_softmax(step[0].float(), -1)[tok]) for step, tok in zip(out.logits, new, strict=True)]
        got = model.score([item], [""], target_ids=[new])[0].logprobs
        direct = max(direct, float(np.abs(np.asarray(expected) - got).max()))
    if direct > ATOL:
        raise ConformanceError(f"teacher-forced log-probs of the greedy tokens differ from generate's logits by {direct:.2e}")

    longer = model.score(items[:4], ["1990 and then more words"] * 4, batch_size=4)
    short = model.score(items[:4], ["1990"] * 4, batch_size=4)
    leak = 0.0
    for a, b in zip(longer, short, strict=True):
        n = b.n_tokens
        if list(a.token_ids[:n]) != list(b.token_ids):
            raise ConformanceError("a longer answer does not start with the shorter answer's tokens")
        leak = max(leak, float(np.abs(a.logprobs[:n] - b.logprobs).max(initial=0.0)))
    if leak > ATOL:
        raise ConformanceError(f"an answer token's log-prob changes by {leak:.2e} when later answer tokens are appended")
    return f"batch {diff:.0e}, vs generate {direct:.0e}, future {leak:.0e}"


def check_noise(model: Any, items: Sequence[EvalItem]) -> str:
    """The analysis under Gaussian (image) and diffusion (pixel tensor) noise: every row's noise
    reaches every tile or crop of its own image and nothing else (no batch padding), and an
    item's scores are the same whatever else is in its batch (batches mixing image sizes)."""
    from xtvqa_models.analysis.runner import AnalysisSettings, run_analysis

    records = conformance_records()[:4]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for noise in ("gaussian:80", "diffusion:500"):
            for batch_size in (4, 1):
                settings = AnalysisSettings(langs=("en",), batch_size=batch_size, noise=noise, draws=1, answer="gold",
                                            max_new_tokens=4)
                got = run_analysis(model, records, f"{tmp}/{noise.replace(':', '-')}-{batch_size}", settings)
                rows[noise, batch_size] = got
    worst = 0.0
    for noise in ("gaussian:80", "diffusion:500"):
        for a, b in zip(rows[noise, 4], rows[noise, 1], strict=True):
            for key in ("h_clean", "h_noised", "logp_noised"):
                if a.get(key) is not None:
                    worst = max(worst, abs(float(a[key]) - float(b[key])))
    if worst > ATOL:
        raise ConformanceError(f"noised entropies depend on the batch by {worst:.2e}")

    # What the pixel transform sees: each row's own image tensors, every tile changed.
    seen: list[tuple[int, torch.Tensor, torch.Tensor]] = []

    def transform(pixels: torch.Tensor, row: int) -> torch.Tensor:
        out = pixels + 0.5 * torch.randn(pixels.shape, generator=torch.Generator().manual_seed(row))
        seen.append((row, pixels.detach().cpu(), out.detach().cpu()))
        return out

    model.score(items[:4], ["1990"] * 4, batch_size=4, pixel_transform=transform)
    for row, before, _ in seen:
        alone = [v for v in model._encode([items[row]], [model._prompt_text(items[row])]).values()
                 if isinstance(v, torch.Tensor) and v.is_floating_point()]
        if not any(v.shape == before.shape and torch.equal(v.cpu(), before) for v in alone):
            raise ConformanceError(f"row {row}'s pixel transform saw {tuple(before.shape)}, not its own image's tensors")
    tiles = 0
    for _, before, after in seen:
        if before.dim() >= 4:  # images as [..., C, H, W]: one slice per tile or crop
            before, after = before.flatten(0, before.dim() - 4), after.flatten(0, after.dim() - 4)
        for index in range(before.shape[0]):  # else one slice per patch (Qwen) or tile (LFM2-VL)
            tiles += 1
            if torch.equal(before[index], after[index]):
                raise ConformanceError("a tile or crop of a row's image was left without noise")
    return f"batch {worst:.0e}, {tiles} tiles/crops noised in {len(seen)} rows"


def check_template(model: Any, items: Sequence[EvalItem] = ()) -> str:
    """The prompt MVCL-MI trains on is the prompt bench and analysis evaluate: the generation
    prompt is a prefix of the rendered assistant turn (else training refuses the template)."""
    try:
        turn = assistant_turn(model.processor)
    except ChatTemplateError as err:
        raise ConformanceError(f"training refuses this template: {err}") from err
    return f"answer prefix {turn.prefix!r}, {'parts' if turn.parts else 'string'} content"


def tiny_family_loader(make_folder: Callable[[str], Any], *, device: str = "cpu") -> Callable[[str], Any]:
    """`get(family)`: the tiny model of `family` built into `make_folder(family)` and loaded
    through `hf:` in float32, once (later calls return the same model): the matrix tests' fixture."""
    from xtvqa_models import build_tiny_model, load_model

    cache: dict[str, Any] = {}

    def get(family: str) -> Any:
        if family not in cache:
            folder = build_tiny_model(family, make_folder(family), seed=0, overwrite=True)
            cache[family] = load_model(f"hf:{folder}", dtype="float32", device=device)
        return cache[family]

    return get


MODEL_STAGES: dict[str, Callable[[Any, Sequence[EvalItem]], str]] = {
    "generate": check_generate,
    "score": check_score,
    "noise": check_noise,
    "template": check_template,
}
