"""Spelling correction in front of a model (after Pruthi et al. 2019, "Combating adversarial
misspellings with robust word recognition", with a dictionary instead of their ScRNN).

A word the dictionary does not know becomes the most frequent known word one edit away (Damerau:
a deletion, insertion, substitution or swap of neighbouring letters), or stays as it is when there
is none. DeepWordBug, Pruthi's attack and keyboard typos make exactly such one-edit typos, which
sub-word tokenizers turn into rare fragments the classifier has never seen; after correction most
of them are the word they came from (measured on MR: about 3 in 4 random one-edit typos of content
words come back as the original word; docs/results.md).

What is left alone: words the dictionary knows (a typo that makes another real word, "good" ->
"god", passes: correcting it would need context), words shorter than MIN_LENGTH, words with
letters outside a-z, and, in cased text, capitalised words that do not start a sentence and
all-caps words (names and acronyms, which dictionaries miss and correction would mangle:
"Liman" -> "Lima").
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH = 3  # shorter words have too many neighbours one edit away to correct safely
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # letters, with apostrophes inside ("couldn't", "film's")
SENTENCE_END = re.compile(r"[.!?]\W*$")


def one_edit(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, substitution (a-z) or insertion (a-z and the
    apostrophe: "couldnt" -> "couldn't") from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    out |= {a + c + b for a, b in splits for c in LETTERS + "'"}
    out.discard(word)
    return out


def restore_case(original: str, corrected: str) -> str:
    if original.isupper() and len(original) > 1:
        return corrected.upper()
    if original[:1].isupper():
        return corrected[:1].upper() + corrected[1:]
    return corrected


class SpellingCorrector:
    """``frequencies``: known word (lower case) -> how common it is (ties and unknown counts: 0).
    ``keep_capitalized``: leave names alone (cased text)."""

    def __init__(self, frequencies: Mapping[str, int], keep_capitalized: bool):
        self.frequencies = frequencies
        self.keep_capitalized = keep_capitalized
        self._cache: dict[str, str] = {}
        self.corrected = 0  # words changed, for the job log

    def correct_word(self, word: str, starts_sentence: bool) -> str:
        if self.keep_capitalized and not starts_sentence and word[:1].isupper():
            return word
        if self.keep_capitalized and word.isupper() and len(word) > 1:
            return word
        lower = word.lower()
        if lower in self.frequencies or len(lower) < MIN_LENGTH:
            return word
        stem, apostrophe, suffix = lower.partition("'")  # "teh's": correct "teh", keep "'s"
        if not (stem.isascii() and stem.isalpha()) or len(stem) < MIN_LENGTH:
            return word
        if stem not in self._cache:
            known = [w for w in one_edit(stem) if w in self.frequencies]
            self._cache[stem] = min(known, key=lambda w: (-self.frequencies[w], w)) if known else stem
        fixed = self._cache[stem] + apostrophe + suffix
        if fixed == lower:
            return word
        self.corrected += 1
        return restore_case(word, fixed)

    def text(self, text: str) -> str:
        """``text`` with its misspelt words corrected; everything else (spacing, punctuation) kept."""
        out, last = [], 0
        for n, match in enumerate(WORD.finditer(text)):
            start = match.start()
            starts_sentence = n == 0 or bool(SENTENCE_END.search(text[last:start]))
            out.append(text[last:start])
            out.append(self.correct_word(match.group(0), starts_sentence))
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def words(self, words: Sequence[str]) -> list[str]:
        """Pre-tokenised words (NER), one for one; a word starts a sentence when it is the first or
        follows a sentence-ending token."""
        out = []
        for i, word in enumerate(words):
            starts_sentence = i == 0 or bool(SENTENCE_END.search(words[i - 1]))
            out.append(self.text(word) if not WORD.fullmatch(word) else self.correct_word(word, starts_sentence))
        return out
