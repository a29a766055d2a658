"""Edit chosen tokens in place: the engine behind the char and word-substitution augmenters.

The token count never changes, so for NER (edits restricted to O tokens) every tag stays aligned
and every entity span keeps its type and surface: label-safe by construction.
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

from augment.augmenters.spec import AugmenterSpec
from robustflow.seeds import seed_globals

Edit = Callable[[str, random.Random], "str | None"]  # (token, the row's rng) -> replacement or None


def choose_positions(eligible: Sequence[int], spec: AugmenterSpec, rng: random.Random) -> list[int]:
    """Each eligible position with probability word_p, clamped to [min_changes, max_changes]."""
    k = sum(rng.random() < spec.word_p for _ in eligible)
    k = min(max(k, spec.min_changes), spec.max_changes, len(eligible))
    return sorted(rng.sample(list(eligible), k))


def edit_tokens(tokens: Sequence[str], allowed: Sequence[int], spec: AugmenterSpec, eligible: Callable[[str], bool],
                edit: Edit, seed: int) -> list[str] | None:
    """Tokens with some allowed, eligible positions edited; None when no position qualifies."""
    rng = random.Random(seed)
    positions = choose_positions([i for i in allowed if eligible(tokens[i])], spec, rng)
    if not positions:
        return None
    seed_globals(seed)  # nlpaug's draws for this row, made in fixed token order
    out = list(tokens)
    for i in positions:
        new = edit(tokens[i], rng)
        if new and new != tokens[i] and not any(c.isspace() for c in new):
            out[i] = new
    return out


def nlpaug_char_edit(spec: AugmenterSpec) -> Edit:
    """An nlpaug character augmenter applied to one token (every call edits that token's characters)."""
    import nlpaug.augmenter.char as nac

    common = dict(aug_char_p=spec.char_p, aug_word_p=1.0, aug_word_min=1, aug_word_max=1,
                  tokenizer=str.split, reverse_tokenizer=" ".join)
    if spec.type == "keyboard":
        aug = nac.KeyboardAug(include_special_char=False, include_numeric=False, min_char=2, **common)
    elif spec.type == "ocr":
        aug = nac.OcrAug(min_char=2, **common)
    else:
        action = spec.type.removeprefix("char_")
        aug = nac.RandomCharAug(action=action, include_numeric=False, min_char=2, **common)

    def edit(token: str, rng: random.Random) -> str | None:
        out = aug.augment(token)
        return out[0] if isinstance(out, list) and out else out or None

    return edit


def substitution_edit(candidates: Callable[[str], Sequence[str]]) -> Edit:
    def edit(token: str, rng: random.Random) -> str | None:
        options = candidates(token)
        return rng.choice(options) if options else None

    return edit


def is_word(token: str) -> bool:
    return len(token) >= 2 and token.isalpha()
