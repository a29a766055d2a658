"""Which rows an attack covers, and which of them one shard attacks.

The slice is a seeded sample kept in file order; shard k of N takes every N-th row from k. Every
example is attacked on its own (own seed, scores independent of batch neighbours), so the merged
result is the same for any N.
"""

from __future__ import annotations

import random

from augment.augmenters.seeding import row_seed


def attack_slice(rows: list[dict], max_examples: int | None, seed: int, purpose: str) -> list[dict]:
    if max_examples is None or len(rows) <= max_examples:
        return rows
    keep = set(random.Random(row_seed(seed, "attack_slice", purpose)).sample(range(len(rows)), max_examples))
    return [r for i, r in enumerate(rows) if i in keep]


def shard(rows: list, index: int, count: int) -> list:
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} is outside 0..{count - 1}")
    return rows[index::count]
