"""Seeds per (run seed, augmenter, row, copy): output never depends on row order or sharding."""

from __future__ import annotations

import contextlib
import hashlib
import random
from typing import Iterator

import numpy as np


def row_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (hashlib, not hash(): that is salted per process)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@contextlib.contextmanager
def seeded_globals(seed: int) -> Iterator[None]:
    """Seed `random` and `numpy.random`, which nlpaug draws from, and restore them afterwards."""
    py_state, np_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed % (2**32))
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
