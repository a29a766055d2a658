"""Token-id lists to padded (input_ids, attention_mask) tensors, as a tokenizer pads them."""

from __future__ import annotations

from typing import Sequence


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
