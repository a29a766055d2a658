"""NER back-translation with honest label projection: each entity mention is replaced by a
placeholder word the translator passes through (Apertium copies unknown words; a neural model
usually copies a rare capitalised one), the masked sentence is translated there and back, and the
mentions are put back in the placeholders' new places. A paraphrase is kept only when every
placeholder comes back exactly once, as a word of its own; otherwise it is dropped with the reason,
so no entity is ever guessed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import ascii_lowercase
from typing import Sequence

from robustflow import iob

# Words of the translated sentence: runs of letters/digits (with inner hyphens or apostrophes), or
# one punctuation mark each, the way CoNLL-style corpora are tokenized.
_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")
# Placeholder stems tried in turn: a stem never occurs in a sentence it masks.
_STEMS = ("Zqx", "Qzv", "Xvq")


@dataclass(frozen=True)
class Masked:
    text: str  # the sentence with one placeholder per mention, as the translator gets it
    placeholders: tuple[str, ...]
    mentions: tuple[tuple[str, tuple[str, ...]], ...]  # (entity type, mention tokens) per placeholder


def _suffix(i: int) -> str:
    """a, b, ..., z, ba, bb, ...: letters only (a digit could be read as a number and moved)."""
    out = ""
    while True:
        out = ascii_lowercase[i % 26] + out
        i //= 26
        if i == 0:
            return out


def mask(tokens: Sequence[str], tags: Sequence[str]) -> Masked | None:
    """The sentence with each mention replaced by its placeholder (None: every stem occurs in it)."""
    lowered = " ".join(tokens).lower()
    stem = next((s for s in _STEMS if s.lower() not in lowered), None)
    if stem is None:
        return None
    spans = iob.spans(iob.repair(tags))
    words, placeholders, mentions, cursor = [], [], [], 0
    for i, (etype, start, end) in enumerate(spans):
        words += tokens[cursor:start]
        placeholder = f"{stem}{_suffix(i)}"
        words.append(placeholder)
        placeholders.append(placeholder)
        mentions.append((etype, tuple(tokens[start:end])))
        cursor = end
    words += tokens[cursor:]
    return Masked(" ".join(words), tuple(placeholders), tuple(mentions))


def restore(masked: Masked, translated: str) -> tuple[tuple[list[str], list[str]] | None, str | None]:
    """((tokens, IOB2 tags), None) of the translated sentence with its mentions put back, or
    (None, why it was dropped): mention_lost, mention_repeated, mention_altered (the placeholder came
    back inside another word), no_tokens."""
    words = _TOKEN.findall(translated)
    if not words:
        return None, "no_tokens"
    index = {p.lower(): i for i, p in enumerate(masked.placeholders)}
    found = [index.get(w.lower()) for w in words]
    for i, placeholder in enumerate(masked.placeholders):
        count = found.count(i)
        if count > 1:
            return None, "mention_repeated"
        if count == 0:
            return None, "mention_altered" if placeholder.lower() in translated.lower() else "mention_lost"
    stem = masked.placeholders[0][:3].lower() if masked.placeholders else None
    if stem and any(f is None and stem in w.lower() for w, f in zip(words, found)):
        return None, "mention_altered"  # a placeholder glued to a neighbour besides its own copy
    tokens, tags = [], []
    for word, i in zip(words, found):
        if i is None:
            tokens.append(word)
            tags.append("O")
            continue
        etype, mention = masked.mentions[i]
        tokens += mention
        tags += [f"B-{etype}"] + [f"I-{etype}"] * (len(mention) - 1)
    return (tokens, tags), None
