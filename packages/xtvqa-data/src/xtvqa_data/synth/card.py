"""The dataset-card text for a generated dataset: how it was made and what the answers mean.

`xtvqa_data.save(records, path, card=synth_card(...))` puts this text above the counts and
schema that `save` writes itself, so a dataset folder always says which command and seed remake
it byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.generator import QUESTION_KINDS, _version
from xtvqa_data.synth.vocab import QUESTION_LANGS


def synth_card(*, command: str, n: int, seed: int, split: str, scenarios: Sequence[str],
               image_langs: Sequence[str], config: SynthConfig, title: str = "XT-VQA synthetic set") -> str:
    """Markdown for the dataset card: provenance (command, seed, options), contents, answer rules."""
    kinds = "\n".join(
        f"| `synth-{scenario}` | {', '.join(f'{v} ({len(ks)})' for v, ks in QUESTION_KINDS[scenario].items())} |"
        for scenario in scenarios
    )
    changed = {f.name: getattr(config, f.name) for f in fields(config) if getattr(config, f.name) != f.default}
    call = f"SynthConfig({', '.join(f'{k}={v!r}' for k, v in changed.items())})"
    return f"""# {title}

Text-rich images with exact questions and answers from the procedural generator
`xtvqa_data.synth` (xtvqa-data {_version()}): {n} records, split `{split}`, seed {seed}.

## How it was made

```bash
{command}
```

Equivalent Python: `xtvqa_data.synth.generate({n}, seed={seed}, scenarios={tuple(scenarios)!r},
image_langs={tuple(image_langs)!r}, split={split!r}, config={call})`.
The same command gives byte-identical images and identical records (record i is drawn from its
own stream seeded by (seed, split, i)); a `train` split with any seed is disjoint from this one.

## What is in it

| source | variants (question kinds) |
|---|---|
{kinds}

Image text is in {', '.join(image_langs)} (scenario and image language cycle with the record
index); the only font is PyMuPDF's built-in Droid Sans Fallback (Apache-2.0). Every record has
its question in all eight languages ({', '.join(QUESTION_LANGS)}), authored per language, not
machine-translated. `ocr_tokens` holds every string drawn, exactly, in the order drawn (a chart's
title, its labels, then its values in the labels' order; an OCR engine orders by position).

## Answers

`answers` has an entry for every question language. Numbers, times, codes and proper names
(people, titles, publishers, shops) are the string printed in the image, the same in every
language. A vocabulary word (a category, city, item, weekday, genre) is given in each language's
own authored form; the image-language form is the one printed. Yes-no answers use each
language's word (en yes/no, zh 是/否, fr oui/non, de ja/nein, es sí/no, ja はい/いいえ,
ko 예/아니요, ru да/нет). `metric` is `relaxed_accuracy` for numbers and `exact_match` otherwise;
`meta` holds the seed, index, scenario, variant, question kind, options and what was drawn.
"""
