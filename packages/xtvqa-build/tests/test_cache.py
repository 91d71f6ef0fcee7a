"""The SQLite response cache: stable keys, persistence, thread safety.

Run: uv run pytest packages/xtvqa-build/tests/test_cache.py -q
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from xtvqa_build.cache import ResponseCache, cache_key


def test_key_ignores_dict_order_but_not_content():
    a = cache_key("openai", "m", {"temperature": 0.0, "max": None}, {"prompt": "p", "images": []})
    b = cache_key("openai", "m", {"max": None, "temperature": 0.0}, {"images": [], "prompt": "p"})
    assert a == b
    assert a != cache_key("openai", "m", {"temperature": 0.1, "max": None}, {"prompt": "p", "images": []})
    assert a != cache_key("gemini", "m", {"temperature": 0.0, "max": None}, {"prompt": "p", "images": []})
    assert a != cache_key("openai", "m2", {"temperature": 0.0, "max": None}, {"prompt": "p", "images": []})
    assert a != cache_key("openai", "m", {"temperature": 0.0, "max": None}, {"prompt": "q", "images": []})


def test_values_survive_a_new_process_handle(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)
    cache.put("k", {"text": "中文 reply", "n": 3}, backend="openai", model="m")
    assert cache.get("k") == {"text": "中文 reply", "n": 3}
    assert cache.get("missing") is None
    assert (cache.hits, cache.misses) == (1, 1)
    cache.close()
    again = ResponseCache(path)
    assert again.get("k") == {"text": "中文 reply", "n": 3}
    assert len(again) == 1
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_concurrent_writers_lose_nothing(tmp_path):
    cache = ResponseCache(tmp_path / "c.sqlite")
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        try:
            for i in range(50):
                cache.put(f"{t}-{i}", {"v": i})
                assert cache.get(f"{t}-{i}") == {"v": i}
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(cache) == 400


def test_the_file_is_created_at_the_first_put_only(tmp_path):
    path = tmp_path / "sub" / "c.sqlite"
    cache = ResponseCache(path)
    assert cache.get("k") is None and len(cache) == 0 and cache.misses == 1
    cache.close()
    assert not (tmp_path / "sub").exists()  # a run that made no request leaves nothing behind
    cache = ResponseCache(path)
    cache.put("k", {"v": 1})
    assert path.is_file() and cache.get("k") == {"v": 1}


def test_a_file_that_is_not_a_cache_is_refused_at_once(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just text that is long enough to have a header" * 10)
    with pytest.raises(ValueError, match=r"notes\.txt: cannot be used as a response cache"):
        ResponseCache(path)
