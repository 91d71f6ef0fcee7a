"""Probe: can the tiny OCR reader learn associative recall (find a name among the OCR lines,
answer the line beside it), and what speeds that up? Issue 6's bottleneck, measured alone.

Builds the bundled reader's architecture (`ocr_reader.build_ocr_reader`: hidden 192, 4 layers,
8192-token BPE) on 4,000 generated train records (seed 1000) and trains it with the recipe's
trainer (`pretrain.AnswerCETrainer`, answer-only CE, AdamW lr 1e-3 after 100 warm-up steps,
batch 32, one CPU thread) on lookup questions asked in English about each record's OCR lines:
"Which line comes after “X”?" / "Which line comes before “X”?" (X a line that occurs once).
Every 200 steps it prints the exact rate under teacher forcing on 96 lookups about held-out
records (seed 1001) of each direction, line-after and line-before apart (before session 16:
96 lookups of both directions pooled); it stops after --minutes of training.

--echo N puts N "echo" samples first (a curriculum; `tiny_base.echo_records`, the recipe's
phase 0): "Repeat the text." or "Repeat the lines from “X” on." answered by 3 to 12
consecutive OCR lines. Every answer token is then a copy from
the prompt, a dense signal for the attention that finds a string and reads on from it (the
lookup's first answer token is exactly such a read). --mix S instead mixes echo samples into
the lookups, share S. --question-first puts the question before the OCR lines. --restate
answers a line-after lookup with the line asked about and then the answer ("X\nY", as the two
lines stand in the OCR list: the read-on of the echo phase; its exact counts X's tokens too, so
it is a lower bound on Y's). --queries K asks each training sample about 1 to K lines at once
("Which lines come after “X1”, “X2” and “X3”?", answered one per line; the held-out lookups stay
one line each). --heads, --kv-heads, --hidden, --layers change the decoder's shape. --qa N
adds a last phase of N question-answer samples, the generator's own questions about
--qa-records records (seed 1000) in the recipe's language mix (`TinyBase.source_share`,
`english_weight`): the recipe's all-kinds phase in small, to see whether lookups first lift
it; it adds held-out "qa source" and "qa cross" batches (`tiny_base.held_out_batches`, 96 records).
--qa-lookups S makes a share S of those N samples lookups (mixed in, fresh draws). --init
MODEL starts from a saved reader (the bundled model, say) with its own processor and prompt
instead of a fresh one; --held-out N sets the held-out records a batch (96 by default); --save
DIR writes the trained reader there, with the prompt it trained with.

Measured on the 2-core machine, two probes at a time (one thread each), held-out lookup exact:
no echo 0.03-0.06 at 1,600-1,800 steps; --echo 12000: 0.09-0.14 at 1,600-1,700 steps and 0.22-0.26
at 3,000-3,500 steps (25 minutes); --echo 30000: 0.19-0.26 at 2,800-3,200 steps; --mix 0.5:
0.07-0.08 at 1,200-1,300 steps; --question-first 0.04-0.10 at 1,800-2,800 steps, with --echo
12000 0.08-0.13 at 1,600-2,600. --mimetic (with --echo 12000, 12 minutes, 1,724 steps):
queries/keys only (--mimetic 0) 0.01-0.06 from step 600 on, worse; with value_out 0.5 0.07-0.10 at
600-1,400 and 0.13-0.17 at 1,600-1,726, within noise of no mimetic init.
Session 16, --echo 12000, 25 minutes, two at a time (after / before, 96 lookups each, a 95 %
interval of about +-0.08): the reader as it is 0.19 / 0.14 at step 3,000 and 0.26 / 0.18 at its last (3,234);
--restate 0.16 / 0.26 at 3,000, 0.18 / 0.26 at 3,054; --kv-heads 4 (no grouped-query
attention) 0.15 / 0.15 at 3,000, 0.10 / 0.19 at 3,185; --heads 6 --kv-heads 6 0.15 / 0.22 at
3,000, 0.16 / 0.19 at 3,098: none moves the lookups beyond noise. Depth and width, 30 minutes,
compared step for step (larger models take more time a step): --layers 6 (3.7M parameters) 0.06 / 0.05 at 1,600,
0.13 / 0.13 at 2,400, 0.16 / 0.14 at 2,600, 0.08 / 0.15 at 2,792 (the reader: 0.05 / 0.13,
0.12 / 0.09, 0.17 / 0.14 at the same steps); --hidden 256 --layers 6 (5.7M parameters, 23 MB) 0.06 /
0.06 at 1,600, 0.04 / 0.06 at 1,736: no faster per step either. Two 48-minute runs ended
where the data does (12,000 echo samples and 100,000 lookups are 3,500 steps of 32; --lookups
sets more): the reader 0.20 / 0.18 at 3,500 (its curve the same as the 25-minute run's, step
for step: the probe is deterministic), --lr 2e-3 0.07 / 0.05 (slower). --lookups 300000, 28
minutes: 0.21 / 0.26 at 3,600, 0.19 / 0.18 at its last step (3,828): no rise past one pass yet.
Session 17, --echo 12000, 25 minutes, two at a time: --queries 4 (each training sample asks
about 1 to 4 lines at once, a denser signal as in multi-query associative recall) 0.09 / 0.08 at
1,400, 0.07 / 0.09 at 2,000, 0.14 / 0.12 at 2,600 (the reader: 0.06 / 0.03, 0.06 / 0.03,
0.17 / 0.14); --queries 8 0.07 / 0.08 at 1,400, 0.09 / 0.07 at 2,000, 0.06 / 0.07 at its last
(2,329): no faster per step, and each step takes longer (longer answers).
Session 17, --echo 12000 --lookups 400000, 90 minutes, two at a time: the lookups keep rising
past the 3,800 steps where every run above stopped. lr 1e-3: 0.22 / 0.17 at 3,000, 0.33 / 0.34
at 5,600, 0.50 / 0.44 at 8,000, then 0.40-0.50 either way to its last step (12,295: 0.50 /
0.42); --lr 5e-4: 0.19 / 0.16 at 3,000, 0.41 / 0.39 at 5,600, 0.51 / 0.51 at 8,000, then
0.42-0.55 (12,222: 0.55 / 0.48).
Session 18, --qa (45 minutes, two at a time; 96 held-out records a batch, so about +-0.09):
--echo 12000 --lookups 96000 --qa 64000 against --echo 12000 --lookups 0 --qa 160000, the same
5,375 steps planned (stopped by time at 5,327 and 5,212). With the lookups first, they reach
0.16 / 0.17 (after / before) at 3,200, the end of their phase, and are unlearned in the
question-answer phase: 0.02-0.08 from step 3,800 on. Its qa source rate is 0.23 after 225 qa
steps (step 3,600) and 0.21-0.31 to the end (0.312 at 5,327); without the lookups it is
0.10-0.19 for the first 1,800 qa steps, 0.17-0.20 to 3,400, then 0.24-0.41 (0.406 at 5,212).
So the lookups give the question-answer phase a head start (in 225 steps the level the other
run took 1,200-3,400 for) but not a higher level, at equal total steps the run without them
ends higher (within noise), and what they taught is gone after ~400 steps of questions.
The same with --qa-lookups 0.25 (a quarter of the 64,000 qa samples lookups, mixed in; run
alone after the two): the same curve to step 3,375 (the probe is deterministic), then the
lookups kept, 0.16-0.22 either way from 3,600 to the end (0.167 / 0.208 at 5,375), and qa
source 0.18-0.26 to 4,800, 0.20-0.33 after (0.333 at 5,375): the questions no better or worse
than without the mix, within noise, on 25 % fewer question samples.
So the associative lookup is learnable by this reader; it takes ~8,000 steps of 32 lookups
alone (at a constant rate; the flattening after 8,000 may be the rate's), more than any CPU
recipe gives it (`TinyBase.lookup_samples`, the recipe's phase for it).
Session 19. Every fresh-reader probe from session 16's on (after the prompt config gained
`ocr_granularity`, 2026-11-26) built its prompt with that field's default, "word": an OCR line of
several words ("IC 9538", "Hot chocolate") reached the reader as one line a word, while the
lookups asked about and answered with whole lines (58 % of 2,000 lookups on 300 records had a
line of several words asked about or answered); the recipe, the bundled model and --init have
always used the reader's prompt (one line a string), which a fresh reader now gets too. Measured
again with it (--echo 12000 --lookups 400000, 42 minutes, the first 35 beside another probe):
0.05 / 0.05 at 1,400, 0.14 / 0.14 at 2,400, 0.18 / 0.18 at 3,000 and 0.12 / 0.26 at its last
step (3,258); the word-split runs had 0.12 / 0.09 at 2,400 and 0.22 / 0.17 at 3,000: the same
curve within noise as far as it goes. Whether the 0.40-0.55 plateau after 8,000 steps was the
split's is not measured.
--init from the bundled model (192 held-out records a batch, +-0.07; lr 5e-4; two at a time):
--lookups 0 --qa 400000 (the question-answer phase going on, the control): qa source 0.46-0.52
through 1,600 steps (stopped there; the bundled model's own teacher-forced rate on 256 other
held-out records: 0.520), lookups 0.01-0.06 throughout. The same with --qa-lookups 0.75 (24
lookups and 8 questions a step, 65 minutes, 4,046 steps): lookups 0.13 / 0.10 at 400, 0.23 /
0.23 at 1,400, 0.34 / 0.35 at 2,800, 0.41-0.43 / 0.37-0.42 from 3,400 on (0.411 / 0.406 at the
end); qa source fell to 0.38-0.43 over the first 1,600 steps and came back to 0.46-0.51 from
2,600 on (0.469 at the end, qa cross 0.391). So the bundled model learns the lookup from ~100,000
samples of it (faster than a fresh reader) without losing the questions, but at 0.41 it does
not answer the questions better: the skill the lookup probe measures does not yet carry into
the question kinds that need it.
Session 22, --window N (a curriculum on how many lines a lookup searches: the first N lookups
see 2 to a growing cap of consecutive OCR lines around the line asked about, whole records from
there on; held-out lookups whole), --echo 12000 --lookups 400000, 40 minutes, two at a time
(after / before): --window 40000 (windows until step ~1,625) 0.00 / 0.15 at 1,400, 0.14 / 0.16
at 2,000, 0.18 / 0.14 at 2,400, 0.20 / 0.18 at its last (2,574); --window 80000 (until ~2,875)
0.08 / 0.10 at 1,400, 0.12 / 0.14 at 2,000, 0.18 / 0.08 at 2,400, 0.22 / 0.19 at its last
(2,656). The whole-record run above: 0.05 / 0.05 at 1,400, 0.14 / 0.14 at 2,400, 0.18 / 0.18
at 3,000: the same curve within noise, so the number of lines searched is not what makes the
lookup slow to learn either. (Those runs took the answer's side from the line after the one
asked about where it equalled the answer; now from the question: 1 and 3 of their 40,000 and
80,000 windows differ.)
packages/xtvqa-reader/README.md has the table.

Run: uv run python experiments/reader_lookup.py [--echo 12000] [--restate] [--queries 4] [--window 40000] [--qa 64000] [--minutes 12]
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForImageTextToText, AutoProcessor, TrainingArguments
from xtvqa_data import EvalItem, Record
from xtvqa_data.synth import generate
from xtvqa_models.prompts import PromptConfig
from xtvqa_reader.ocr_reader import (
    READER_PROMPT,
    ReaderSize,
    build_ocr_reader,
    mimetic_init,
    save_reader,
)
from xtvqa_reader.pretrain import (
    AnswerCETrainer,
    AnswerDataset,
    HeldOutCallback,
    LanguageMix,
    Phases,
    collate_answers,
)
from xtvqa_reader.recipes import TinyBase
from xtvqa_reader.tiny_base import (
    LOOKUP,
    TimeBudget,
    askable,
    echo_records,
    held_out_batches,
    lookup_records,
)

LOOKUPS = {1: "Which lines come after {xs}?", -1: "Which lines come before {xs}?"}  # --queries


class QuestionFirst(PromptConfig):
    """The reader's prompt with the question before the OCR lines (then the instruction)."""

    def text(self, item: EvalItem) -> str:
        header = self.ocr_header.get(item.question_lang) or self.ocr_header["en"]
        lines = self.ocr_separator.join(list(item.ocr_tokens)[: self.max_ocr_tokens])
        return "\n".join([item.question, header + "\n" + lines, self.instruction(item)])


def asked(record: Record, question: str, answer: str) -> Record:
    """`record` with one question and answer, the same in every language."""
    return record.replace(question={lang: question for lang in record.question},
                          answers={lang: (answer,) for lang in record.answers}, question_type="extractive")


def lookups(pool: list[Record], n: int, seed: int, *, restate: bool = False,
            offsets: tuple[int, ...] = (1, -1), queries: int = 1) -> list[Record]:
    """`n` lookups about `pool`'s records; `restate`: a line-after lookup is answered by the
    line asked about, then the answer ("X\nY", as the two lines stand in the OCR list);
    `queries` > 1: each sample asks about 1 to `queries` lines at once (uniformly, one direction),
    answered one per line in the order asked (`LOOKUPS`)."""
    if not restate and queries == 1:  # the recipe's own lookups (the same draws as the loop below)
        return lookup_records(pool, n, seed, offsets)
    rng, out = random.Random(seed), []
    while len(out) < n:
        record = pool[rng.randrange(len(pool))]
        lines, offset = list(record.ocr_tokens), rng.choice(offsets)
        unique = askable(lines, offset)
        if not unique:
            continue
        if queries > 1:
            asked_about = rng.sample(unique, min(len(unique), rng.randint(1, queries)))
            if len(asked_about) > 1:
                names = [f"“{lines[i]}”" for i in asked_about]
                question = LOOKUPS[offset].format(xs=", ".join(names[:-1]) + " and " + names[-1])
                out.append(asked(record, question, "\n".join(lines[i + offset] for i in asked_about)))
                continue
            i = asked_about[0]
        else:  # restate
            i = rng.choice(unique)
        answer = lines[i] + "\n" + lines[i + 1] if restate and offset == 1 else lines[i + offset]
        out.append(asked(record, LOOKUP[offset].format(line=lines[i]), answer))
    return out


def windowed(items: list[Record], n: int, seed: int, *, smallest: int = 2) -> list[Record]:
    """The first `n` of `items` (lookups) with their OCR lines cut to a window of consecutive
    lines holding the line asked about and its answer: a curriculum on the number of lines the
    lookup must search. Sample k's window has a size drawn from `smallest` to a cap that grows
    linearly from `smallest` + 1 to the record's line count over the `n` samples; the rest of
    `items` are unchanged (whole records, as the held-out lookups)."""
    rng, out = random.Random(seed), []
    for k, record in enumerate(items):
        lines = list(record.ocr_tokens)
        if k >= n or len(lines) <= smallest:
            out.append(record)
            continue
        question = record.question[next(iter(record.question))]
        asked_line = question.split("“", 1)[1].rsplit("”", 1)[0]  # LOOKUP's quotes
        i = lines.index(asked_line)
        j = i + 1 if question == LOOKUP[1].format(line=asked_line) else i - 1  # the answer's line
        cap = min(len(lines), smallest + 1 + int((len(lines) - smallest) * k / n))
        size = max(2, rng.randint(smallest, cap))
        low, high = min(i, j), max(i, j)  # the window [start, start + size) must hold both
        start = rng.randint(max(0, high - size + 1), min(low, len(lines) - size))
        out.append(record.replace(ocr_tokens=tuple(lines[start : start + size])))
    return out


def with_heads(model, heads: int | None, kv_heads: int | None):
    """A freshly initialised reader of `model`'s shape with other decoder head counts (the
    embeddings initialised as `build_ocr_reader` does)."""
    config = model.config
    text = config.get_text_config()
    text.num_attention_heads = heads or text.num_attention_heads
    text.num_key_value_heads = kv_heads or max(1, text.num_attention_heads // 2)
    if text.hidden_size % text.num_attention_heads or text.num_attention_heads % text.num_key_value_heads:
        raise SystemExit(f"hidden {text.hidden_size}, {text.num_attention_heads} heads, {text.num_key_value_heads} "
                         "key/value heads: the heads must divide the hidden size and the key/value heads the heads")
    half = text.hidden_size // text.num_attention_heads // 2  # rotary pairs per head, split over (t, h, w)
    text.rope_parameters = {**text.rope_parameters, "mrope_section": [half - 2 * (half // 3), half // 3, half // 3]}
    torch.manual_seed(1000)
    fresh = type(model)(config)
    torch.nn.init.normal_(fresh.get_input_embeddings().weight, std=0.02)
    return fresh


def train_probe(model, pad_id: int, phases: list[AnswerDataset], held_out: dict, *, minutes: float, lr: float,
                batch_size: int = 32) -> None:
    """The probes' training: the recipe's trainer, AdamW `lr` constant after 100 warm-up steps,
    one CPU process, `held_out`'s exact rate printed every 200 steps, stopped after `minutes`."""
    with tempfile.TemporaryDirectory(prefix="xtvqa-probe-") as scratch:
        training = TrainingArguments(
            output_dir=scratch, per_device_train_batch_size=batch_size, num_train_epochs=1, learning_rate=lr,
            lr_scheduler_type="constant_with_warmup", warmup_steps=100, weight_decay=0.01, adam_beta2=0.98,
            max_grad_norm=1.0, logging_steps=200, save_strategy="no", report_to="none", seed=0, use_cpu=True,
            dataloader_num_workers=0, remove_unused_columns=False, disable_tqdm=True)
        model.train()
        AnswerCETrainer(model=model, args=training, train_dataset=Phases(phases),
                        data_collator=lambda features: collate_answers(features, pad_id),
                        callbacks=[HeldOutCallback(held_out, 200), TimeBudget(minutes * 60)]).train()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--echo", type=int, default=0, help="echo samples first (a curriculum phase)")
    parser.add_argument("--mix", type=float, default=0.0, help="share of echo samples mixed into the lookups")
    parser.add_argument("--question-first", action="store_true", help="question before the OCR lines")
    parser.add_argument("--mimetic", type=float, default=None, metavar="VALUE_OUT",
                        help="mimetic attention init (ocr_reader.mimetic_init); its value_out (0: queries/keys only)")
    parser.add_argument("--restate", action="store_true",
                        help="answer a line-after lookup with the line asked about, then the answer")
    parser.add_argument("--hidden", type=int, default=192, help="decoder hidden size (the reader's: 192)")
    parser.add_argument("--layers", type=int, default=4, help="decoder layers (the reader's: 4)")
    parser.add_argument("--heads", type=int, default=None, help="decoder attention heads (default: the reader's 4)")
    parser.add_argument("--kv-heads", type=int, default=None,
                        help="decoder key/value heads (default: half the heads, as the reader's grouped-query attention)")
    parser.add_argument("--lookups", type=int, default=100_000,
                        help="training lookups: with the echo samples one pass, 32 a step (default: %(default)s)")
    parser.add_argument("--queries", type=int, default=1,
                        help="training lookups ask about 1 to this many lines at once (a denser signal; "
                             "the held-out lookups stay one line each)")
    parser.add_argument("--window", type=int, default=0, metavar="N",
                        help="the first N lookups see a window of consecutive OCR lines around the line asked "
                             "about, from 2-3 lines growing to the whole record over the N (`windowed`)")
    parser.add_argument("--qa", type=int, default=0,
                        help="question-answer samples after the lookups (the generator's own questions on "
                             "--qa-records records, the recipe's language mix); adds held-out qa batches")
    parser.add_argument("--qa-records", type=int, default=16_000,
                        help="distinct records the --qa samples cycle through (default: %(default)s)")
    parser.add_argument("--qa-lookups", type=float, default=0.0,
                        help="share of the --qa samples that are lookups instead (fresh draws): the lookups "
                             "kept up through the question-answer phase")
    parser.add_argument("--init", type=Path, default=None, metavar="MODEL",
                        help="start from a saved reader (a tiny-base model folder: its weights, processor and "
                             "xtvqa_prompt.json) instead of a fresh one; the shape options do not apply")
    parser.add_argument("--held-out", type=int, default=96,
                        help="held-out records per batch (each lookup direction, each qa side; default: %(default)s)")
    parser.add_argument("--save", type=Path, default=None, metavar="DIR",
                        help="write the trained reader there at the end (a model folder `apps/bench --model hf:DIR` "
                             "takes, and `reader_checks.py --model DIR --seed 1000`: its records' seed)")
    parser.add_argument("--minutes", type=float, default=12.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()
    if not 0 <= args.mix < 1 or args.echo < 0 or (args.mix and args.echo):
        parser.error("--mix in [0, 1) or --echo >= 0, not both")
    if args.queries < 1:
        parser.error("--queries must be at least 1")
    if args.window < 0 or (args.window and (args.restate or args.queries > 1)):
        parser.error("--window takes N >= 0 and cuts one-line lookups (no --restate or --queries)")
    if args.lookups < 0 or args.qa < 0 or args.qa_records < 1:
        parser.error("--lookups and --qa must be >= 0, --qa-records >= 1")
    if not 0 <= args.qa_lookups < 1 or (args.qa_lookups and not args.qa):
        parser.error("--qa-lookups takes a share in [0, 1) of the --qa samples")
    if args.save is not None and args.question_first:
        parser.error("--save writes the reader's own prompt; a --question-first reader would be scored on another")
    if not 1 <= args.held_out <= 200:
        parser.error("--held-out takes 1 to 200 records (the held-out pool)")
    shaped = (args.question_first or args.mimetic is not None or args.heads or args.kv_heads
              or (args.hidden, args.layers) != (192, 4))
    if args.init is not None and shaped:
        parser.error("--init starts from a saved reader: its shape and prompt are its own (no --hidden, --layers, "
                     "--heads, --kv-heads, --mimetic or --question-first)")
    init_prompt = PromptConfig.from_model_dir(args.init) if args.init is not None else None
    if args.init is not None and init_prompt is None:
        parser.error(f"--init {args.init}: not a reader folder (no xtvqa_prompt.json)")
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    # The recipe's prompt: one OCR line a string. (Until session 19 the probe built it with the
    # prompt config's default granularity, "word": a line of several words was split into one
    # string a word, so 58 % of its lookups asked about or answered with a line the prompt never
    # showed whole; see the docstring.)
    prompt = (QuestionFirst if args.question_first else PromptConfig)(**READER_PROMPT.to_dict())
    train = list(generate(4000, seed=1000, split="train", resize_to=28, workers=2))
    held = list(generate(200, seed=1001, split="train", resize_to=28))
    if args.init is not None:
        model = AutoModelForImageTextToText.from_pretrained(args.init)
        processor = AutoProcessor.from_pretrained(args.init)
        prompt = init_prompt
    else:
        size = ReaderSize(vocab_size=8192, hidden_size=args.hidden, num_layers=args.layers)
        model, processor = build_ocr_reader("probe", train, size=size, seed=1000, prompt=prompt)
    if args.heads or args.kv_heads:
        model = with_heads(model, args.heads, args.kv_heads)
    if args.mimetic is not None:
        mimetic_init(model, seed=1000, value_out=args.mimetic)

    def dataset(records: list[Record], seed: int) -> AnswerDataset:
        return AnswerDataset(records, processor, mix=LanguageMix(1.0), epochs=1, seed=seed, prompt=prompt, image_size=28)

    items = lookups(train, args.lookups, 0, restate=args.restate, queries=args.queries)
    if args.window:
        items = windowed(items, args.window, 3)
    if args.mix:
        items += echo_records(train, int(len(items) * args.mix / (1 - args.mix)), 1)
        random.Random(5).shuffle(items)
    phases = ([dataset(echo_records(train, args.echo, 1), 1)] if args.echo else []) + ([dataset(items, 0)] if items else [])
    pad = processor.tokenizer.pad_token_id
    asking = dataset([], 0)  # encodes the held-out lookups: the probe's prompt (every phase has it)
    held_out = {name: collate_answers([asking.encode(r, r.image_lang)
                                       for r in lookups(held, args.held_out, 1, restate=args.restate,
                                                        offsets=(offset,))], pad)
                for name, offset in (("after", 1), ("before", -1))}
    if args.qa:
        pool = list(generate(args.qa_records, seed=1000, split="train", resize_to=28, workers=2))
        kept_up = lookup_records(train, int(args.qa * args.qa_lookups), 2)
        qa = AnswerDataset([pool[k % len(pool)] for k in range(args.qa - len(kept_up))] + kept_up, processor,
                           mix=LanguageMix(TinyBase.source_share, TinyBase.english_weight), epochs=1, seed=2,
                           prompt=prompt, image_size=28)
        phases.append(qa)
        held_out |= {f"qa {side}": batch for side, batch in held_out_batches(held[: args.held_out], qa, pad).items()}
    train_probe(model, pad, phases, held_out, minutes=args.minutes, lr=args.lr, batch_size=args.batch_size)
    if args.save is not None:
        model.eval()
        # with the prompt it trained with (--init: the saved reader's own)
        print(f"reader saved to {save_reader(model, processor, args.save, prompt=prompt)}")


if __name__ == "__main__":
    main()
