"""Which rows an attack covers, and which of them one shard attacks.

The slice is a seeded sample kept in file order; shard k of N takes every N-th row from k. Every
example is attacked on its own (own seed, scores independent of batch neighbours), so the merged
result is the same for any N.
"""

from __future__ import annotations

from robustflow.seeds import seeded_sample


def attack_slice(rows: list[dict], max_examples: int | None, seed: int, purpose: str) -> list[dict]:
    return seeded_sample(rows, max_examples, seed, "attack_slice", purpose)


def shard(rows: list, index: int, count: int) -> list:
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} is outside 0..{count - 1}")
    return rows[index::count]


def merge_order(parts: list[list]) -> list:
    """The rows of every shard back in slice order (shard k holds rows k, k+N, ...)."""
    return [parts[i % len(parts)][i // len(parts)] for i in range(sum(map(len, parts)))]
