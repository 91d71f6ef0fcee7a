"""Answer-only cross-entropy pre-training with a question-language mix (recipe tiny-base).

Real LVLMs are trained mostly in English and in the image's own language; the paper's
cross-lingual gap (Table 1) comes from there. `LanguageMix` draws each training example's
question language the same way: the image's language with probability `source`, else one of
the other languages with English weighted `english_weight` times the rest. A question in another
language names things in that language (a German question asks about "Kaffee" when the image
says "Café"), so answering it needs a mapping the model sees less often: the gap.

`AnswerDataset` draws the language per (epoch, record) from the seed, so every epoch asks the
records anew and a run is reproducible. `Phases` chains datasets into a curriculum (tiny-base
trains the copy-answer kinds first, then every kind). `AnswerCETrainer` is `transformers.Trainer`
with the loss taken on answer tokens only, and the LM head applied to those positions only: on a CPU the
[B, T, V] prompt logits cost ten times the rest of the step (measured: 9 vs 132 samples/s at
hidden 192, T ~ 110, V = 4096).
"""

from __future__ import annotations

import bisect
import hashlib
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch.utils.data import Dataset, Sampler
from transformers import Trainer, TrainerCallback
from transformers.trainer_pt_utils import LengthGroupedSampler
from xtvqa_data import EvalItem, Record
from xtvqa_models.chat import render_prompt
from xtvqa_models.prompts import PromptConfig
from xtvqa_models.teacher_forcing import continuation_ids

from xtvqa_reader.vision_attention import same_size_image_features

IGNORE_INDEX = -100


@dataclass(frozen=True)
class LanguageMix:
    """P(question language | image language): `source` for the image's own, the rest shared
    by the other languages with weight `english_weight` for English and 1 for each other."""

    source: float = 0.75
    english_weight: float = 3.0

    def draw(self, record: Record, rng: random.Random) -> str:
        if rng.random() < self.source:
            return record.image_lang
        others = [lang for lang in record.question if lang != record.image_lang and lang in record.answers]
        if not others:
            return record.image_lang
        weights = [self.english_weight if lang == "en" else 1.0 for lang in others]
        return rng.choices(others, weights)[0]


def token_counts(tokenizer, texts: list[str]) -> list[int]:
    """Tokens in each text (no special tokens added): the Rust tokenizer's `encode_batch_fast`
    where the tokenizer has one (no offsets, no Python encodings: 1.33x the tokenizer's call on
    one core, 1.76x on two, 3.5x on a lent machine's 16, where the call's per-text Python work is
    the serial part; it runs on every core unless TOKENIZERS_PARALLELISM is false;
    benchmarks/prompt_lengths.py), else the tokenizer's own call. The same counts either way
    (tested)."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None and hasattr(backend, "encode_batch_fast"):
        return [len(encoding) for encoding in backend.encode_batch_fast(texts, add_special_tokens=False)]
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]


class AnswerDataset(Dataset):
    """`epochs` passes over `records`; item k is record k mod n asked in a language drawn from
    (seed, k). Each item: input_ids, labels (-100 on the prompt), mm_token_type_ids, image tensors."""

    def __init__(self, records: Sequence[Record], processor, *, mix: LanguageMix, epochs: int,
                 seed: int, prompt: PromptConfig, image_size: int):
        self.records, self.processor, self.mix, self.seed = list(records), processor, mix, seed
        self.epochs, self.prompt, self.image_size = epochs, prompt, image_size
        self.eos = processor.tokenizer.eos_token_id
        self.record_lengths = self._prompt_lengths()

    def _prompt_lengths(self) -> list[int]:
        """Prompt lengths for length-grouped batches (the source-language prompt stands in for
        the others). The text is tokenised alone, 8x faster than the processor with the image;
        every image is resized to `image_size`, so its placeholder expands by one constant,
        measured on the first record."""
        if not self.records:
            return []
        texts = [render_prompt(self.processor, EvalItem(r, r.image_lang), self.prompt) for r in self.records]
        counts = token_counts(self.processor.tokenizer, texts)
        expansion = len(self.encode(self.records[0], self.records[0].image_lang)["prompt_ids"]) - counts[0]
        return [count + expansion for count in counts]

    def __len__(self) -> int:
        return len(self.records) * self.epochs

    def language(self, k: int) -> str:
        digest = hashlib.sha256(f"{self.seed}:{k}".encode()).digest()
        return self.mix.draw(self.records[k % len(self.records)], random.Random(digest))

    def encode(self, record: Record, question_lang: str) -> dict[str, torch.Tensor]:
        item = EvalItem(record, question_lang)
        text = render_prompt(self.processor, item, self.prompt)
        image = record.image.convert("RGB").resize((self.image_size, self.image_size))
        enc = encode_one_image(self.processor, text, image)
        answer = [*continuation_ids(self.processor.tokenizer, text, record.answers[question_lang][0]), self.eos]
        return {
            "prompt_ids": enc["input_ids"][0],
            "mm_token_type_ids": enc["mm_token_type_ids"][0],
            "answer_ids": torch.tensor(answer),
            "pixel_values": enc["pixel_values"],
            "image_grid_thw": enc["image_grid_thw"],
        }

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        return self.encode(self.records[k % len(self.records)], self.language(k))

    @property
    def lengths(self) -> list[int]:
        return self.record_lengths * self.epochs

    @property
    def phase_lengths(self) -> list[list[int]]:
        return [self.lengths]


def encode_one_image(processor, text: str, image) -> dict[str, torch.Tensor]:
    """`processor(text=[text], images=[image], return_tensors="pt")` for a prompt holding one image
    placeholder, in the processor's own three steps (image processor, placeholder expansion by
    `replace_image_token`, tokenizer; `mm_token_type_ids` 1 on image tokens) without its generic
    argument handling, which took 60 % of the call (0.37 of 0.58 ms for the reader's prompts):
    the data-loading workers bound a tiny-base step on a GPU. Identical tensors (tested); any
    other processor or prompt goes through the processor itself."""
    token, video = getattr(processor, "image_token", None), getattr(processor, "video_token", None)
    if (type(processor).__name__ != "Qwen2VLProcessor" or token is None or text.count(token) != 1
            or (video is not None and video in text)):
        return processor(text=[text], images=[image], return_tensors="pt")
    pixels = processor.image_processor(images=[image], return_tensors="pt")
    text = text.replace(token, processor.replace_image_token(pixels, 0))
    tokens = processor.tokenizer([text], return_tensors="pt")
    types = torch.zeros_like(tokens["input_ids"])
    types[torch.isin(tokens["input_ids"], torch.tensor([i for i in processor.image_token_ids if i is not None]))] = 1
    return {**tokens, "mm_token_type_ids": types, "pixel_values": pixels["pixel_values"],
            "image_grid_thw": pixels["image_grid_thw"]}


class Phases(Dataset):
    """Datasets trained one after the other (a curriculum): index k runs through the first
    phase's items, then the second's. `AnswerCETrainer` shuffles within a phase, never across."""

    def __init__(self, phases: Sequence[AnswerDataset]):
        if not phases:
            raise ValueError("Phases needs at least one dataset")
        self.phases = list(phases)
        self.starts = [0]
        for phase in self.phases:
            self.starts.append(self.starts[-1] + len(phase))

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, k: int) -> dict[str, torch.Tensor]:
        if not 0 <= k < len(self):
            raise IndexError(f"item {k} of {len(self)}")
        phase = bisect.bisect_right(self.starts, k) - 1
        return self.phases[phase][k - self.starts[phase]]

    @property
    def lengths(self) -> list[int]:
        return [n for phase in self.phases for n in phase.lengths]

    @property
    def phase_lengths(self) -> list[list[int]]:
        return [phase.lengths for phase in self.phases]


class PhasedLengthSampler(Sampler):
    """transformers' `LengthGroupedSampler` order within each phase (batches of similar prompt
    length, so little padding), phases in order."""

    def __init__(self, batch_size: int, phase_lengths: Sequence[Sequence[int]], generator: torch.Generator):
        self.batch_size, self.phase_lengths, self.generator = batch_size, phase_lengths, generator

    def __len__(self) -> int:
        return sum(map(len, self.phase_lengths))

    def __iter__(self):
        start = 0
        for lengths in self.phase_lengths:
            order = LengthGroupedSampler(self.batch_size, lengths=list(lengths), generator=self.generator)
            yield from (start + int(i) for i in order)
            start += len(lengths)


def collate_answers(features: list[dict[str, torch.Tensor]], pad_id: int, *,
                    text_positions: bool = False) -> dict[str, torch.Tensor]:
    """Left-padded prompts then right-padded answers ([B, P + L]), so every answer starts at
    column P and the loss needs the last L + 1 logit positions only; image tensors concatenated.

    `text_positions`: also `position_ids`, 0, 1, 2, ... over each row's attended tokens. When
    every image is one visual token (the OCR reader's 28 px image) these are exactly Qwen2-VL's
    M-RoPE positions, and the model then skips `get_rope_index`, which walks the batch sample by
    sample (benchmarks/reader_step.py); a row with more visual tokens is refused."""
    width_p = max(len(f["prompt_ids"]) for f in features)
    width_a = max(len(f["answer_ids"]) for f in features)
    ids, labels, mask, types = [], [], [], []
    for f in features:
        left, right = width_p - len(f["prompt_ids"]), width_a - len(f["answer_ids"])
        n_prompt, n_answer = len(f["prompt_ids"]), len(f["answer_ids"])
        ids.append(torch.cat([torch.full((left,), pad_id), f["prompt_ids"], f["answer_ids"], torch.full((right,), pad_id)]))
        labels.append(torch.cat([torch.full((left + n_prompt,), IGNORE_INDEX), f["answer_ids"],
                                 torch.full((right,), IGNORE_INDEX)]))
        mask.append(torch.cat([torch.zeros(left), torch.ones(n_prompt + n_answer), torch.zeros(right)]).long())
        types.append(torch.cat([torch.zeros(left, dtype=torch.long), f["mm_token_type_ids"],
                                torch.zeros(n_answer + right, dtype=torch.long)]))
    batch = {
        "input_ids": torch.stack(ids), "labels": torch.stack(labels), "attention_mask": torch.stack(mask),
        "mm_token_type_ids": torch.stack(types),
        "pixel_values": torch.cat([f["pixel_values"] for f in features]),
        "image_grid_thw": torch.cat([f["image_grid_thw"] for f in features]),
    }
    if text_positions:
        if (batch["mm_token_type_ids"] != 0).sum(-1).max() > 1:
            raise ValueError("text_positions needs each row's image to be one visual token "
                             "(M-RoPE positions of larger images are not 1-D)")
        batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
    return batch


class AnswerCETrainer(Trainer):
    """`Trainer` with CE on answer tokens only, the LM head run on those positions alone.

    `prompt_loss_weight` > 0 adds that weight times the next-token CE on the prompt's text tokens
    (not padding, not image tokens): a dense signal in which a name the question quotes from the
    OCR lines is copied too. It costs the LM head on every position.
    """

    prompt_loss_weight: float = 0.0

    def __init__(self, *args, prompt_loss_weight: float = 0.0, **kwargs):
        super().__init__(*args, **kwargs)
        if prompt_loss_weight < 0:
            raise ValueError(f"prompt_loss_weight must be >= 0, got {prompt_loss_weight}")
        self.prompt_loss_weight = prompt_loss_weight

    def _get_train_sampler(self, train_dataset=None):
        dataset = train_dataset if train_dataset is not None else self.train_dataset
        generator = torch.Generator().manual_seed(self.args.seed)
        return PhasedLengthSampler(self.args.train_batch_size * self.args.gradient_accumulation_steps,
                                   dataset.phase_lengths, generator)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, answer_logits = answer_loss(model, inputs, self.prompt_loss_weight)
        return (loss, {"logits": answer_logits}) if return_outputs else loss


def answer_loss(model, inputs: dict[str, torch.Tensor], prompt_loss_weight: float = 0.0):
    """(loss, answer logits) of a `collate_answers` batch: CE on the answer tokens, the LM head
    run on those positions alone (on every position when `prompt_loss_weight` > 0, which adds
    that weight times `prompt_text_loss`). `inputs` is not changed."""
    inputs = dict(inputs)
    labels = inputs.pop("labels")  # [B, P + L], answers in columns P .. P + L - 1
    if inputs.get("pixel_values") is not None and inputs.get("image_grid_thw") is not None:
        # same-size images: their patch positions built once, not image by image (vision_attention)
        features = same_size_image_features(model, inputs["pixel_values"], inputs["image_grid_thw"])
        if features is not None:
            del inputs["pixel_values"]
            inputs["mm_encoder_outputs"] = {"image": features}
    width = labels.shape[1]
    first = int(torch.nonzero((labels != IGNORE_INDEX).any(0))[0])  # = P
    keep = 0 if prompt_loss_weight else width - first + 1  # 0: every position
    logits = model(**inputs, logits_to_keep=keep, use_cache=False).logits  # [B, L + 1 (or P + L), V]
    answer_logits = logits[:, -(width - first + 1):]
    targets = labels[:, first:]  # [B, L]; logit column i predicts answer token i
    loss = torch.nn.functional.cross_entropy(answer_logits[:, :-1].float().flatten(0, 1), targets.flatten(),
                                             ignore_index=IGNORE_INDEX)
    if prompt_loss_weight:
        loss = loss + prompt_loss_weight * prompt_text_loss(logits[:, :first], inputs)
    return loss, answer_logits


def prompt_text_loss(prompt_logits: torch.Tensor, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    """Mean next-token CE over the prompt's text tokens: [B, P, V] logits of columns 0 .. P - 1
    (left-padded prompts); a target counts when it is attended, text (type 0) and its
    predecessor is attended too."""
    ids = inputs["input_ids"][:, : prompt_logits.shape[1]]
    attended = inputs["attention_mask"][:, : ids.shape[1]].bool()
    text = attended if "mm_token_type_ids" not in inputs else attended & (inputs["mm_token_type_ids"][:, : ids.shape[1]] == 0)
    counted = text[:, 1:] & attended[:, :-1]
    targets = ids[:, 1:].masked_fill(~counted, IGNORE_INDEX)
    return torch.nn.functional.cross_entropy(prompt_logits[:, :-1].float().flatten(0, 1), targets.flatten(),
                                             ignore_index=IGNORE_INDEX)


@torch.no_grad()
def answer_exact_rate(model, batch: dict[str, torch.Tensor]) -> float:
    """Share of rows whose every answer token (and end of turn) is the argmax under teacher
    forcing: exactly the rows greedy decoding answers verbatim. One forward pass, no generate."""
    device = next(model.parameters()).device
    inputs = {k: v.to(device) for k, v in batch.items()}
    labels = inputs.pop("labels")
    first = int(torch.nonzero((labels != IGNORE_INDEX).any(0))[0])
    was_training = model.training
    model.eval()
    logits = model(**inputs, logits_to_keep=labels.shape[1] - first + 1, use_cache=False).logits
    model.train(was_training)
    targets = labels[:, first:]
    right = (logits[:, :-1].argmax(-1) == targets) | (targets == IGNORE_INDEX)
    return right.all(-1).float().mean().item()


class HeldOutCallback(TrainerCallback):
    """Logs `answer_exact_rate` on held-out batches (source-language and cross-lingual
    questions, images from another seed) every `every` steps, with the elapsed seconds."""

    def __init__(self, batches: dict[str, dict[str, torch.Tensor]], every: int):
        self.batches, self.every, self.started = batches, every, time.perf_counter()

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if state.global_step % self.every and state.global_step != state.max_steps:
            return
        self.measure(state, model)

    def on_train_end(self, args, state, control, model=None, **kwargs):
        """A run stopped early (a time budget) is measured at the step it stopped at too."""
        done = [h["held_out"]["step"] for h in state.log_history if "held_out" in h]
        if state.global_step and (not done or done[-1] != state.global_step):
            self.measure(state, model)

    def measure(self, state, model) -> None:
        row = {name: round(answer_exact_rate(model, batch), 4) for name, batch in self.batches.items()}
        row.update(step=state.global_step, elapsed_s=round(time.perf_counter() - self.started, 1))
        state.log_history.append({"held_out": row})
        print(f"held-out exact (teacher-forced) at step {row['step']}, {row['elapsed_s']} s: "
              + ", ".join(f"{k} {v:.3f}" for k, v in row.items() if k not in ("step", "elapsed_s")), flush=True)
