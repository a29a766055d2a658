"""Replacement candidates for single tokens: WordNet synonyms and nlpaug's misspelling dictionary.

Candidates are single words without spaces, underscores or hyphens, so a replacement never changes
the token count (NER tags stay aligned) and never splits under a whitespace tokenizer.
"""

from __future__ import annotations

import functools

from augment.common.errors import ResourceError


def _usable(candidate: str, token: str) -> bool:
    return bool(candidate) and candidate.lower() != token.lower() and not any(c.isspace() or c in "_-" for c in candidate)


def match_case(candidate: str, token: str) -> str:
    if token.isupper() and len(token) > 1:
        return candidate.upper()
    if token[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    return candidate


class WordNetSynonyms:
    """Synonyms of a word from WordNet (the nltk tree setup.sh builds from Debian's WordNet)."""

    def __init__(self):
        try:
            from nltk.corpus import wordnet

            wordnet.ensure_loaded()
        except LookupError:
            raise ResourceError(
                "WordNet is not in the nltk data path. Fix: run `bash setup.sh` (it builds .venv/nltk_data from "
                "Debian's wordnet-base), or set NLTK_DATA to a folder holding corpora/wordnet."
            ) from None
        self._wordnet = wordnet
        self._stopwords = _stopwords()

    @functools.lru_cache(maxsize=100_000)
    def __call__(self, token: str) -> tuple[str, ...]:
        word = token.lower()
        if not word.isalpha() or word in self._stopwords:
            return ()
        names = {lemma.name() for synset in self._wordnet.synsets(word) for lemma in synset.lemmas()}
        return tuple(sorted(match_case(n, token) for n in names if _usable(n, word)))


class Misspellings:
    """Common misspellings of a word, from the dictionary nlpaug ships with SpellingAug."""

    def __init__(self):
        import nlpaug.augmenter.word as naw

        self._model = naw.SpellingAug().model

    @functools.lru_cache(maxsize=100_000)
    def __call__(self, token: str) -> tuple[str, ...]:
        found = self._model.predict(token) or self._model.predict(token.lower()) or []
        return tuple(sorted({match_case(c, token) for c in found if _usable(c, token) and c.isprintable()}))


def _stopwords() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)
