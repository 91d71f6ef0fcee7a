"""`apps/build synth` end to end: it writes a dataset that loads, with its command in the card,
and bad options are usage errors.

Run: uv run nox -s integration -- -k build_synth
"""

from __future__ import annotations

import xtvqa_data
from xtvqa_data.synth import SynthConfig, generate

from conftest import run_app


def test_synth_writes_a_dataset_that_loads_and_matches_the_library(tmp_path):
    out = tmp_path / "synth"
    done = run_app("build", "synth", "--n", "12", "--seed", "1", "--out", str(out), "--image-size", "224",
                   "--image-langs", "zh,fr")
    assert "images/s" in done.stderr and "synth-chart" in done.stderr
    records = list(xtvqa_data.load(out))
    expected = list(generate(12, seed=1, image_langs=("zh", "fr"), config=SynthConfig(image_size=224)))
    assert [r.id for r in records] == [r.id for r in expected]
    assert [r.answers for r in records] == [r.answers for r in expected]
    assert records[0].image.convert("RGB").tobytes() == expected[0].image.tobytes()
    assert {r.image_lang for r in records} == {"zh", "fr"}
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "uv run apps/build synth --n 12 --seed 1 --out" in card and "--image-langs zh,fr --image-size 224" in card


def test_synth_rejects_bad_options(tmp_path):
    done = run_app("build", "synth", "--n", "2", "--out", str(tmp_path / "x"), "--scenarios", "poster", check=False)
    assert done.returncode == 2 and "unknown scenario" in done.stderr
    done = run_app("build", "synth", "--n", "2", "--out", str(tmp_path / "x"), "--text-scale", "9", check=False)
    assert done.returncode == 2 and "text_scale" in done.stderr
