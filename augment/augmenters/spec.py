"""Typed settings of one augmenter, built from the validated config."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

CHAR_TYPES = ("keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete")
SUBSTITUTION_TYPES = ("spelling", "synonym", "glove")
WHOLE_TEXT_TYPES = ("word_swap", "word_delete", "eda")


@dataclass(frozen=True)
class AugmenterSpec:
    name: str
    type: str
    n: int = 1
    fraction: float = 1.0
    word_p: float = 0.1
    char_p: float = 0.1
    max_changes: int = 3
    min_changes: int = 1
    backtranslation: dict | None = None
    glove: dict | None = None
    mlm: dict | None = None

    @property
    def copies(self) -> int:
        """Augmented copies attempted per row: n, or n per pivot language for back-translation."""
        return self.n * len(self.backtranslation["pivots"]) if self.backtranslation else self.n

    @classmethod
    def from_config(cls, name: str, settings: dict) -> "AugmenterSpec":
        return cls(name=name, **settings)

    def params_json(self) -> str:
        """The settings as stored with every row it makes (sorted keys: stable bytes)."""
        return json.dumps({k: v for k, v in asdict(self).items() if k != "name"}, sort_keys=True)
