"""Records for the export tests: three languages, every metric path the scorer takes (a
ChartQA number, a yes-no paper question, a question whose answers exist in English only)."""

from __future__ import annotations

from PIL import Image
from xtvqa_data import Record

# (record index, question language, prediction) -> what the tests check score_item against
PREDICTIONS = [
    (0, "en", "59"), (0, "zh", "60"), (0, "zh", "70"), (0, "fr", "59.0"),
    (1, "en", "yes"), (1, "zh", "是"), (1, "zh", "no"),
    (2, "en", "Berlin"), (2, "zh", "柏林"), (2, "zh", "Paris"),
]


def records() -> list[Record]:
    def image(color):
        return Image.new("RGB", (32, 24), color)

    return [
        Record(id="chart-0", source="chartqa", image=image("red"), image_lang="en",
               question={"en": "What is the value for Judo?", "zh": "柔道的数值是多少？", "fr": "Valeur pour le judo ?"},
               answers={"en": ["59"]}),
        Record(id="paper-1", source="xpaperqa-en", image=image("green"), image_lang="en",
               question={"en": "Is the model trained?", "zh": "模型训练了吗？"},
               answers={"en": ["yes"], "zh": ["是"]}, question_type="yes-no",
               meta={"origin": "test"}),
        Record(id="doc-2", source="docvqa", image=image("blue"), image_lang="zh",
               question={"zh": "哪个城市？", "en": "Which city?"},
               answers={"zh": ["柏林"], "en": ["Berlin"]}, split="validation"),
    ]
