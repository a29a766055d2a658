"""Spelling correction in front of a model (after Pruthi et al. 2019, "Combating adversarial
misspellings with robust word recognition", with a dictionary and a noisy channel instead of their
ScRNN).

A word the dictionary does not know becomes the known word one edit away (Damerau: a deletion,
insertion, substitution or swap of neighbouring letters) that most probably produced it: its
frequency times the chance of the edit (Kernighan, Church & Gale 1990). Losing a letter or swapping
two costs nothing to choose; a substitution or insertion must also pick the letter, one of 26, so
those candidates count 1/26 (1/4 for a letter next to the intended key on a QWERTY keyboard, which
is how keyboard typos happen): "theri" is "their" (a swap) rather than the more frequent "there" (a
substitution). DeepWordBug, Pruthi's attack and keyboard noise make one-edit typos that sub-word
tokenizers turn into rare fragments; after correction most are the word they came from (docs/results.md).

A known word is a typo too when a word one edit away is at least RARE_REAL_WORD times as probable
and the training split does not vouch for it: frequency lists hold rare junk ("nd", "sadi", "roup"
counted 50 times against "and" 33 million), which DeepWordBug hits often, while a domain's own
short words ("mr", "tv", "jr") are in its training text (unless a word one edit away outnumbers
them there a hundredfold, models/defences/dictionary.py: "o" once against "of" 3,718 times is
a typo in the data). Other known words are left alone (a typo that makes another common word,
"good" -> "god", "they" -> "thy", needs context), and so are words with letters outside a-z and
pieces of tokens with digits or dots ("88th", "n.a"). Single letters are corrected like any word
("n" from "in").

In cased text (`keep_capitalized`) a word with a capital letter may be a name or an acronym no
dictionary holds, whose rewrite costs an entity ("Hilde" -> "Hide", "Bre-X" -> "Be-X" on
CoNLL-2003): it is corrected only into a capitalised form that the training split uses as an
ordinary word (outside entities) at least MIN_CASED times ("Grup" -> "Group", "MNODAY" -> "MONDAY",
"cExtras" -> "Extras"), and only when it has four letters or more and no lower-case reading (a
known word that is no typo itself), or at any length when its capitalisation is garbled ("tI" -> "It":
names and acronyms are Title-case or all caps).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # letters, with apostrophes inside ("couldn't", "film's")
# A word of the training text, as it vouches for words: not a piece of a token with digits ("nd" of
# "32nd", "s" of "1990s") or of a dotted abbreviation ("n" and "a" of "n.a"), which are no words.
WHOLE_WORD = re.compile(r"(?<![\w.])" + WORD.pattern + r"(?![\w]|\.\w)")
PICK_A_LETTER = 1 / 26  # a substitution or insertion also chose the letter
NEXT_KEY = 1 / 4  # ... unless it is next to the intended key
RARE_REAL_WORD = 1000  # a known word this many times less probable than a neighbour is taken for a typo
MIN_CASED = 5  # times the training split uses a capitalised form as an ordinary word before it is a correction
MIN_CASED_LENGTH = 4  # shorter capitalised words are acronyms as often as not ("WTO" -> "TO")
OTHER_SHAPE = 0.01  # an all-caps typo is an all-caps word ("MNODAY" -> "MONDAY", not "Monday")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_POSITION = {c: (r, i) for r, row in enumerate(_ROWS) for i, c in enumerate(row)}


def adjacent_keys(a: str, b: str) -> bool:
    """Neighbours on a QWERTY keyboard, whose rows are staggered: each row sits half a key right of
    the one above, so a key touches two keys above it (the same position and one right) and two
    below (the same position and one left): "s" touches "w", "e", "z" and "x"."""
    if a not in _POSITION or b not in _POSITION or a == b:
        return False
    (ra, ia), (rb, ib) = _POSITION[a], _POSITION[b]
    if ra == rb:
        return abs(ia - ib) == 1
    if rb == ra - 1:
        return ib - ia in (0, 1)
    return rb == ra + 1 and ia - ib in (0, 1)


def one_edit(word: str) -> dict[str, float]:
    """Every string one edit from ``word`` -> the chance, up to a constant, that typing it produced
    ``word`` (the highest where several edits lead to it). The apostrophe is a letter to lose:
    "couldnt" <- "couldn't"."""
    out: dict[str, float] = {}

    def add(candidate: str, chance: float) -> None:
        if candidate != word and chance > out.get(candidate, 0.0):
            out[candidate] = chance

    for i in range(len(word) + 1):
        left, right = word[:i], word[i:]
        for c in LETTERS + "'":  # the intended word had c here, which the typo lost
            add(left + c + right, 1.0)
        if right:  # the typo added right[0]: most often a key next to a letter beside it
            beside = left[-1:] + right[1:2]
            add(left + right[1:], NEXT_KEY if any(adjacent_keys(right[0], b) for b in beside) else PICK_A_LETTER)
            for c in LETTERS:  # the intended word had c where the typo has right[0]
                add(left + c + right[1:], NEXT_KEY if adjacent_keys(c, right[0]) else PICK_A_LETTER)
        if len(right) > 1:
            add(left + right[1] + right[0] + right[2:], 1.0)
    return out


def restore_case(original: str, corrected: str) -> str:
    if original.isupper() and len(original) > 1:
        return corrected.upper()
    if original[:1].isupper():
        return corrected[:1].upper() + corrected[1:]
    return corrected


class SpellingCorrector:
    """``frequencies``: known word (lower case) -> how common it is. ``keep_capitalized``: cased text,
    where capitalised words are names and acronyms unless ``cased`` (a capitalised form -> how often
    the training split uses it as an ordinary word) vouches for them. ``protected``: lower-case words
    never replaced (the training split's)."""

    def __init__(self, frequencies: Mapping[str, int], keep_capitalized: bool, protected: frozenset = frozenset(),
                 cased: Mapping[str, int] | None = None):
        self.frequencies = frequencies
        self.keep_capitalized = keep_capitalized
        self.protected = protected
        # short forms too: a garbled capitalisation is corrected at any length ("tI" -> "It")
        self.cased = {form: n for form, n in (cased or {}).items() if n >= MIN_CASED}
        self._cased_by_lower: dict[str, list[str]] = {}
        for form in sorted(self.cased):
            self._cased_by_lower.setdefault(form.lower(), []).append(form)
        self._cache: dict[str, str] = {}
        self.corrected = 0  # word occurrences changed, for the job log and the report

    def best(self, typo: str) -> str:
        """The most probable intended word of a lower-case word: a known word one edit away, or the
        word itself (a known word must be RARE_REAL_WORD times less probable to be replaced)."""
        if typo not in self._cache:
            scored = [(self.frequencies[w] * chance, w) for w, chance in one_edit(typo).items() if w in self.frequencies]
            best = max(scored, key=lambda s: (s[0], [-ord(c) for c in s[1]])) if scored else (0.0, typo)
            own = self.frequencies.get(typo)
            rare = own is not None and typo not in self.protected and best[0] >= RARE_REAL_WORD * own
            self._cache[typo] = best[1] if own is None or rare else typo
        return self._cache[typo]

    def best_cased(self, word: str) -> str:
        """A capitalised word of cased text: the training split's ordinary capitalised form one edit
        away that most probably produced it, of the word's shape (all caps or not); else the word."""
        if word in self.cased or not (word.isascii() and word.isalpha()):
            return word
        # Names and acronyms are Title-case or all caps; any other mix ("tI", "kHe", "cExtras") is an edit
        garbled = not (word.istitle() or word.isupper())
        lower = word.lower()  # a lower-case reading: a known word that is no typo itself ("Officals" has none)
        if not garbled and (len(word) < MIN_CASED_LENGTH or (lower in self.frequencies and self.best(lower) == lower)):
            return word
        all_caps = sum(c.isupper() for c in word) * 2 > len(word)  # "aAT" is "AT" with a letter added
        scored = [(self.cased[form] * chance * (1.0 if form.isupper() == all_caps else OTHER_SHAPE), form)
                  for w, chance in one_edit(lower).items() for form in self._cased_by_lower.get(w, ())]
        return max(scored, key=lambda s: (s[0], [-ord(c) for c in s[1]]))[1] if scored else word

    def correct_word(self, word: str) -> str:
        if self.keep_capitalized and any(c.isupper() for c in word):
            fixed = self.best_cased(word)
            self.corrected += fixed != word
            return fixed
        lower = word.lower()  # a WHOLE_WORD match: at least one letter, so single letters too ("n" from "in")
        stem, apostrophe, suffix = lower.partition("'")
        if not (stem.isascii() and stem.isalpha()):
            return word
        fixed = self.best(lower)
        if fixed == lower and apostrophe and lower not in self.frequencies:  # "teh's" has no known word one edit away: correct "teh", keep "'s"
            fixed = self.best(stem) + apostrophe + suffix
        if fixed == lower:
            return word
        self.corrected += 1
        return restore_case(word, fixed)

    def text(self, text: str) -> str:
        """``text`` with its misspelt words corrected; everything else (spacing, punctuation, pieces of
        tokens with digits or dots: "88th", "n.a") kept."""
        return WHOLE_WORD.sub(lambda match: self.correct_word(match.group(0)), text)

    def words(self, words: Sequence[str]) -> list[str]:
        """Pre-tokenised words (NER), one for one."""
        return [self.text(word) for word in words]
