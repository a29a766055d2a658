"""Sentence similarity with a sentence encoder (the packaged all-MiniLM-L6-v2 by default): mean-pooled,
L2-normalised embeddings, cached per text.

Each text is padded to its own length bucket (models/padding.py), so its embedding does not
depend on which texts share its batch: a similarity constraint gives the same verdicts however an
attack is sharded.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

from models.padding import padded_batches
from models.pretrained import load_pretrained

BATCH_SIZE = 64  # sentences per forward pass
MAX_TOKENS = 128  # longer texts are truncated (the windows compared are shorter)
CACHE = 100_000  # embeddings kept


class Encoder:
    def __init__(self, name_or_path: str, batch_size: int = BATCH_SIZE, device: str = "cpu"):
        import torch
        from transformers import AutoModel

        self.tokenizer, model = load_pretrained(
            AutoModel, name_or_path, "the sentence encoder",
            "set the encoder option (`attack.sentence_encoder`, or `model.name_or_path` for back-translation's "
            "min_similarity) to `minilm` or a local model folder, or turn the similarity check off.")
        self.model = model.eval().to(device)
        self.batch_size, self.device, self._torch = batch_size, device, torch
        self._cache: OrderedDict[str, object] = OrderedDict()
        # set while attack searches run in lockstep (augment/attacks/lockstep.py): defer(fill, texts)
        # runs fill(texts) in the next shared pass, with every other search's texts
        self.defer = None

    def embed(self, texts: Sequence[str]):
        """(len(texts), dim) unit vectors."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            if self.defer is not None:  # many attack searches at once: one pass for all their texts
                self.defer(self._embed_uncached, missing)
            else:
                self._embed_uncached(missing)
        if not texts:
            return self._torch.empty(0)
        return self._torch.stack([self._cache[t] for t in texts])

    def _embed_uncached(self, missing: list[str]) -> None:
        torch = self._torch
        ids = self.tokenizer(missing, truncation=True, max_length=MAX_TOKENS)["input_ids"]
        limit = getattr(self.model.config, "max_position_embeddings", MAX_TOKENS)
        with torch.inference_mode():
            for idx, input_ids, mask in padded_batches(ids, self.batch_size, self.tokenizer.pad_token_id, limit,
                                                       self.device):
                hidden = self.model(input_ids=input_ids, attention_mask=mask).last_hidden_state
                weights = mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
                for row, i in enumerate(idx):
                    self._cache[missing[i]] = torch.nn.functional.normalize(pooled[row], dim=-1).cpu()
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> list[float]:
        """Cosine similarity of each pair (a[i], b[i])."""
        if not a:
            return []
        both = self.embed(list(a) + list(b))  # one pass over the texts not cached yet
        return (both[: len(a)] * both[len(a):]).sum(-1).tolist()
