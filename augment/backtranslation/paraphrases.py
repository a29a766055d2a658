"""Back-translation as an augmenter: translate the selected rows through each pivot and back, in
batches through the cache, filter the paraphrases, and serve them to the augmenter job per row."""

from __future__ import annotations

import logging
from typing import Callable

from augment.augmenters.spec import AugmenterSpec, Resources
from augment.backtranslation import apertium
from augment.backtranslation.cache import TranslationCache
from augment.backtranslation.filters import reject_reason

log = logging.getLogger(__name__)


def round_trips(spec: AugmenterSpec, texts: list[str], cache: TranslationCache, seed: int) -> dict[str, list[list[str]]]:
    """pivot -> for each text, ``spec.n`` paraphrases (English -> pivot -> English)."""
    bt = spec.backtranslation
    option = f"augment.augmenters.{spec.name}.backtranslation.pivots"
    result = {}
    for pivot in bt["pivots"]:
        if bt["backend"] == "apertium":
            forward, backward = apertium.modes_for(pivot, option)
            middle = cache.translate(texts, {"backend": "apertium", "mode": forward}, lambda b: apertium.translate(b, forward))
            back = cache.translate(middle, {"backend": "apertium", "mode": backward}, lambda b: apertium.translate(b, backward))
            result[pivot] = [[p] * spec.n for p in back]  # rule-based: one paraphrase; extra copies dedup away
        else:
            from augment.backtranslation.marian import marian_round_trip

            result[pivot] = marian_round_trip(texts, pivot, spec, cache, seed)
        log.info("pivot %s: %d texts, cache hits %d, translated %d", pivot, len(texts), cache.hits, cache.misses)
    return result


def paraphrase_lookup(spec: AugmenterSpec, rows: list[dict], resources: Resources, seed: int) -> Callable:
    bt = spec.backtranslation
    cache = TranslationCache(resources.cache)
    texts = [row["text"] for row in rows]
    try:
        by_pivot = round_trips(spec, texts, cache, seed)
    finally:
        cache.close()
    table: dict[tuple[str, int], tuple[str | None, str | None]] = {}
    similar_check = []
    for pivot_index, pivot in enumerate(bt["pivots"]):
        for row, paraphrases in zip(rows, by_pivot[pivot]):
            for sample, text in enumerate(paraphrases):
                k = pivot_index * spec.n + sample
                reason = reject_reason(row["text"], text, bt["min_length_ratio"], bt["max_length_ratio"])
                table[(row["id"], k)] = (None, reason) if reason else (text, None)
                if reason is None and bt["min_similarity"] is not None:
                    similar_check.append((row["id"], k, row["text"], text))
    if similar_check:
        from augment.resources.sentence_encoder import Encoder

        scores = Encoder(resources.model).similarity([c[2] for c in similar_check], [c[3] for c in similar_check])
        for (row_id, k, _, _), score in zip(similar_check, scores):
            if score < bt["min_similarity"]:
                table[(row_id, k)] = (None, "low_similarity")

    def lookup(row: dict, k: int, seed: int):
        text, reason = table[(row["id"], k)]
        return ({"text": text}, None) if text is not None else (None, reason)

    return lookup
