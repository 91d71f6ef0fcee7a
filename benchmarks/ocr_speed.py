"""OCR throughput of the XPaperQA-zh OCR stage: rapidocr pages/s at 150 dpi (issue 7 target: >= 1.5).

Generates paper-like A4 pages (alternating Chinese and English lines, 10 pt), renders them at
150 dpi with PyMuPDF, and runs rapidocr's bundled PP-OCRv6 models in three configurations
measured side by side in this run:

- baseline: rapidocr's defaults (onnxruntime, text-direction classifier on);
- `xtvqa_build.ocr.ocr` on onnxruntime: what the XPaperQA-zh pipeline calls (no direction
  classifier: rendered PDF pages are upright; a page detected with its long side at 1056 px);
- `xtvqa_build.ocr.ocr` on OpenVINO (the package's default engine): the same models and settings.

For each it prints pages/s and the share of the generated lines recognised exactly (so speed is
never bought with accuracy silently), then each ratio against the baseline and the target check.

Run: uv run python benchmarks/ocr_speed.py [--pages 6] [--lines 40]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pymupdf
from PIL import Image
from rapidocr import RapidOCR
from xtvqa_build.ocr import ENGINE_ENV, ocr

EN = ["Cross-lingual questions activate less visual information in the model.",
      "We report accuracy on the test split with the official evaluation script.",
      "The mutual information between answers and images drops by 0.31 nats."]
ZH = ["跨语言问题在模型中激活的视觉信息更少。", "我们在测试集上使用官方评测脚本报告准确率。",
      "答案与图像之间的互信息下降了零点三一奈特。"]


def make_pages(n_pages: int, n_lines: int) -> tuple[list[np.ndarray], list[list[str]]]:
    doc = pymupdf.open()
    truth = []
    for k in range(n_pages):
        page = doc.new_page()  # A4, 595 x 842 pt
        lines = []
        for i in range(n_lines):
            text = (ZH if i % 2 else EN)[(i // 2 + k) % 3]
            page.insert_text((50, 60 + i * 18), text, fontsize=10, fontname="china-s" if i % 2 else "helv")
            lines.append(text)
        truth.append(lines)
    images = []
    for page in doc:
        pixmap = page.get_pixmap(dpi=150, alpha=False)  # 1240 x 1754 px
        images.append(np.frombuffer(pixmap.samples, np.uint8).reshape(pixmap.height, pixmap.width, 3))
    return images, truth


def measure(read, images: list[np.ndarray], truth: list[list[str]]) -> tuple[float, float]:
    """(pages/s, share of lines read exactly) of `read(image) -> texts` over the pages."""
    read(images[0])  # load the models outside the timing
    start = time.perf_counter()
    outputs = [read(image) for image in images]
    elapsed = time.perf_counter() - start
    norm = lambda s: "".join(s.split())  # noqa: E731 - OCR spacing differs from the source text
    found = sum(norm(line) in {norm(t) for t in texts} for texts, lines in zip(outputs, truth, strict=True)
                for line in lines)
    return len(images) / elapsed, found / sum(len(lines) for lines in truth)


def package_reader(engine: str):
    """`xtvqa_build.ocr.ocr` (what the pipelines call) on `engine` (chosen at each call: the
    package caches one rapidocr instance per engine)."""

    def read(image: np.ndarray) -> list[str]:
        os.environ[ENGINE_ENV] = engine
        return [t.text for t in ocr(Image.fromarray(image))]

    return read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=6)
    parser.add_argument("--lines", type=int, default=40, help="text lines per page (a dense paper page has ~45)")
    args = parser.parse_args()
    images, truth = make_pages(args.pages, args.lines)
    baseline = RapidOCR(params={"Global.log_level": "warning"})
    configs = {
        "baseline (rapidocr defaults)": lambda image: baseline(image).txts or (),
        "xtvqa_build.ocr, onnxruntime": package_reader("onnxruntime"),
        "xtvqa_build.ocr, openvino": package_reader("openvino"),
    }
    print(f"{args.pages} A4 pages at 150 dpi ({images[0].shape[1]}x{images[0].shape[0]} px), "
          f"{args.lines} lines each; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    results = {}
    for name, read in configs.items():
        speed, accuracy = measure(read, images, truth)
        results[name] = speed
        print(f"{name:32s} {speed:6.2f} pages/s   lines exact: {accuracy:6.1%}")
    base = results["baseline (rapidocr defaults)"]
    for name, speed in list(results.items())[1:]:
        print(f"ratio {name} / baseline: {speed / base:.2f}x")
    best = max(results.values())
    print(f"target >= 1.5 pages/s: {'met' if best >= 1.5 else 'NOT met'} (best {best:.2f})")


if __name__ == "__main__":
    main()
