"""Token-id lists to padded (input_ids, attention_mask) tensors, as a tokenizer pads them, and
batches padded to a length that depends on each sequence alone.

Attack searches (and similarity constraints) send a few texts at a time, and grouping them by exact
token count (so that no text's scores depend on its batch neighbours) leaves batches of 2-10, which
on a CPU cost two to three times more per text than batches of 64. Padding each sequence to its
token count rounded up to a multiple of PAD_MULTIPLE keeps that independence (a text's padded
input, hence its scores, is the same whatever else is in the batch, so shards and prefetching
cannot change results) while texts of nearby lengths share a batch. The padding is masked, so
scores equal an unpadded forward up to float rounding.
"""

from __future__ import annotations

from typing import Iterator, Sequence

PAD_MULTIPLE = 8


def pad(ids: Sequence[Sequence[int]], pad_id: int, side: str = "right", width: int | None = None):
    """(input_ids, attention_mask) padded to `width` (default: the longest sequence)."""
    import torch

    width = width or max(len(seq) for seq in ids)
    input_ids = torch.full((len(ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for row, seq in enumerate(ids):
        cols = slice(0, len(seq)) if side == "right" else slice(width - len(seq), width)
        input_ids[row, cols] = torch.tensor(seq, dtype=torch.long)
        mask[row, cols] = 1
    return input_ids, mask


def bucket_length(length: int, limit: int) -> int:
    """The padded length of a query of `length` tokens; never above `limit` (the position limit)."""
    return max(length, min(-(-length // PAD_MULTIPLE) * PAD_MULTIPLE, limit))


def padded_batches(ids: Sequence[Sequence[int]], batch_size: int, pad_id: int | None, limit: int,
                   device: str = "cpu") -> Iterator[tuple[list[int], object, object]]:
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
