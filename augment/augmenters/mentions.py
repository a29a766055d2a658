"""NER entity-mention replacement: swap a mention for another of the same type from train."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Sequence

from augment.augmenters.spec import AugmenterSpec
from augment.augmenters.token_edits import choose_positions
from robustflow import iob


def mention_pools(rows: Sequence[dict]) -> dict[str, list[tuple[str, ...]]]:
    """Distinct surfaces per entity type, sorted so the pools do not depend on row order."""
    pools: dict[str, set] = defaultdict(set)
    for row in rows:
        for etype, start, end in iob.spans(row["tags"]):
            pools[etype].add(tuple(row["tokens"][start:end]))
    return {etype: sorted(surfaces) for etype, surfaces in pools.items()}


def replace_mentions(tokens: Sequence[str], tags: Sequence[str], pools: dict, spec: AugmenterSpec,
                     seed: int) -> tuple[list[str], list[str]] | None:
    """New tokens and IOB2 tags with chosen mentions replaced; None if no mention has an alternative."""
    rng = random.Random(seed)
    spans = iob.spans(tags)
    eligible = [j for j, (etype, _, _) in enumerate(spans) if len(pools.get(etype, ())) > 1]
    chosen = set(choose_positions(eligible, spec, rng))
    if not chosen:
        return None
    out_tokens: list[str] = []
    out_tags: list[str] = []
    cursor = 0
    for j, (etype, start, end) in enumerate(spans):
        out_tokens += tokens[cursor:start]
        out_tags += tags[cursor:start]
        surface = tuple(tokens[start:end])
        if j in chosen:
            surface = rng.choice([s for s in pools[etype] if s != surface])
        out_tokens += surface
        out_tags += [f"B-{etype}"] + [f"I-{etype}"] * (len(surface) - 1)
        cursor = end
    out_tokens += tokens[cursor:]
    out_tags += tags[cursor:]
    return out_tokens, out_tags
