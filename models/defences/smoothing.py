"""Randomised-substitution smoothing in front of a classifier or a tagger (RanMASK, Zeng et al. 2021;
SAFER, Ye et al. 2020).

The defended model does not classify the text it is given but ``copies`` randomly perturbed copies
of it, each word replaced with probability ``rate`` by a draw from the defence's own perturbation
set, and averages their class probabilities (``aggregate: mean``) or counts their votes (``vote``).
A word swap the attacker makes then reaches only the copies in which that word survived, and every
copy carries other random substitutions the model was trained to read through: training rows get
fresh random substitutions every epoch.

Which words of a copy are substituted depends on the word's position and the text's number of
tokens only (sha256 of seed, copy number and token count), not on the words: copy k of every
text of n tokens substitutes the same positions (RanMASK's fixed masks). A word swap then changes
each copy at that word and nowhere else, so an attacker cannot draw fresh copies by changing any
word. Seeding the copies by the whole text, as this defence first did, let each candidate swap
re-draw every copy: the plain GloVe search on MR found texts whose fresh copies happened to go
wrong, and beat the same search scored on the defence's expectation (20 successes of 78 against
9; docs/results.md). The substitute drawn at a substituted position is seeded by the position and
the word. A tagger's copies substitute word for word (``copies_words``), never a word the caller
keeps (the entities predicted on the sentence itself), and its vote is per word. The defended
model is one deterministic function that attacks can query like any other, identical in every run
and after save/load. Perturbation sets (``source``), declared so that the report can tell whether
a defence shares an attack's candidate source (TextDefender's warning, Li et al. 2021):
- ``mask``: the tokenizer's mask token (RanMASK): no attack proposes it;
- ``wordnet``: WordNet synonyms (SAFER-style), the candidate source of PWWS;
- ``glove``: the nearest GloVe neighbours (SAFER's own choice), the candidate source of glove_swap.
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Callable, Sequence

import numpy as np

SOURCES = ("mask", "wordnet", "glove")
AGGREGATES = ("mean", "vote")
# Letters with inner apostrophes: the words a substitution may replace (never punctuation or numbers).
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_SPLIT = re.compile(r"(\s+)")


def candidate_source(source: str) -> str:
    """The candidate source a smoothing defence draws from, in the attacks' vocabulary
    (robustflow/candidate_sources.py)."""
    from robustflow.candidate_sources import SMOOTHING_SOURCES

    return SMOOTHING_SOURCES[source]


class Smoothing:
    """Random substitutions (``perturb``), the deterministic copies of a text (``copies``) and the
    vote over their class probabilities (``combine``)."""

    def __init__(self, source: str, rate: float, copies: int, aggregate: str, seed: int, mask_token: str | None = None,
                 substitutes: Callable[[str], list[str]] | None = None):
        if source not in SOURCES or aggregate not in AGGREGATES:
            raise ValueError(f"smoothing: source must be one of {SOURCES}, aggregate one of {AGGREGATES}")
        self.source, self.rate, self.n_copies, self.aggregate, self.seed = source, rate, copies, aggregate, seed
        self.mask_token = mask_token
        self._substitutes = substitutes  # word -> candidates; built on first use for wordnet/glove
        self._masks: dict[tuple[int, int], list[bool]] = {}

    @property
    def candidate_source(self) -> str:
        return candidate_source(self.source)

    def substitutes(self, word: str) -> list[str]:
        if self.source == "mask":
            if not self.mask_token:
                raise ValueError("smoothing with source `mask` needs the tokenizer's mask token (bind_tokenizer)")
            return [self.mask_token]
        if self._substitutes is None:
            from resources.substitutes import glove_neighbours, wordnet_synonyms

            needed_by = f"the smoothing defence (source: {self.source})"
            self._substitutes = wordnet_synonyms(needed_by) if self.source == "wordnet" else glove_neighbours(needed_by)
        return self._substitutes(word)

    def perturb(self, text: str, rng: random.Random) -> str:
        """``text`` with each word replaced, with probability ``rate``, by a random substitute (a
        word with none is kept); spacing and punctuation are kept as they are."""
        parts = _SPLIT.split(text)
        for i in range(0, len(parts), 2):  # even positions are tokens, odd ones the spaces between them
            parts[i] = self._perturb_token(parts[i], rng)
        return "".join(parts)

    def _perturb_token(self, token: str, rng: random.Random) -> str:
        if not token or not _WORD.fullmatch(token) or rng.random() >= self.rate:
            return token
        options = self.substitutes(token)
        if not options:
            return token
        return options[rng.randrange(len(options))] if len(options) > 1 else options[0]

    def training_words(self, words: Sequence[str], keep: Sequence[bool], epoch: int, row_id) -> list[str]:
        """NER: a sentence's words as an epoch trains on them, one for one (the tags stay aligned);
        words marked in ``keep`` (the gold entities) are never substituted."""
        rng = self._rng("train", epoch, row_id, *words)
        return [w if kept else self._perturb_token(w, rng) for w, kept in zip(words, keep)]

    def _rng(self, *key) -> random.Random:
        digest = hashlib.sha256("\x00".join(map(str, (self.seed, *key))).encode("utf-8")).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def _positions(self, k: int, n: int) -> list[bool]:
        """Copy ``k``'s substituted token positions for a text of ``n`` tokens (cached: attacks ask
        for the same lengths again and again)."""
        key = (k, n)
        if key not in self._masks:
            rng = self._rng("copy", k, n)
            self._masks[key] = [rng.random() < self.rate for _ in range(n)]
        return self._masks[key]

    def copies(self, text: str) -> list[str]:
        """The ``copies`` perturbed copies the defended model classifies ``text`` by: the same for
        the same text in every run; copy k substitutes the same positions in every text of as many
        tokens (module docstring)."""
        parts = _SPLIT.split(text)
        tokens = parts[::2]  # tokens at even positions, the spaces between them at odd ones
        out = []
        for copy in self.copies_words(tokens, [False] * len(tokens)):
            parts[::2] = copy
            out.append("".join(parts))
        return out

    def copies_words(self, words: Sequence[str], keep: Sequence[bool]) -> list[list[str]]:
        """The copies of a sequence of words, one for one (NER's tags stay aligned): copy k
        substitutes the same positions in every sequence of as many words; words marked in ``keep``
        (an NER sentence's predicted entities) are never substituted."""
        n = len(words)
        out = []
        for k in range(self.n_copies):
            copy = list(words)
            for j, chosen in enumerate(self._positions(k, n)):
                token = words[j]
                if not chosen or keep[j] or not token or not _WORD.fullmatch(token):
                    continue
                options = self.substitutes(token)
                if options:
                    pick = self._rng("pick", k, n, j, token).randrange(len(options)) if len(options) > 1 else 0
                    copy[j] = options[pick]
            out.append(copy)
        return out

    def training_text(self, text: str, epoch: int, row_id) -> str:
        """The text as an epoch trains on it: fresh substitutions each epoch, seeded by row and epoch."""
        return self.perturb(text, self._rng("train", epoch, row_id, text))

    def combine(self, probs: np.ndarray) -> np.ndarray:
        """One distribution from the copies' (copies x classes) probabilities: their mean, or the
        share of copies voting for each class (ties go to the class the mean prefers)."""
        probs = np.asarray(probs, dtype=np.float64)
        mean = probs.mean(axis=0)
        if self.aggregate == "mean":
            return mean.astype(np.float32)
        votes = np.bincount(probs.argmax(axis=1), minlength=probs.shape[1]).astype(np.float64)
        # a tie-break worth less than one vote: the class whose mean probability is higher wins
        return ((votes + mean * 1e-3) / (len(probs) + 1e-3)).astype(np.float32)

    def settings(self) -> dict:
        return {"source": self.source, "rate": self.rate, "copies": self.n_copies, "aggregate": self.aggregate,
                "seed": self.seed, "mask_token": self.mask_token}

    @classmethod
    def from_settings(cls, block: dict, mask_token: str | None = None) -> "Smoothing":
        return cls(block["source"], float(block["rate"]), int(block["copies"]), block["aggregate"], int(block["seed"]),
                   block.get("mask_token") or mask_token)


def expand(texts: Sequence[str], smoothing: Smoothing) -> list[str]:
    """Every text's copies, one text after another (``copies`` each)."""
    return [c for t in texts for c in smoothing.copies(t)]


def combine_all(probs: np.ndarray, smoothing: Smoothing) -> list[np.ndarray]:
    """Per original text, the combined distribution of its ``copies`` consecutive rows of ``probs``."""
    k = smoothing.n_copies
    return [smoothing.combine(probs[i:i + k]) for i in range(0, len(probs), k)]
