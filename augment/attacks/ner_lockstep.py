"""Many sentences' NER searches in lockstep, so that each forward pass carries all their queries.

A search (`NerAttack.search`) is a generator that yields the sentences it needs scored. Up to
`width` searches advance together: each round the scorer tags the union of their queries in one
call (length-bucketed batches, models/padding.py, so a sentence's scores do not depend on its
neighbours), every search is sent its own part, and a search that ends makes room for the next
sentence. Each search keeps its own random generator and query count, so every sentence's outcome,
perturbed tokens and queries are those of searching it alone (tests/augment/test_attacks.py).
"""

from __future__ import annotations

from typing import Callable, Sequence

WIDTH = 16  # sentences searched at once


def search_in_lockstep(attack, rows: Sequence[dict], width: int = WIDTH,
                       on_result: Callable[[int, dict], None] | None = None) -> list[dict]:
    """One outcome record per row, in row order."""
    records: list = [None] * len(rows)
    waiting = iter(enumerate(rows))
    active: dict[int, tuple] = {}  # row index -> (its search, the sentences it waits to have scored)

    def ended(i: int, record: dict) -> None:
        records[i] = record
        if on_result is not None:
            on_result(i, record)

    def fill() -> None:
        for i, row in waiting:
            search = attack.search(row)
            try:
                active[i] = (search, next(search))
            except StopIteration as done:
                ended(i, done.value)
                continue
            if len(active) >= width:
                return

    fill()
    while active:
        scored = attack.scorer([s for _, query in active.values() for s in query])
        start = 0
        for i, (search, query) in list(active.items()):
            part, start = scored[start:start + len(query)], start + len(query)
            try:
                active[i] = (search, search.send(part))
            except StopIteration as done:
                del active[i]
                ended(i, done.value)
        fill()
    return records
