"""A TextAttack model wrapper that answers queries fast and identically to a plain forward pass.

TextAttack's HuggingFaceModelWrapper pads every query to the tokenizer's model_max_length (512 for
most checkpoints) and has no memory of texts it has scored. Attack searches query overlapping
texts and mostly short ones, so this wrapper pads each query only to a short length bucket of its
own, batches queries of the same bucket, truncates at the length the model was trained with, and
keeps a per-text cache of probabilities.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np
import torch

from models.padding import padded_batches


def position_limit(model, max_length: int) -> int:
    """The longest input the model's position embeddings take (queries are padded up to it at most)."""
    return max(getattr(model.config, "max_position_embeddings", max_length) or max_length, max_length)


class FastClassifierWrapper:
    """Callable list[str] -> np.ndarray of class probabilities (TextAttack's ModelWrapper protocol)."""

    def __init__(self, model, tokenizer, max_length: int, batch_size: int, cache_size: int = 200_000,
                 device: str = "cpu", defence=None):
        self.model = model.eval().to(device)
        self.defence = defence  # a defended model's normaliser: every query passes through it
        self.tokenizer = tokenizer
        self.max_length, self.batch_size, self.device = max_length, batch_size, device
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self.forward_texts = 0  # texts that reached the model (cache misses), for throughput reports

    def has(self, text) -> bool:
        """Whether ``text``'s probabilities are cached (a call for it runs no forward pass)."""
        return text in self._cache

    def __call__(self, texts: Sequence) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            for text, probs in zip(missing, self._forward(missing)):
                self._cache[text] = probs
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return np.stack([self._cache[t] for t in texts])

    def _forward(self, texts: list) -> list[np.ndarray]:
        """Batches of texts padded to a length bucket of their own (models/padding.py), so a text's
        probabilities do not depend on which other texts share its batch (sharded attacks give
        identical results)."""
        self.forward_texts += len(texts)
        if self.defence is not None:
            texts = [tuple(map(self.defence.text, t)) if isinstance(t, tuple) else self.defence.text(t) for t in texts]
        if self.defence is not None and self.defence.randomised:  # the vote over each query's perturbed copies
            k = self.defence.n_copies
            if isinstance(texts[0], tuple):
                copies = [tuple(c) for t in texts for c in zip(*(self.defence.smoothing.copies(x) for x in t))]
            else:
                copies = [c for t in texts for c in self.defence.smoothing.copies(t)]
            probs = self._model_forward(copies)
            return [self.defence.combine(np.stack(probs[i:i + k])) for i in range(0, len(probs), k)]
        return self._model_forward(texts)

    @torch.inference_mode()
    def _model_forward(self, texts: list) -> list[np.ndarray]:
        if isinstance(texts[0], tuple):  # text pairs (TextAttack passes one tuple per multi-column input)
            first, second = zip(*texts)
            ids = self.tokenizer(list(first), list(second), truncation=True, max_length=self.max_length)["input_ids"]
        else:
            ids = self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        out: list = [None] * len(texts)
        for idx, input_ids, mask in padded_batches(ids, self.batch_size, self.tokenizer.pad_token_id,
                                                   position_limit(self.model, self.max_length), self.device):
            probs = self.model(input_ids=input_ids, attention_mask=mask).logits.float().softmax(-1).cpu().numpy()
            for row, i in enumerate(idx):
                out[i] = probs[row]
        return out
