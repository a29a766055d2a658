"""Token-classification queries for the NER attack: predicted tags and gold-tag probability mass.

Like FastClassifierWrapper: sentences padded to a length bucket of their own (models/padding.py, so
a sentence's scores do not depend on its batch neighbours) and a per-sentence cache.
"""

from __future__ import annotations

from typing import Sequence

import torch

from augment.attacks.model_wrapper import position_limit
from models.padding import padded_batches


class NerScorer:
    def __init__(self, model, tokenizer, max_length: int, batch_size: int, device: str, defence=None):
        self.model = model.eval().to(device)
        self.defence = defence  # a defended model's normaliser: every query passes through it
        self.tokenizer, self.max_length, self.batch_size, self.device = tokenizer, max_length, batch_size, device
        self.label2id = {v: k for k, v in model.config.id2label.items()}
        self.id2label = model.config.id2label
        self._cache: dict[tuple, tuple[list[str], list[list[float]]]] = {}
        self.queries = 0

    def __call__(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[str], list[list[float]]]]:
        """Per sentence: (tags per word, class probabilities per word). Words cut by truncation: O, p(O)=1."""
        self.queries += len(sentences)
        keys = [tuple(s) for s in sentences]
        missing = list(dict.fromkeys(k for k in keys if k not in self._cache))
        if missing:
            self._cache.update(zip(missing, self._forward(missing)))
        return [self._cache[k] for k in keys]

    def gold_mass(self, probs: list[list[float]], tags: Sequence[str]) -> float:
        """Sum over words of p(gold tag): what the search drives down."""
        return sum(p[self.label2id[t]] for p, t in zip(probs, tags))

    def _forward(self, sentences: list[tuple]) -> list:
        words = [self.defence.words(s) if self.defence is not None else list(s) for s in sentences]
        if self.defence is None or not self.defence.randomised:
            return self._tag(words)
        return self._vote(words)

    def _vote(self, words: list[list[str]]) -> list:
        """A smoothed tagger, as in evaluation (Defence.vote_tags)."""
        predicted = [tags for tags, _ in self._tag(words)]
        tags, probs = self.defence.vote_tags(words, predicted, lambda copies: [p for _, p in self._tag(copies)],
                                             self.id2label)
        return list(zip(tags, probs))

    @torch.inference_mode()
    def _tag(self, sentences: list[list[str]]) -> list:
        enc = self.tokenizer(sentences, is_split_into_words=True, truncation=True,
                             max_length=self.max_length)
        out: list = [None] * len(sentences)
        o_probs = [1.0 if self.id2label[j] == "O" else 0.0 for j in range(len(self.id2label))]
        for idx, ids, mask in padded_batches(enc["input_ids"], self.batch_size, self.tokenizer.pad_token_id,
                                             position_limit(self.model, self.max_length), self.device):
            probs = self.model(input_ids=ids, attention_mask=mask).logits.float().softmax(-1).cpu()
            for row, i in enumerate(idx):
                words = [o_probs] * len(sentences[i])
                previous = None
                for piece, w in enumerate(enc.word_ids(i)):
                    if w is not None and w != previous:
                        words[w] = probs[row, piece].tolist()
                    previous = w
                tags = [self.id2label[max(range(len(p)), key=p.__getitem__)] for p in words]
                out[i] = (tags, words)
        return out
