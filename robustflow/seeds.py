"""Seeds derived from names, never from order: a row's output does not depend on which rows came
before it, how a job was sharded, or which process ran it."""

from __future__ import annotations

import hashlib
import random
from typing import Sequence, TypeVar

import numpy as np

T = TypeVar("T")


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


def seed_everything(seed: int) -> None:
    """`random`, `numpy.random` and torch (CPU and every GPU): a training run's whole start state."""
    import torch

    seed_globals(seed)
    torch.manual_seed(seed)


def sample_indices(n: int, k: int, *seed_parts: object) -> set[int]:
    """k of the positions 0..n-1, drawn by a generator seeded from ``seed_parts``."""
    return set(random.Random(row_seed(*seed_parts)).sample(range(n), k))


def seeded_sample(items: Sequence[T], k: int | None, *seed_parts: object) -> list[T]:
    """A seeded sample of k items in their original order (all of them when k is None or >= n)."""
    if k is None or len(items) <= k:
        return list(items)
    keep = sample_indices(len(items), k, *seed_parts)
    return [item for i, item in enumerate(items) if i in keep]
