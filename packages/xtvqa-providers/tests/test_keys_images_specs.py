"""Keys, images and specs: scrubbing, hosts without credentials, missing keys, image encoding,
and the one `provider:name` parser. No server, no SDK.

Run: uv run pytest packages/xtvqa-providers/tests/test_keys_images_specs.py -q
"""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image
from xtvqa_providers import (
    FatalAPIError,
    MissingAPIKeyError,
    SecretScrubber,
    data_url,
    encode_image,
    host_of,
    parse_spec,
    require_api_key,
    split_spec,
)


def test_scrubber_removes_the_secret_and_its_pieces():
    scrub = SecretScrubber("sk-proj-abcdefghijklmnop")
    assert scrub("key sk-proj-abcdefghijklmnop rejected") == "key *** rejected"
    assert "ijklmnop" not in scrub("Incorrect API key provided: sk-proj-****ijklmnop")
    assert scrub("nothing secret here") == "nothing secret here"
    assert SecretScrubber(None)("text") == "text"
    assert "abcdef" not in repr(scrub)


def test_host_of_drops_credentials_path_and_query():
    assert host_of("https://user:pw@api.example.com:8443/v1?key=s") == "api.example.com:8443"
    assert host_of("https://api.openai.com/v1") == "api.openai.com"
    assert host_of(None) == ""


def test_missing_key_names_every_variable_unless_a_local_server_is_given(monkeypatch):
    monkeypatch.delenv("XTVQA_A", raising=False)
    monkeypatch.setenv("XTVQA_B", "  ")  # blank counts as missing
    with pytest.raises(MissingAPIKeyError, match=r"gemini:m: set \$XTVQA_A \(or \$XTVQA_B\) in"):
        require_api_key("gemini:m", ["XTVQA_A", "XTVQA_B"], local_allowed=False)
    assert issubclass(MissingAPIKeyError, FatalAPIError) and issubclass(MissingAPIKeyError, ValueError)
    assert require_api_key("gemini:m", ["XTVQA_A"], local_allowed=True) is None
    monkeypatch.setenv("XTVQA_B", " k3y ")
    assert require_api_key("gemini:m", ["XTVQA_A", "XTVQA_B"], local_allowed=False) == "k3y"


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "CMYK", "I;16"])
def test_encode_image_round_trips_every_mode(mode):
    image = Image.new("RGB", (7, 5), (10, 200, 30)).convert(mode)
    for fmt, mime in [("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        data, got_mime = encode_image(image, fmt)
        decoded = Image.open(io.BytesIO(data))
        assert got_mime == mime and decoded.size == (7, 5) and decoded.format == fmt
    with pytest.raises(ValueError, match="not supported"):
        encode_image(image, "BMP")
    url = data_url(image)
    assert url.startswith("data:image/png;base64,")
    assert Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).size == (7, 5)


KNOWN = ("hf", "openai", "gemini", "google-cloud")


@pytest.mark.parametrize(("spec", "expected"), [
    ("openai:qwen2.5-vl:7b", ("openai", "qwen2.5-vl:7b")),  # ollama tags keep their colon
    ("HF:./models/tiny", ("hf", "./models/tiny")),
    ("  gemini:gemini-2.0-flash ", ("gemini", "gemini-2.0-flash")),
    ("google-cloud:my-project", ("google-cloud", "my-project")),
])
def test_parse_spec(spec, expected):
    assert parse_spec(spec, KNOWN) == expected


def test_parse_spec_errors_suggest_close_names():
    with pytest.raises(ValueError, match=r"unknown model provider 'hff'.*did you mean 'hf:x/y'\?"):
        parse_spec("hff:x/y", KNOWN)
    with pytest.raises(ValueError, match=r"unknown LLM provider 'opnai'.*did you mean openai\?"):
        parse_spec("opnai:x", KNOWN, what="LLM", suggest="provider")
    with pytest.raises(ValueError, match=r"no provider prefix; write 'provider:model', e.g. 'hf:a/b'"):
        parse_spec("a/b", KNOWN)
    for bad in ["", "  ", "hf:", "hf:  ", None]:
        with pytest.raises(ValueError):
            parse_spec(bad, KNOWN)  # type: ignore[arg-type]


def test_split_spec_tells_specs_from_plain_paths():
    assert split_spec("OpenAI:gpt-4o ") == ("openai", "gpt-4o")
    assert split_spec("C:\\runs\\a") is None  # a drive letter is not a provider
    assert split_spec("/tmp/runs/a") is None and split_spec("runs/a:b") is None
