"""Procedural multilingual generator of text-rich images with exact questions and answers.

Four scenarios (charts, document pages, signs, book covers) with image text in en, zh or fr,
and every question authored in en, zh, fr, de, es, ja, ko and ru. Deterministic by seed:

    from xtvqa_data.synth import generate, SynthConfig
    records = list(generate(200, seed=0))
    easy = generate(10_000, seed=1, split="train", config=SynthConfig(text_scale=2, clutter=0))
"""

from xtvqa_data.synth.config import SynthConfig
from xtvqa_data.synth.generator import QUESTION_KINDS, SCENARIOS, generate, make_record
from xtvqa_data.synth.templates import QUESTION_TEMPLATES
from xtvqa_data.synth.vocab import IMAGE_LANGS, NO, QUESTION_LANGS, YES

__all__ = [
    "IMAGE_LANGS",
    "NO",
    "QUESTION_KINDS",
    "QUESTION_LANGS",
    "QUESTION_TEMPLATES",
    "SCENARIOS",
    "YES",
    "SynthConfig",
    "generate",
    "make_record",
]
