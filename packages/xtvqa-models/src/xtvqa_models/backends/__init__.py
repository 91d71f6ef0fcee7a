"""Backends behind `VisionLanguageModel`, imported lazily by `xtvqa_models.registry`."""
