"""Generated records survive `xtvqa_data.save` / `load` unchanged, with a card that says how to
remake them.

Run: uv run pytest packages/xtvqa-data/tests/test_synth_storage.py -q
"""

from __future__ import annotations

import xtvqa_data
from xtvqa_data.synth import SynthConfig, generate
from xtvqa_data.synth.card import synth_card


def test_save_then_load_round_trips_every_field(tmp_path):
    config = SynthConfig(image_size=256, text_scale=1.5)
    records = list(generate(12, seed=2, config=config))
    card = synth_card(command="uv run apps/build synth --n 12 --seed 2 --out x --image-size 256 --text-scale 1.5",
                      n=12, seed=2, split="test", scenarios=("chart", "doc", "sign", "cover"),
                      image_langs=("en", "zh", "fr"), config=config)
    folder = xtvqa_data.save(iter(records), tmp_path / "synth", card=card)
    loaded = list(xtvqa_data.load(folder))
    assert len(loaded) == len(records)
    for a, b in zip(records, loaded, strict=True):
        for field in ("id", "source", "image_lang", "question", "answers", "question_type", "metric", "ocr_tokens", "split", "meta"):
            assert getattr(a, field) == getattr(b, field), field
        assert b.image.convert("RGB").tobytes() == a.image.tobytes()
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "--seed 2" in text and "SynthConfig(image_size=256, text_scale=1.5)" in text
    assert "是/否" in text and "synth-cover" in text
