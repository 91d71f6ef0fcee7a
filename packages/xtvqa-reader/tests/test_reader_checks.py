"""`experiments/reader_checks.py`'s read-on count and lookup rates (RESULTS.md's finding 1 quotes
them): with a stand-in model that predicts every next token right except where a test says, the
count must be exactly the rows the test spoiled.

Run: uv run nox -s reader -- -k reader_checks
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

from conftest import load_experiment


@pytest.fixture(scope="module")
def checks():
    return load_experiment("reader_checks")


@pytest.fixture(scope="module")
def echo_setup():
    """A tiny reader's processor, 12 echo questions ("Repeat the lines from “X” on.") about
    generated records, and their dataset."""
    from xtvqa_data.synth import generate
    from xtvqa_reader.ocr_reader import READER_PROMPT, ReaderSize, build_ocr_reader
    from xtvqa_reader.pretrain import AnswerDataset, LanguageMix
    from xtvqa_reader.tiny_base import echo_records

    records = list(generate(8, seed=3, split="train", resize_to=28))
    _, processor = build_ocr_reader("t", records, size=ReaderSize(vocab_size=600, hidden_size=32, num_layers=1))
    echo = [r for r in echo_records(records, 80, 0)
            if r.question["en"].startswith("Repeat the lines") and "\n" in r.answers["en"][0]][:12]
    dataset = AnswerDataset(echo, processor, mix=LanguageMix(1.0), epochs=1, seed=0, prompt=READER_PROMPT,
                            image_size=28)
    return processor, echo, dataset


class Oracle:
    """Logits whose argmax at every position is the next input token (a perfect teacher-forced
    predictor), except, in the rows of `spoil` (counted over calls), the token after the first
    line break of the answer, or (`spoil_last`) the answer's last token (the end of turn)."""

    def __init__(self, dataset, records, newline: int, spoil: set[int], spoil_last: set[int], batch_size: int):
        self.dataset, self.records, self.newline = dataset, records, newline
        self.spoil, self.spoil_last, self.batch_size, self.calls = spoil, spoil_last, batch_size, 0

    def __call__(self, input_ids, attention_mask, **_):
        first = self.calls * self.batch_size
        chunk = self.records[first : first + self.batch_size]
        # collate_answers left-pads the prompts: every answer starts at the longest prompt's length
        answer_start = max(len(self.dataset.encode(r, r.image_lang)["prompt_ids"]) for r in chunk)
        vocab = int(input_ids.max()) + 2
        nxt = torch.roll(input_ids, -1, dims=1)
        for row in range(input_ids.shape[0]):
            if first + row in self.spoil:
                breaks = (input_ids[row, answer_start:] == self.newline).nonzero().flatten()
                nxt[row, answer_start + int(breaks[0])] = vocab - 1
            if first + row in self.spoil_last:
                nxt[row, int(attention_mask[row].nonzero().flatten()[-1]) - 1] = vocab - 1
        self.calls += 1
        return SimpleNamespace(logits=torch.nn.functional.one_hot(nxt, vocab).float())


def test_read_on_counts_exactly_the_spoiled_rows(checks, echo_setup):
    processor, echo, dataset = echo_setup
    newline = processor.tokenizer("\n", add_special_tokens=False)["input_ids"][0]
    perfect = Oracle(dataset, echo, newline, set(), set(), 5)
    assert checks.read_on(perfect, processor, dataset, echo, batch_size=5) == (1.0, 1.0)
    spoiled = Oracle(dataset, echo, newline, {0, 6, 11}, {3}, 5)
    first, full = checks.read_on(spoiled, processor, dataset, echo, batch_size=5)
    assert first == pytest.approx(9 / 12)
    assert full == pytest.approx(8 / 12)


def test_read_on_refuses_an_answer_of_one_line(checks, echo_setup):
    processor, echo, dataset = echo_setup
    one_line = [echo[0].replace(answers={lang: ("Menu",) for lang in echo[0].answers})]
    newline = processor.tokenizer("\n", add_special_tokens=False)["input_ids"][0]
    with pytest.raises(ValueError, match="no line after its first"):
        checks.read_on(Oracle(dataset, one_line, newline, set(), set(), 1), processor, dataset, one_line, batch_size=1)


class LastTokenOracle(torch.nn.Module):
    """A perfect teacher-forced predictor that honours `logits_to_keep` (as
    `pretrain.answer_exact_rate` calls it), except that it gets the end of turn wrong in the
    first `spoil` rows of every batch whose prompts contain `spoil_if`."""

    def __init__(self, processor, spoil: int, spoil_if: str):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))  # answer_exact_rate asks for the device
        self.processor, self.spoil, self.spoil_if = processor, spoil, spoil_if

    def forward(self, input_ids, attention_mask, logits_to_keep, **_):
        vocab = int(input_ids.max()) + 2
        nxt = torch.roll(input_ids, -1, dims=1)
        text = self.processor.tokenizer.decode(input_ids[0])
        if self.spoil_if in text:
            for row in range(self.spoil):
                nxt[row, int(attention_mask[row].nonzero().flatten()[-1]) - 1] = vocab - 1
        return SimpleNamespace(logits=torch.nn.functional.one_hot(nxt, vocab).float()[:, -logits_to_keep:])


def test_lookup_rates_count_each_direction_apart(checks, echo_setup):
    from xtvqa_data.synth import generate
    from xtvqa_reader.ocr_reader import READER_PROMPT
    from xtvqa_reader.pretrain import AnswerDataset, LanguageMix

    processor = echo_setup[0]
    records = list(generate(8, seed=3, split="train", resize_to=28))

    def dataset(asked):
        return AnswerDataset(asked, processor, mix=LanguageMix(1.0), epochs=1, seed=0, prompt=READER_PROMPT,
                             image_size=28)

    pad = processor.tokenizer.pad_token_id
    perfect = LastTokenOracle(processor, 0, "")
    assert checks.lookup_rates(perfect, dataset, records, 10, pad) == {"after": 1.0, "before": 1.0}
    # the line-before question only: three of its ten rows wrong, none of the line-after ones
    spoiled = LastTokenOracle(processor, 3, "Which line comes before")
    assert checks.lookup_rates(spoiled, dataset, records, 10, pad) == {"after": 1.0, "before": pytest.approx(0.7)}


def test_a_folder_without_its_recipe_summary_needs_the_seed(checks, tmp_path, monkeypatch, capsys):
    """A probe's `--save`d reader has no recipe_summary.json to read the training seed from: the
    checks ask for `--seed` instead of failing on the missing file; a folder that is no reader
    (no config.json or prompt file) is refused first."""
    from xtvqa_models.prompts import PromptConfig

    folder = tmp_path / "reader"
    folder.mkdir()

    def refused(*argv: str) -> str:
        monkeypatch.setattr("sys.argv", ["reader_checks.py", "--model", str(folder), *argv])
        with pytest.raises(SystemExit):
            checks.main()
        return capsys.readouterr().err

    assert "not a reader folder" in refused()
    (folder / "config.json").write_text("{}")
    PromptConfig(use_ocr_tokens=True).save(folder)
    assert "pass --seed" in refused()
    assert "--records must be >= 1" in refused("--records", "0", "--seed", "1000")
