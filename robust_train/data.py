"""Batches for training and inference: length-bucketed, dynamically padded (encoding rows into
features is the task object's job: robustflow.tasks)."""

from __future__ import annotations

import random
from typing import Iterator, Sequence

import torch

from robustflow.tasks import IGNORE


def collate(features: Sequence[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad to the longest in the batch; token labels pad with -100, a student's token soft labels
    with none."""
    width = max(len(f["input_ids"]) for f in features)
    batch: dict[str, list] = {}
    for f in features:
        pad = width - len(f["input_ids"])
        batch.setdefault("input_ids", []).append(f["input_ids"] + [pad_id] * pad)
        batch.setdefault("attention_mask", []).append(f["attention_mask"] + [0] * pad)
        if "token_type_ids" in f:
            batch.setdefault("token_type_ids", []).append(f["token_type_ids"] + [0] * pad)
        labels = f["labels"]
        batch.setdefault("labels", []).append(labels + [IGNORE] * pad if isinstance(labels, list) else labels)
        if "teacher" in f:  # a student's soft labels (robust_train/distil.py); token ones pad with no teacher
            per_token = isinstance(f["teacher_mask"], list)
            zero = [0.0] * len(f["teacher"][0] if per_token else f["teacher"])
            batch.setdefault("teacher", []).append(f["teacher"] + [zero] * pad if per_token else f["teacher"])
            batch.setdefault("teacher_mask", []).append(f["teacher_mask"] + [0] * pad if per_token else f["teacher_mask"])
    return {k: torch.tensor(v) for k, v in batch.items()}


def bucketed_batches(lengths: Sequence[int], batch_size: int, seed: int, shuffle: bool = True) -> Iterator[list[int]]:
    """Batches of similar length (less padding), in a seeded random order.

    Indices are shuffled, cut into chunks of 50 batches, sorted by length within each chunk and
    batched; the batches are shuffled again. Without shuffle: plain sorted-by-length batches.
    """
    idx = list(range(len(lengths)))
    if not shuffle:
        idx.sort(key=lambda i: (lengths[i], i))
        yield from (idx[s:s + batch_size] for s in range(0, len(idx), batch_size))
        return
    rng = random.Random(seed)
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for s in range(0, len(idx), chunk):
        part = sorted(idx[s:s + chunk], key=lambda i: lengths[i])
        batches += [part[b:b + batch_size] for b in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    yield from batches
