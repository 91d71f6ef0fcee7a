"""The settings of a benchmark and of an analysis run: what decides their numbers besides the
model and the data. Light to import (no torch): the apps build their options from these fields
(default and help in one place) before anything heavy is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xtvqa_data.metrics import DEFAULT_CONVENTION, check_convention

# The help of the settings bench and analysis share (their click options read it from the fields).
LANGS_HELP = "Question languages, comma-separated ISO 639-1 codes."
LIMIT_HELP = "Only the first N records (each asked in every language)."
BATCH_HELP = "Items per forward pass (hf:, vllm:)."
MAX_NEW_TOKENS_HELP = "Longest answer generated, in tokens."
SEED_HELP = "Seed of everything drawn (bootstrap, noise)."
OCR_TOKENS_HELP = "Put the image's OCR tokens in the prompt (the dataset's own, else rapidocr)."


@dataclass(frozen=True)
class BenchSettings:
    """Everything that decides a benchmark's numbers besides the model and the data."""

    langs: tuple[str, ...] = field(default=("en", "zh", "fr"), metadata={"help": LANGS_HELP})
    limit: int | None = field(default=None, metadata={"help": LIMIT_HELP})
    batch_size: int = field(default=8, metadata={"help": BATCH_HELP})
    max_new_tokens: int = field(default=32, metadata={"help": MAX_NEW_TOKENS_HELP})
    seed: int = field(default=0, metadata={"help": SEED_HELP})
    ocr_tokens: bool = field(default=False, metadata={"help": OCR_TOKENS_HELP})
    metric_convention: str = field(default=DEFAULT_CONVENTION, metadata={
        "help": "Score as the published definitions (paper) or as lmms-eval's / VLMEvalKit's metric code does "
                "(relaxed accuracy, ANLS, VQA accuracy, exact match); results.json then gives the paper scores "
                "beside them under 'comparison'."})

    def __post_init__(self) -> None:
        check_convention(self.metric_convention)
        if not self.langs:
            raise ValueError("langs is empty: give at least one question language")
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be >= 1, got {self.limit}")
        if self.batch_size < 1 or self.max_new_tokens < 1:
            raise ValueError("batch_size and max_new_tokens must be >= 1")


ALL_LANGS = ("en", "zh", "fr", "de", "es", "ja", "ko", "ru")


@dataclass(frozen=True)
class AnalysisSettings:
    langs: tuple[str, ...] = field(default=ALL_LANGS, metadata={"help": LANGS_HELP})
    limit: int | None = field(default=None, metadata={"help": LIMIT_HELP})
    batch_size: int = field(default=8, metadata={"help": BATCH_HELP})
    max_new_tokens: int = field(default=32, metadata={"help": MAX_NEW_TOKENS_HELP})
    seed: int = field(default=0, metadata={"help": SEED_HELP})
    noise: str = field(default="gaussian:80", metadata={
        "help": "gaussian:<sigma 0-255> on the image, or diffusion:<step 0-999> (VCD) on the pixel tensor."})
    draws: int = field(default=4, metadata={"help": "Noised images per item (K)."})
    answer: str = field(default="greedy", metadata={"help": "Score the model's greedy answer or the gold answer."})
    ocr_tokens: bool = field(default=False, metadata={"help": OCR_TOKENS_HELP})
    ocr_source: str = field(default="auto", metadata={
        "help": "For models that read OCR tokens: OCR the clean and noised images with rapidocr (engine; auto), "
                "or keep the dataset's tokens so the noise reaches pixels only (dataset)."})

    def __post_init__(self) -> None:
        if self.ocr_source not in ("auto", "engine", "dataset"):
            raise ValueError(f"ocr_source must be 'auto', 'engine' or 'dataset', got {self.ocr_source!r}")
        if self.answer not in ("greedy", "gold"):
            raise ValueError(f"answer must be 'greedy' or 'gold', got {self.answer!r}")
        if self.draws < 1:
            raise ValueError(f"draws must be >= 1, got {self.draws}")
        from xtvqa_infotheory import (
            parse_noise,  # torch: imported when a setting is made, not for --help
        )

        parse_noise(self.noise)  # raises on a bad spec
