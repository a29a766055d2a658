"""Back-translation as an augmenter: translate the selected rows through each pivot and back, in
batches through the cache, filter the paraphrases, and serve them to the augmenter job per row.
NER rows travel with their entity mentions masked (entity_projection.py)."""

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


def _sources(rows: list[dict], task: str) -> list:
    """What is translated per row: the text (classification), or the sentence with each entity
    mention masked by a placeholder (NER; None when it cannot be masked)."""
    if task != "ner":
        return [row["text"] for row in rows]
    from augment.backtranslation.entity_projection import mask

    return [mask(row["tokens"], row["tags"]) for row in rows]


def _content(task: str, source, translated: str) -> tuple[dict | None, str | None]:
    if task != "ner":
        return {"text": translated}, None
    from augment.backtranslation.entity_projection import restore

    restored, reason = restore(source, translated)
    return ({"tokens": restored[0], "tags": restored[1]}, None) if restored else (None, reason)


def _shown(content: dict) -> str:
    return content["text"] if "text" in content else " ".join(content["tokens"])


def paraphrase_lookup(spec: AugmenterSpec, rows: list[dict], resources: Resources, seed: int,
                      task: str = "classification") -> Callable:
    bt = spec.backtranslation
    cache = TranslationCache(resources.cache)
    sources = _sources(rows, task)
    texts = [src if isinstance(src, str) else src.text for src in sources if src is not None]
    try:
        by_pivot = round_trips(spec, texts, cache, seed)
    finally:
        cache.close()
    table: dict[tuple[str, int], tuple[dict | None, str | None]] = {}
    similar_check = []
    for pivot_index, pivot in enumerate(bt["pivots"]):
        translated = iter(by_pivot[pivot])
        for row, source in zip(rows, sources):
            if source is None:  # NER: every placeholder stem occurs in the sentence
                for sample in range(spec.n):
                    table[(row["id"], pivot_index * spec.n + sample)] = (None, "placeholder_clash")
                continue
            sent = source if isinstance(source, str) else source.text
            for sample, text in enumerate(next(translated)):
                k = pivot_index * spec.n + sample
                reason = reject_reason(sent, text, bt["min_length_ratio"], bt["max_length_ratio"])
                content = None
                if reason is None:
                    content, reason = _content(task, source, text)
                table[(row["id"], k)] = (content, reason)
                if reason is None and bt["min_similarity"] is not None:
                    similar_check.append((row["id"], k, _shown(row), _shown(content)))
    if similar_check:
        from models.sentence_encoder import Encoder

        scores = Encoder(resources.model).similarity([c[2] for c in similar_check], [c[3] for c in similar_check])
        for (row_id, k, _, _), score in zip(similar_check, scores):
            if score < bt["min_similarity"]:
                table[(row_id, k)] = (None, "low_similarity")

    def lookup(row: dict, k: int, seed: int):
        return table[(row["id"], k)]

    return lookup
