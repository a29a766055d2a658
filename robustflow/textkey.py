"""The normalised form of a text that near-duplicate, leakage and paraphrase checks compare."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# ASCII punctuation and symbols (categories P*/S*) to spaces: the fast path of near_key.
_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if unicodedata.category(c)[0] in "PS"})


def collapse_whitespace(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def near_key(text: str) -> str:
    """Case-folded, without punctuation, symbols and accents, single-spaced: 'Great  movie!' == 'great movie'."""
    if text.isascii():  # same result as below, without a Python loop over characters
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(" " if unicodedata.category(ch)[0] in "PSZ" else ch for ch in decomposed
                   if unicodedata.category(ch) != "Mn")
    return collapse_whitespace(kept)
