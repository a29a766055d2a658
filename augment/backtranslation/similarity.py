"""Sentence similarity with the configured encoder (mean-pooled, L2-normalised embeddings)."""

from __future__ import annotations

from typing import Sequence

from robustflow.models import load_pretrained

BATCH_SIZE = 64  # sentences per forward pass


class Encoder:
    def __init__(self, name_or_path: str, batch_size: int = BATCH_SIZE):
        import torch
        from transformers import AutoModel

        self.tokenizer, model = load_pretrained(
            AutoModel, name_or_path, "the sentence encoder for min_similarity",
            "set `model.name_or_path` to a local model folder, or min_similarity: null.")
        self.model = model.eval()
        self.batch_size, self._torch = batch_size, torch

    def embed(self, texts: Sequence[str]):
        torch = self._torch
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(list(texts[start:start + self.batch_size]), padding=True, truncation=True,
                                       max_length=128, return_tensors="pt")
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                out.append(torch.nn.functional.normalize(pooled, dim=-1))
        return torch.cat(out) if out else torch.empty(0)

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> list[float]:
        return (self.embed(a) * self.embed(b)).sum(-1).tolist()
