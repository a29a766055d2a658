"""Batched inference: labels (and probabilities) for classification, word-level tags for NER."""

from __future__ import annotations

from typing import Sequence

import torch

from robust_train.data import bucketed_batches, collate, encode_classification, encode_ner


@torch.inference_mode()
def predict(model, tokenizer, rows: Sequence[dict], task: str, label2id: dict, id2label: dict, max_length: int,
            batch_size: int = 64, device: str = "cpu") -> tuple[list, list]:
    """(predictions, probabilities). NER: one tag per word; words lost to truncation are predicted O."""
    model.eval()
    enc = (encode_ner if task == "ner" else encode_classification)(rows, tokenizer, label2id, max_length)
    lengths = [len(f["input_ids"]) for f in enc.features]
    preds: list = [None] * len(rows)
    probs: list = [None] * len(rows)
    for idx in bucketed_batches(lengths, batch_size, seed=0, shuffle=False):
        batch = collate([enc.features[i] for i in idx], tokenizer.pad_token_id)
        batch.pop("labels")
        logits = model(**{k: v.to(device) for k, v in batch.items()}).logits.float()
        p = logits.softmax(-1).cpu()
        for j, i in enumerate(idx):
            if task == "classification":
                preds[i], probs[i] = id2label[int(p[j].argmax())], p[j].tolist()
            else:
                tags = ["O"] * len(rows[i]["tokens"])
                confidence = [1.0] * len(tags)
                previous = None
                for piece, w in enumerate(enc.word_ids[i]):
                    if w is not None and w != previous:
                        tags[w] = id2label[int(p[j, piece].argmax())]
                        confidence[w] = float(p[j, piece].max())
                    previous = w
                preds[i], probs[i] = tags, confidence
    return preds, probs
