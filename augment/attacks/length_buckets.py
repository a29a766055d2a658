"""Batches of attack queries padded to a length that depends on the query alone.

Attack searches send a few candidates at a time, and grouping them by exact token count (so that no
query's scores depend on its batch neighbours) leaves batches of 2-10, which on a CPU cost two to
three times more per text than batches of 64. Padding each query to its token count rounded up to a
multiple of PAD_MULTIPLE keeps that independence (a query's padded input, hence its scores, is the
same whatever else is in the batch, so shards and prefetching cannot change results) while queries
of nearby lengths share a batch. The padding is masked, so scores equal an unpadded forward up to
float rounding.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import torch

from robustflow.padding import pad

PAD_MULTIPLE = 8


def bucket_length(length: int, limit: int) -> int:
    """The padded length of a query of `length` tokens; never above `limit` (the position limit)."""
    return max(length, min(-(-length // PAD_MULTIPLE) * PAD_MULTIPLE, limit))


def padded_batches(ids: Sequence[Sequence[int]], batch_size: int, pad_id: int | None, limit: int,
                   device: str = "cpu") -> Iterator[tuple[list[int], torch.Tensor, torch.Tensor]]:
    """(positions in `ids`, input_ids, attention_mask) per batch, shortest bucket first. Without a pad
    token the buckets are exact lengths."""
    groups: dict[int, list[int]] = {}
    for i, seq in enumerate(ids):
        width = bucket_length(len(seq), limit) if pad_id is not None else len(seq)
        groups.setdefault(width, []).append(i)
    for width in sorted(groups):
        members = groups[width]
        for start in range(0, len(members), batch_size):
            idx = members[start:start + batch_size]
            input_ids, mask = pad([ids[i] for i in idx], pad_id if pad_id is not None else 0, width=width)
            yield idx, input_ids.to(device), mask.to(device)
