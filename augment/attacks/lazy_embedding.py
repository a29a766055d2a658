"""A TextAttack WordEmbedding whose nearest neighbours are found on demand (cosine, cached per
word) instead of from a precomputed vocabulary x vocabulary matrix, and are words only: a
vocabulary's punctuation and clitics ("good" -> "n't") would negate a sentence."""

from __future__ import annotations

import numpy as np


def lazy_embedding(words: list[str], vectors: np.ndarray):
    from textattack.shared import WordEmbedding

    class LazyEmbedding(WordEmbedding):
        def __init__(self):
            super().__init__(vectors, {w: i for i, w in enumerate(words)}, dict(enumerate(words)), nn_matrix=None)
            self._unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-8)
            self._not_word = np.array([not w.isalpha() for w in words])

        def nearest_neighbours(self, index, topn):
            if isinstance(index, str):
                index = self._word2index[index]
            key = (index, topn)
            if key not in self._nn_cache:
                sims = self._unit @ self._unit[index]
                sims[self._not_word] = -np.inf
                top = np.argpartition(-sims, min(topn + 1, len(sims) - 1))[: topn + 1]
                ranked = sorted(top.tolist(), key=lambda j: (-sims[j], j))
                self._nn_cache[key] = [j for j in ranked if j != index and not self._not_word[j]][:topn]
            return self._nn_cache[key]

    return LazyEmbedding()
