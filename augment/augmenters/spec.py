"""Typed settings of one augmenter, built from the validated config (defaults: the schema)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Resources:
    """What back-translation needs besides its settings."""

    cache: str  # the translation cache (SQLite) jobs and runs share
    model: str  # the encoder back-translation's min_similarity filter embeds with


@dataclass(frozen=True)
class AugmenterSpec:
    name: str
    type: str
    n: int
    fraction: float
    word_p: float
    char_p: float
    max_changes: int
    min_changes: int
    backtranslation: dict | None = None  # the block of its own type only
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
