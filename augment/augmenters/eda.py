"""EDA (Wei & Zou, 2019): synonym replacement, random insertion, random swap, random deletion.

Native and seeded per row (TextAttack's EasyDataAugmenter, the reference in the benchmark, runs
at about 12 sentences/s here). Each copy applies one operation, chosen by the row's generator, to
max(1, round(word_p x words)) words; synonyms come from WordNet (single words, case kept).
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

OPERATIONS = ("synonym_replacement", "random_insertion", "random_swap", "random_deletion")


def eda(words: Sequence[str], word_p: float, synonyms: Callable[[str], Sequence[str]], rng: random.Random) -> list[str]:
    words = list(words)
    if not words:
        return words
    n = max(1, round(word_p * len(words)))
    op = rng.choice(OPERATIONS)
    if op == "synonym_replacement":
        positions = [i for i, w in enumerate(words) if synonyms(w)]
        for i in rng.sample(positions, min(n, len(positions))):
            words[i] = rng.choice(synonyms(words[i]))
    elif op == "random_insertion":
        for _ in range(n):
            sources = [w for w in words if synonyms(w)]
            if not sources:
                break
            words.insert(rng.randrange(len(words) + 1), rng.choice(synonyms(rng.choice(sources))))
    elif op == "random_swap" and len(words) > 1:
        for _ in range(n):
            i, j = rng.sample(range(len(words)), 2)
            words[i], words[j] = words[j], words[i]
    elif op == "random_deletion" and len(words) > 1:
        kept = [w for w in words if rng.random() >= word_p]
        words = kept or [rng.choice(words)]
    return words
