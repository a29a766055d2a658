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
    max_length cut off (`Task.truncation`); ``defence``: a defended model's normaliser (and, for a
    smoothing defence, the vote over each row's perturbed copies)."""
    model.eval()
    copies = defence.n_copies if defence is not None else 1
    if defence is not None:
        rows = defence.rows(task, rows)
    if copies > 1 and task.name == "ner":
        return _smoothed_tags(model, tokenizer, rows, task, label2id, id2label, max_length, batch_size, device,
                              truncation, defence)
    model_rows = defence.copy_rows(task, rows) if copies > 1 else rows
    enc = task.encode(model_rows, tokenizer, label2id, max_length)
    if truncation is not None and copies == 1:  # a smoothed classifier's truncation counts nothing (a tagger's: above)
        truncation.update(task.truncation(rows, enc))
    lengths = [len(f["input_ids"]) for f in enc.features]
    out: list = [None] * len(model_rows)
    for idx in bucketed_batches(lengths, batch_size, seed=0, shuffle=False):
        batch = collate([enc.features[i] for i in idx], tokenizer.pad_token_id)
        batch.pop("labels")
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
        p = logits.softmax(-1).cpu()
        for j, i in enumerate(idx):
            out[i] = p[j]
    preds: list = [None] * len(rows)
    probs: list = [None] * len(rows)
    for i, row in enumerate(rows):
        if copies > 1:  # classification only (config checks): one distribution per copy, combined
            dist = defence.combine(torch.stack(out[i * copies:(i + 1) * copies]).numpy())
            preds[i], probs[i] = task.decode(dist, row, None, id2label)
        else:
            preds[i], probs[i] = task.decode(out[i], row, enc.word_ids[i] if enc.word_ids else None, id2label)
    return preds, probs


def _smoothed_tags(model, tokenizer, rows, task, label2id, id2label, max_length, batch_size, device, truncation,
                   defence) -> tuple[list, list]:
    """A smoothed tagger: the normalised sentence is tagged once; its copies keep the words of the
    entities predicted there and substitute others; each word's tag is the vote over the copies."""
    tags, _ = predict(model, tokenizer, rows, task, label2id, id2label, max_length, batch_size, device, truncation)
    k = defence.n_copies

    def tag_copies(copies):
        copy_rows = [{**rows[i // k], "tokens": words} for i, words in enumerate(copies)]
        return predict(model, tokenizer, copy_rows, task, label2id, id2label, max_length, batch_size, device)[1]

    return defence.vote_tags([row["tokens"] for row in rows], tags, tag_copies, id2label)
