"""The SQLite response cache: stable keys, persistence, thread safety.

Run: uv run pytest packages/xtvqa-build/tests/test_cache.py -q
"""

from __future__ import annotations

import sqlite3
import threading

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
