"""Seeded, optionally stratified carving of dev/test splits out of the train source."""

from __future__ import annotations

from typing import Hashable, Sequence

import numpy as np


def carve(keys: Sequence[Hashable], fractions: dict[str, float], seed: int,
          groups: Sequence[Hashable] | None = None) -> dict[str, list[int]]:
    """Assign indices 0..n-1 to splits: ``fractions`` per carved split, the rest to train.

    Rows sharing a ``groups`` value (the same normalised text: duplicates, or one text with
    conflicting labels) move as one unit, so a pair is never cut across splits, where one copy
    would become the other's "leakage" and cleaning could never see the conflict. Units are
    stratified by ``keys`` (the label of the unit's first row, or one constant key) and shuffled
    per stratum by a generator seeded with ``seed``; each split takes units until it holds
    round(fraction x stratum rows). With no shared groups this is a plain stratified row split.
    Indices come back sorted: the source order is kept.
    """
    rng = np.random.default_rng(seed)
    groups = range(len(keys)) if groups is None else groups
    units: dict[Hashable, list[int]] = {}
    for i, group in enumerate(groups):
        units.setdefault(group, []).append(i)
    strata: dict[Hashable, list[list[int]]] = {}
    for members in units.values():
        strata.setdefault(keys[members[0]], []).append(members)
    out: dict[str, list[int]] = {name: [] for name in [*fractions, "train"]}
    for key in sorted(strata, key=repr):
        stratum = strata[key]
        rows = sum(len(u) for u in stratum)
        order = [stratum[j] for j in rng.permutation(len(stratum))]
        position = 0
        for name, fraction in fractions.items():
            want, got = int(round(fraction * rows)), 0
            while position < len(order) and got < want:
                out[name].extend(order[position])
                got += len(order[position])
                position += 1
        for unit in order[position:]:
            out["train"].extend(unit)
    return {name: sorted(idx) for name, idx in out.items()}
