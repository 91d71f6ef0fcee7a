"""`apps/build export` end to end on the sample dataset: the lmms-eval group and the VLMEvalKit
TSVs it writes, with the benchmark's own prompt (the instruction in the question's language).

Run: uv run nox -s integration -- -k build_export
"""

from __future__ import annotations

import datasets
import pandas as pd
import xtvqa_data

from conftest import REPO, run_app


def test_export_lmms_eval_and_vlmevalkit(tmp_path):
    sample = REPO / "data" / "sample"
    out = tmp_path / "lmms"
    done = run_app("build", "export", str(sample), "--to", "lmms-eval", "--out", str(out), "--langs", "zh,en")
    assert "xtvqa_sample_zh" in done.stdout and "xtvqa_sample" in done.stdout
    assert sorted(p.name for p in out.glob("*.yaml")) == ["_xtvqa_sample.yaml", "xtvqa_sample_en.yaml",
                                                         "xtvqa_sample_zh.yaml"]
    n = len(xtvqa_data.load(sample))
    zh = datasets.load_dataset("parquet", data_files=str(out / "data/zh/test-00000-of-00001.parquet"),
                               split="train", cache_dir=str(tmp_path / "cache"))
    assert len(zh) == n
    instructions = {"请用一个词或短语回答问题。", "请回答“是”或“否”。"}  # xtvqa_models.prompts, zh
    assert all(row["prompt"].split("\n") in ([row["question"], i] for i in instructions) for row in zh)

    vlm = tmp_path / "vlm"
    run_app("build", "export", str(sample), "--to", "vlmevalkit", "--out", str(vlm), "--langs", "ja")
    table = pd.read_csv(vlm / "XTVQA_SAMPLE_JA.tsv", sep="\t")
    assert len(table) == n and {"index", "image", "question", "answer"} <= set(table.columns)

    done = run_app("build", "export", str(sample), "--to", "lmms-eval", "--out", str(tmp_path / "x"),
                   "--langs", "sw", check=False)
    assert done.returncode == 1 and "sw" in done.stderr
