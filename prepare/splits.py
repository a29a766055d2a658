"""Seeded, optionally stratified carving of dev/test splits out of the train source."""

from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np


def carve(keys: Sequence[Hashable], fractions: dict[str, float], seed: int) -> dict[str, list[int]]:
    """Assign indices 0..n-1 to splits: ``fractions`` per carved split, the rest to train.

    Rows are grouped by ``keys`` (the label to stratify, or one constant key) and each group is
    shuffled by a generator seeded with ``seed``; each split takes round(fraction x group size) of
    every group, so label proportions hold. Indices come back sorted: the source order is kept.
    """
    rng = np.random.default_rng(seed)
    groups: dict[Hashable, list[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, []).append(i)
    out: dict[str, list[int]] = {name: [] for name in [*fractions, "train"]}
    for key in sorted(groups, key=repr):
        members = [groups[key][j] for j in rng.permutation(len(groups[key]))]
        start = 0
        for name, fraction in fractions.items():
            take = int(round(fraction * len(members)))
            out[name].extend(members[start:start + take])
            start += take
        out["train"].extend(members[start:])
    return {name: sorted(idx) for name, idx in out.items()}
