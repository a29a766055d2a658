"""Encode rows for a transformers encoder and batch them: length-bucketed, dynamically padded.

NER uses a fast tokenizer with ``is_split_into_words=True``: the first piece of each word gets the
word's label id, the other pieces -100 (ignored by the loss); words cut off by ``max_length`` are
counted, because they cannot be predicted and evaluation must know.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import torch

from augment.common.errors import DataError

IGNORE = -100


@dataclass
class Encoded:
    features: list[dict]  # input_ids, attention_mask, (token_type_ids), labels
    truncated_words: int = 0
    word_ids: list[list[int | None]] = field(default_factory=list)  # NER: piece -> word, to map predictions back


def label_maps(labels: Sequence[str]) -> tuple[dict[str, int], dict[int, str]]:
    label2id = {label: i for i, label in enumerate(labels)}
    return label2id, {i: label for label, i in label2id.items()}


def ner_labels(entity_types: Sequence[str]) -> list[str]:
    """IOB2 label list: O, then B-/I- of each type in the given order."""
    return ["O"] + [f"{p}-{t}" for t in entity_types for p in ("B", "I")]


def encode_classification(rows: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int) -> Encoded:
    pairs = [r.get("text_pair") for r in rows]
    enc = tokenizer([r["text"] for r in rows], pairs if any(p is not None for p in pairs) else None,
                    truncation=True, max_length=max_length)
    features = []
    for i, row in enumerate(rows):
        if row["label"] not in label2id:
            raise DataError(f"row {row['id']}: label {row['label']!r} is not one of the model's labels {sorted(label2id)}")
        features.append({k: enc[k][i] for k in enc.keys()} | {"labels": label2id[row["label"]]})
    return Encoded(features)


def encode_ner(rows: Sequence[dict], tokenizer, label2id: dict[str, int], max_length: int) -> Encoded:
    if not getattr(tokenizer, "is_fast", False):
        raise DataError("NER needs a fast tokenizer (word_ids() for label alignment); this model's tokenizer is slow.")
    enc = tokenizer([list(r["tokens"]) for r in rows], is_split_into_words=True, truncation=True, max_length=max_length)
    out = Encoded([])
    for i, row in enumerate(rows):
        word_ids = enc.word_ids(i)
        labels, previous = [], None
        for w in word_ids:
            labels.append(IGNORE if w is None or w == previous else label2id[row["tags"][w]])
            previous = w
        kept = {w for w in word_ids if w is not None}
        out.truncated_words += len(row["tokens"]) - len(kept)
        out.features.append({k: enc[k][i] for k in enc.keys()} | {"labels": labels})
        out.word_ids.append(word_ids)
    return out


def collate(features: Sequence[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """Pad to the longest in the batch; token labels pad with -100."""
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
