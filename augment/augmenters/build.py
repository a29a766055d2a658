"""Turn an augmenter spec into a function: (row, copy k, seed) -> (new content, None) or (None, reason)."""

from __future__ import annotations

from typing import Callable, Sequence

from augment.augmenters import token_edits as E
from augment.augmenters.candidates import GloveNeighbours, Misspellings, WordNetSynonyms
from augment.augmenters.mentions import mention_pools, replace_mentions
from augment.augmenters.spec import AugmenterSpec, Resources
from robustflow.augmenter_types import TYPES
from robustflow.seeds import seed_globals
from robustflow.tasks import Task, task_for

RowAugmenter = Callable[[dict, int, int], "tuple[dict | None, str | None]"]  # (row, copy k, seed)


def _token_editor(spec: AugmenterSpec) -> tuple[Callable[[str], bool], E.Edit]:
    if TYPES[spec.type].kind == "char":
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


def build(spec: AugmenterSpec, task: Task | str, train_rows: Sequence[dict], chosen: Sequence[dict] | None = None,
          resources: Resources | None = None, seed: int = 0) -> RowAugmenter:
    """``chosen``: the rows that will be augmented (back-translation translates them in one batch);
    ``resources``: what back-translation needs (the others need none); ``seed``: the run seed
    (sampled translations, masked positions)."""
    kind, task = TYPES[spec.type].kind, task_for(task)
    if kind == "sentence":
        from augment.backtranslation.paraphrases import paraphrase_lookup

        return paraphrase_lookup(spec, chosen if chosen is not None else train_rows, resources, seed, task.name)
    if kind == "mlm":
        from augment.augmenters.mlm import mlm_lookup

        return mlm_lookup(spec, task, chosen if chosen is not None else train_rows, seed)

    if kind == "mentions":
        pools = mention_pools(train_rows)

        def mentions(row: dict, k: int, seed: int):
            got = replace_mentions(row["tokens"], row["tags"], pools, spec, seed)
            return ({"tokens": got[0], "tags": got[1]}, None) if got else (None, "no_replaceable_mention")
        return mentions

    if kind == "whole_text":  # classification only (the registry keeps them away from NER)
        run = _whole_text(spec)
        return lambda row, k, seed: ({"text": run(row["text"], seed)}, None)

    eligible, edit = _token_editor(spec)

    def edit_words(row: dict, k: int, seed: int):
        tokens = E.edit_tokens(task.words(row), task.editable_positions(row), spec, eligible, edit, seed)
        return (task.with_words(row, tokens), None) if tokens else (None, "no_eligible_token")
    return edit_words
