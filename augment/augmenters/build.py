"""Turn an augmenter spec into a function: (row, seed) -> (new content, None) or (None, reason)."""

from __future__ import annotations

from typing import Callable, Sequence

from augment.augmenters import token_edits as E
from augment.augmenters.candidates import GloveNeighbours, Misspellings, WordNetSynonyms
from augment.augmenters.mentions import mention_pools, replace_mentions
from augment.augmenters.seeding import seed_globals
from augment.augmenters.spec import CHAR_TYPES, SUBSTITUTION_TYPES, WHOLE_TEXT_TYPES, AugmenterSpec

RowAugmenter = Callable[[dict, int, int], "tuple[dict | None, str | None]"]  # (row, copy k, seed)


def _token_editor(spec: AugmenterSpec) -> tuple[Callable[[str], bool], E.Edit]:
    if spec.type in CHAR_TYPES:
        return E.is_word, E.nlpaug_char_edit(spec)
    if spec.type == "synonym":
        candidates = WordNetSynonyms()
    elif spec.type == "glove":
        candidates = GloveNeighbours(**spec.glove)
    else:
        candidates = Misspellings()
    return (lambda token: bool(candidates(token))), E.substitution_edit(candidates)


def _whole_text(spec: AugmenterSpec) -> Callable[[str, int], str]:
    if spec.type == "eda":
        import random

        from augment.augmenters.eda import eda

        synonyms = WordNetSynonyms()
        return lambda text, seed: " ".join(eda(text.split(), spec.word_p, synonyms, random.Random(seed)))
    import nlpaug.augmenter.word as naw

    aug = naw.RandomWordAug(action=spec.type.removeprefix("word_"), aug_p=spec.word_p, aug_min=spec.min_changes,
                            aug_max=spec.max_changes, tokenizer=str.split, reverse_tokenizer=" ".join)

    def run(text: str, seed: int) -> str:
        seed_globals(seed)
        out = aug.augment(text)
        return out[0] if isinstance(out, list) else out

    return run


def build(spec: AugmenterSpec, task: str, train_rows: Sequence[dict], chosen: Sequence[dict] | None = None,
          resources: dict | None = None) -> RowAugmenter:
    """``chosen``: the rows that will be augmented (back-translation translates them in one batch);
    ``resources``: {"cache": translation cache path, "model": encoder for the similarity filter}."""
    if spec.type == "backtranslation":
        from augment.backtranslation.run import paraphrase_lookup

        return paraphrase_lookup(spec, chosen if chosen is not None else train_rows, resources or {})
    if spec.type == "mlm":
        from augment.augmenters.mlm import mlm_lookup

        return mlm_lookup(spec, task, chosen if chosen is not None else train_rows, resources or {})

    if spec.type == "mention_replace":
        pools = mention_pools(train_rows)

        def mentions(row: dict, k: int, seed: int):
            got = replace_mentions(row["tokens"], row["tags"], pools, spec, seed)
            return ({"tokens": got[0], "tags": got[1]}, None) if got else (None, "no_replaceable_mention")
        return mentions

    if spec.type in WHOLE_TEXT_TYPES:  # classification only (config checks keep them away from NER)
        run = _whole_text(spec)
        return lambda row, k, seed: ({"text": run(row["text"], seed)}, None)

    assert spec.type in CHAR_TYPES + SUBSTITUTION_TYPES, spec.type
    eligible, edit = _token_editor(spec)
    if task == "ner":
        def ner(row: dict, k: int, seed: int):
            allowed = [i for i, tag in enumerate(row["tags"]) if tag == "O"]
            tokens = E.edit_tokens(row["tokens"], allowed, spec, eligible, edit, seed)
            return ({"tokens": tokens, "tags": list(row["tags"])}, None) if tokens else (None, "no_eligible_token")
        return ner

    def text(row: dict, k: int, seed: int):
        words = row["text"].split()
        tokens = E.edit_tokens(words, range(len(words)), spec, eligible, edit, seed)
        return ({"text": " ".join(tokens)}, None) if tokens else (None, "no_eligible_token")
    return text
