"""Shared fixtures for xtvqa-data tests: a private `datasets` cache and a record factory."""

from __future__ import annotations

import json

import datasets
import pytest
from PIL import Image
from xtvqa_data import Record


@pytest.fixture(autouse=True, scope="session")
def _private_datasets_cache(tmp_path_factory: pytest.TempPathFactory):
    """`load` goes through `datasets.load_dataset`, which caches arrow files: keep them in tmp."""
    cache = tmp_path_factory.mktemp("hf_datasets_cache")
    old = datasets.config.HF_DATASETS_CACHE
    datasets.config.HF_DATASETS_CACHE = cache
    datasets.disable_progress_bars()
    yield
    datasets.config.HF_DATASETS_CACHE = old


@pytest.fixture
def make_record():
    """`make_record(id, **changes)`: a valid record with a small distinct image."""

    def make(rid: str = "r0", **changes) -> Record:
        shade = sum(map(ord, rid)) % 256
        fields = dict(
            id=rid, source="synth-chart", image=Image.new("RGB", (12, 8), (shade, 20, 200 - shade // 2)),
            image_lang="en", question={"en": "What is the value?"}, answers={"en": ["12"]},
        )
        fields.update(changes)
        return Record(**fields)

    return make



class SourceFiles:
    """Writers for tiny source-release fixtures (images, JSON) under a test's tmp_path."""

    @staticmethod
    def image(path, color=(200, 30, 30), *, fmt=None, size=(16, 12)):
        """A small real image file (format from the suffix unless `fmt`); returns its path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", size, color).save(path, format=fmt)
        return path

    @classmethod
    def corrupt_image(cls, path):
        """A file that starts like a PNG/JPEG and stops: decoding must fail."""
        cls.image(path)
        path.write_bytes(path.read_bytes()[:30])
        return path

    @staticmethod
    def json(path, content):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")
        return path


@pytest.fixture
def files():
    return SourceFiles


class FakeLoadDataset:
    """Stands in for `datasets.load_dataset` in from_hub tests: records the call, returns `ds`."""

    def __init__(self, ds):
        self.ds, self.calls = ds, []

    def __call__(self, path, name=None, **kwargs):
        self.calls.append({"path": path, "name": name, **kwargs})
        return self.ds.to_iterable_dataset() if kwargs.get("streaming") else self.ds


@pytest.fixture
def fake_hub(monkeypatch):
    """`fake_hub(ds)` makes `datasets.load_dataset` return the in-memory `ds`; returns the fake."""

    def install(ds):
        fake = FakeLoadDataset(ds)
        monkeypatch.setattr(datasets, "load_dataset", fake)
        return fake

    return install
