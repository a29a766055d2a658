"""WordNet from the nltk data path, loaded in about half of nltk's time.

On every load nltk (3.9, 3.10) maps the OMW's WordNet-3.0 synset offsets onto the loaded WordNet,
and its version check compares "3.0" with the string "wordnet", so it never skips: for the 3.0
that setup.sh installs it builds an identity map, about 7 of the 13 s a load takes on 2 cores,
paid by every augment, suite and attack job that swaps synonyms. The map only serves other
languages' WordNets (OMW), which are not installed; other WordNet versions keep nltk's behaviour.
"""

from __future__ import annotations

import functools

from robustflow.errors import ResourceError


def load_wordnet(needed_by: str):
    """nltk's ``wordnet`` reader, loaded; a clear error naming ``needed_by`` when it is missing."""
    from nltk.corpus import wordnet
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    original = WordNetCorpusReader.map_wn

    def map_wn(self, version="wordnet"):
        return None if self.get_version() == "3.0" else original(self, version)

    WordNetCorpusReader.map_wn = map_wn
    try:
        wordnet.ensure_loaded()
    except LookupError:
        raise ResourceError(
            f"{needed_by} needs WordNet in the nltk data path. Fix: run `bash setup.sh` (it builds .venv/nltk_data "
            "from Debian's wordnet-base), or set NLTK_DATA to a folder holding corpora/wordnet."
        ) from None
    finally:
        WordNetCorpusReader.map_wn = original
    return wordnet


@functools.lru_cache(maxsize=1)
def _wordnet():
    return load_wordnet("the antonym check")


@functools.lru_cache(maxsize=100_000)
def antonyms(word: str) -> frozenset[str]:
    """Lower-cased WordNet antonyms of every sense of ``word`` and of its base forms (morphy): direct
    antonyms, and for satellite adjectives ("satisfying" in "comforting.s.01") the antonyms of the
    head adjectives they are similar to ("discomforting"): WordNet's indirect antonyms."""
    wn = _wordnet()
    word = word.lower()
    forms = {word} | {wn.morphy(word, pos) for pos in ("n", "v", "a", "r")} - {None}
    found = set()
    for form in forms:
        for synset in wn.synsets(form):
            for head in [synset, *synset.similar_tos()]:
                for lemma in head.lemmas():
                    found.update(a.name().lower().replace("_", " ") for a in lemma.antonyms())
    return frozenset(found)


def base_forms(word: str) -> list[str]:
    """WordNet's base forms of ``word`` (morphy), noun, verb, adjective, adverb, without repeats."""
    wn = _wordnet()
    return list(dict.fromkeys(f for f in (wn.morphy(word.lower(), pos) for pos in ("n", "v", "a", "r")) if f))


NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "dis", "non", "non-")


def is_antonym_swap(old: str, new: str) -> bool:
    """Whether ``new`` negates ``old``: a WordNet antonym (any form), or the same word with a negating
    prefix added or removed ("satisfying" -> "unsatisfying"), which WordNet often leaves out."""
    wn = _wordnet()
    old, new = old.lower(), new.lower()
    if any(new == p + old or old == p + new for p in NEGATING_PREFIXES):
        return True
    candidates = {new} | {wn.morphy(new, pos) for pos in ("n", "v", "a", "r")} - {None}
    return bool(candidates & antonyms(old))
