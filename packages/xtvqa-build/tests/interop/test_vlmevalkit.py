"""The exported TSV read by VLMEvalKit's own code: `build_dataset` finds it under $LMUData, takes
it for a custom VQA dataset, decodes every image and builds every prompt, and its VQA scoring
(`process_line`) reads the answer column, a list of answers included.

VLMEvalKit is not on PyPI: `VLMEVALKIT_SRC=/path/to/VLMEvalKit uv run nox -s interop` installs a
checkout (without its full requirements: the few modules `import vlmeval.dataset` needs);
without it this module is skipped.
"""

from __future__ import annotations

import pytest

vlmeval_dataset = pytest.importorskip(
    "vlmeval.dataset", reason="VLMEvalKit is not installed (not on PyPI): set VLMEVALKIT_SRC=<checkout> for `nox -s interop`")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from PIL import Image  # noqa: E402
from xtvqa_build.export import export_vlmevalkit  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from export_fixtures import records  # noqa: E402


def test_vlmevalkit_builds_the_exported_dataset(tmp_path, monkeypatch):
    originals = records()
    originals[0] = originals[0].replace(answers={"en": ["59", "59.0"]})
    export_vlmevalkit(originals, tmp_path, "demo")
    monkeypatch.setenv("LMUData", str(tmp_path))
    dataset = vlmeval_dataset.build_dataset("XTVQA_DEMO_ZH")
    assert type(dataset).__name__ == "CustomVQADataset" and dataset.TYPE == "VQA"
    assert len(dataset.data) == 3
    for i, record in enumerate(originals):
        image, text = dataset.build_prompt(dataset.data.iloc[i])
        assert image["type"] == "image" and text == {"type": "text", "value": record.question["zh"]}
        decoded = Image.open(image["value"]).convert("RGB")
        assert decoded.size == record.image.size
        assert decoded.getpixel((0, 0)) == record.image.getpixel((0, 0))
    from vlmeval.dataset.utils.vqa_eval import process_line

    line = dataset.data.iloc[0].copy()
    line["prediction"] = "59"
    assert process_line(line, method="relaxed_accuracy")["gt"] == ["59", "59.0"]
    line = dataset.data.iloc[2].copy()
    line["prediction"] = "柏林"
    assert process_line(line, method="accuracy")["gt"] == ["柏林"]
