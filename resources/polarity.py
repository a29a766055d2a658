"""Word sentiment polarity from two hand-rated lexicons on PyPI: AFINN-165 (the `afinn` package,
3,382 words and phrases scored -5..+5, ODbL) and VADER's (the `vaderSentiment` package, 7,500
entries scored -4..+4 by ten raters each, MIT).

A word swap that turns a positive word into a neutral or negative one ("good" -> "little",
"enjoyable" -> "frustrating", "talented" -> "inexperienced") changes what a review says even when
WordNet does not list the two as antonyms and a sentence encoder finds the sentences similar; for
sentiment tasks such swaps are not adversarial examples but label changes. Measured on MR (GloVe
swaps against the default's baseline): 33 of 43 successful attacks had such a swap
(docs/results.md). A word is looked up as written, then through its WordNet base forms
("troubling" -> "trouble"); AFINN's integer score wins where both lexicons have the word, and
VADER scores under 0.5 in size (raters split) count as neutral.

Words no lexicon scores still steer a sentence's sentiment: negators ("not", "never", "without"),
boosters ("extremely", "far") and dampeners ("less", "barely"), VADER's own NEGATE and BOOSTER_DICT
lists, with a few comparatives VADER lacks and contrast words ("otherwise", "but"). Last round's
valid swaps that still changed a review's meaning were of this kind ("far" -> "less", "extremely"
-> "otherwise"), so a swap between two of these classes (or into or out of one) changes polarity too.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from robustflow.errors import ResourceError

VADER_NEUTRAL = 0.5  # |mean rating| below this: the raters did not agree on a direction


def _package_dir(module: str, pip_name: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ResourceError(f"the same_polarity check needs the {pip_name} lexicon. Fix: `pip install {pip_name}` "
                            "(setup.sh installs it), or set the recipe's `same_polarity: false`.")
    return Path(next(iter(spec.submodule_search_locations)))


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """Single words of both lexicons: word -> score (AFINN's where both have it)."""
    scores: dict[str, float] = {}
    vader = _package_dir("vaderSentiment", "vaderSentiment==3.3.2") / "vader_lexicon.txt"
    for line in vader.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0] and " " not in parts[0]:
            scores[parts[0].lower()] = float(parts[1])
    afinn = _package_dir("afinn", "afinn==0.1") / "data" / "AFINN-en-165.txt"
    for line in afinn.read_text(encoding="utf-8").splitlines():
        word, _, score = line.rpartition("\t")
        if word and " " not in word:
            scores[word.lower()] = float(score)
    return scores


def _sign(score: float) -> int:
    return 0 if abs(score) < VADER_NEUTRAL else (1 if score > 0 else -1)


@functools.lru_cache(maxsize=100_000)
def polarity(word: str) -> int:
    """+1, -1 or 0 (not in either lexicon, or rated near zero): the word's own entry, else that of
    its first WordNet base form (noun, verb, adjective, adverb) that has one."""
    scores, word = lexicon(), word.lower()
    if word in scores:
        return _sign(scores[word])
    from resources.wordnet import base_forms

    for form in base_forms(word):
        if form in scores:
            return _sign(scores[form])
    return 0


# Beside VADER's lists: comparatives it lacks, and words that turn what follows against what came before.
EXTRA_BOOSTERS = frozenset({"far", "much", "even", "way", "lot"})
EXTRA_DAMPENERS = frozenset({"fewer", "least", "lesser"})
EXTRA_NEGATORS = frozenset({"no", "nobody", "nor", "neither"})
CONTRAST = frozenset({"otherwise", "but", "although", "though", "however", "yet", "except", "instead"})


@functools.lru_cache(maxsize=1)
def _shifters() -> dict[str, str]:
    try:
        from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE
    except ImportError:
        raise ResourceError("the same_polarity check needs VADER's negator and booster lists. Fix: `pip install "
                            "vaderSentiment==3.3.2` (setup.sh installs it), or set the recipe's `same_polarity: false`.") from None
    classes = {w: "booster" if v > 0 else "dampener" for w, v in BOOSTER_DICT.items() if " " not in w}
    classes.update({w: "booster" for w in EXTRA_BOOSTERS})
    classes.update({w: "dampener" for w in EXTRA_DAMPENERS})
    classes.update({w.replace("'", ""): "negator" for w in NEGATE} | {w: "negator" for w in NEGATE})
    classes.update({w: "negator" for w in EXTRA_NEGATORS})
    classes.update({w: "contrast" for w in CONTRAST})
    return classes


def shifter(word: str) -> str | None:
    """negator, booster, dampener, contrast, or None for a word that shifts no sentiment."""
    return _shifters().get(word.lower())


def changes_polarity(old: str, new: str) -> bool:
    """Whether swapping ``old`` for ``new`` changes the sentiment polarity (positive, negative,
    neutral) or how the words around it are read (negators, boosters, dampeners, contrast words)."""
    return polarity(old) != polarity(new) or shifter(old) != shifter(new)
