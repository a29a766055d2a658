"""Batched inference: each row's prediction and probabilities, decoded by the task object
(classification: a label; NER: one tag per word, words lost to truncation predicted O)."""

from __future__ import annotations

from typing import Sequence

import torch

from robust_train.data import bucketed_batches, collate
from robustflow.tasks import Task


@torch.inference_mode()
def predict(model, tokenizer, rows: Sequence[dict], task: Task, label2id: dict, id2label: dict, max_length: int,
            batch_size: int, device: str = "cpu", truncation: dict | None = None, defence=None) -> tuple[list, list]:
    """(predictions, probabilities) in row order; ``truncation``, when given, receives what
    max_length cut off (`Task.truncation`); ``defence``: a defended model's normaliser."""
    model.eval()
    if defence is not None:
        rows = defence.rows(task, rows)
    enc = task.encode(rows, tokenizer, label2id, max_length)
    if truncation is not None:
        truncation.update(task.truncation(rows, enc))
    lengths = [len(f["input_ids"]) for f in enc.features]
    preds: list = [None] * len(rows)
    probs: list = [None] * len(rows)
    for idx in bucketed_batches(lengths, batch_size, seed=0, shuffle=False):
        batch = collate([enc.features[i] for i in idx], tokenizer.pad_token_id)
        batch.pop("labels")
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
        p = logits.softmax(-1).cpu()
        for j, i in enumerate(idx):
            word_ids = enc.word_ids[i] if enc.word_ids else None
            preds[i], probs[i] = task.decode(p[j], rows[i], word_ids, id2label)
    return preds, probs
