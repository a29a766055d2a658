"""Seeds per (run seed, augmenter, row, copy): output never depends on row order or sharding."""

from __future__ import annotations

import hashlib
import random

import numpy as np


def row_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (hashlib, not hash(): that is salted per process)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def seed_globals(seed: int) -> None:
    """Seed `random` and `numpy.random`, which nlpaug draws from.

    Called once per row before its edits (an augmenter job owns its process, so nothing needs
    the previous state back): the row's output depends only on its seed, not on earlier rows.
    """
    random.seed(seed)
    np.random.seed(seed % (2**32))
