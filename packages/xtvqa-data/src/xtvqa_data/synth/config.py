"""`SynthConfig`: the knobs that set how hard the generated images are.

Defaults make benchmark-like images (448 px, small text, clutter and perspective on). Model
training on a CPU needs easier ones first: larger text relative to the image
(`text_scale`), fewer items per image (`max_items`), no clutter or perspective (`clutter=0`),
and a restricted set of question kinds for a curriculum (`question_kinds`). Every field's help
text is its click option's help in `apps/build synth`, so the setting is declared once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from xtvqa_data.synth.templates import QUESTION_TEMPLATES

BASE_SIZE = 448  # layouts are designed at this side length and scale with `image_size`


@dataclass(frozen=True)
class SynthConfig:
    """Difficulty and size of generated images (all scenarios)."""

    image_size: int = field(default=448, metadata={"help": "side of the square images in pixels (64-2048)"})
    text_scale: float = field(
        default=1.0, metadata={"help": "multiplies every font size (0.5-4); larger text is easier to read"}
    )
    clutter: float = field(
        default=1.0,
        metadata={"help": "0-1: strength of background clutter, perspective and tilt (0 = flat, clean images)"},
    )
    max_items: int = field(
        default=6, metadata={"help": "most bars, slices, table rows or sign lines per image (2-8; a scene that needs more for its questions, e.g. 3 bars for a maximum, keeps its minimum)"}
    )
    yes_no_ratio: float = field(
        default=0.3, metadata={"help": "0-1: share of yes-no questions where an image offers both kinds"}
    )
    question_kinds: tuple[str, ...] = field(
        default=(), metadata={"help": "only these question kinds (comma-separated; empty = all)"}
    )

    def __post_init__(self) -> None:
        checks = [
            ("image_size", 64 <= self.image_size <= 2048, "must be in 64..2048"),
            ("text_scale", 0.5 <= self.text_scale <= 4.0, "must be in 0.5..4"),
            ("clutter", 0.0 <= self.clutter <= 1.0, "must be in 0..1"),
            ("max_items", 2 <= self.max_items <= 8, "must be in 2..8"),
            ("yes_no_ratio", 0.0 <= self.yes_no_ratio <= 1.0, "must be in 0..1"),
        ]
        for name, ok, rule in checks:
            if not ok:
                raise ValueError(f"SynthConfig.{name} {rule}, got {getattr(self, name)!r}")
        object.__setattr__(self, "question_kinds", tuple(self.question_kinds))
        if self.question_kinds:
            unknown = [k for k in self.question_kinds if k not in QUESTION_TEMPLATES]
            if unknown:
                raise ValueError(
                    f"SynthConfig.question_kinds has unknown kinds {unknown}; known: {', '.join(QUESTION_TEMPLATES)}"
                )

    @property
    def scale(self) -> float:
        """Factor from the 448-px design sizes to this image (size and text scale together)."""
        return self.image_size / BASE_SIZE * self.text_scale

    @property
    def geometry(self) -> float:
        """Factor from the 448-px design to this image for non-text lengths (margins, lines)."""
        return self.image_size / BASE_SIZE

    def px(self, design_size: float) -> int:
        """A font size in pixels: the 448-px design size scaled, at least 6 px."""
        return max(6, round(design_size * self.scale))

    def as_meta(self) -> dict[str, str]:
        return {f.name: ",".join(v) if isinstance(v := getattr(self, f.name), tuple) else str(v) for f in fields(self)}
