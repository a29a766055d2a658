"""Word -> substitute words, from the two perturbation sets defences and training draw on: WordNet
synonyms (the candidate source of PWWS) and the nearest GloVe neighbours (that of glove_swap). The
smoothing defence (models/defences/smoothing.py) and substitution-set adversarial training
(robust_train/ascc.py) both read them, so a declared source means the same words in both."""

from __future__ import annotations

from typing import Callable

import numpy as np

GLOVE_NEIGHBOURS = 8  # per word: SAFER draws from a word's nearest embedding neighbours
GLOVE_VOCAB = 20_000


def wordnet_synonyms(needed_by: str) -> Callable[[str], list[str]]:
    """Lower-cased single-word WordNet lemmas of every sense of a word, its antonyms and itself left
    out, sorted."""
    from resources.wordnet import antonyms, load_wordnet

    wn = load_wordnet(needed_by)
    cache: dict[str, list[str]] = {}

    def synonyms(word: str) -> list[str]:
        key = word.lower()
        if key not in cache:
            found = {lemma.name().lower() for synset in wn.synsets(key) for lemma in synset.lemmas()}
            banned = antonyms(key) | {key}
            cache[key] = sorted(w for w in found if w.isalpha() and w not in banned)
        return cache[key]

    return synonyms


def glove_neighbours(needed_by: str, neighbours: int = GLOVE_NEIGHBOURS) -> Callable[[str], list[str]]:
    """The ``neighbours`` nearest alphabetic words (cosine) among the GLOVE_VOCAB most frequent GloVe
    words, sorted; none for a word GloVe does not have."""
    from resources.glove import load_glove

    words, vectors = load_glove(GLOVE_VOCAB, needed_by)
    index = {w: i for i, w in enumerate(words)}
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
    not_word = np.array([not w.isalpha() for w in words])
    cache: dict[str, list[str]] = {}

    def nearest(word: str) -> list[str]:
        key = word.lower()
        if key not in cache:
            if key not in index:
                cache[key] = []
            else:
                sims = unit @ unit[index[key]]
                sims[not_word] = -np.inf
                sims[index[key]] = -np.inf
                top = np.argsort(-sims, kind="stable")[:neighbours]
                cache[key] = sorted(words[j] for j in top)
        return cache[key]

    return nearest
