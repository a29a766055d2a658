"""Word -> the other inflected forms of its noun and verb lemmas ("film" -> "films", "filmed",
"filming"; "win" -> "wins", "winning", "won"), from WordNet's lemmatiser and an English word list.

Number and tense leave what a sentence says unchanged, and word swaps reach for them: among the
default baseline's successful attacks, a third of the encoder-embedding swaps and a tenth of the
GloVe swaps put a word's other form in its place ("movie" -> "movies", "win" -> "won"), pairs that
WordNet's synonym sets never hold (a synset lists base forms). Candidates come from English's
regular spelling rules and WordNet's irregular forms (morphy's exception lists); one is kept only
when it is a known English word (resources/english_words.py) that WordNet's lemmatiser takes back
to the same lemma. Adjectives and adverbs are left out: a comparative ("great" -> "greater")
changes a degree, which is what the polarity checks watch.
"""

from __future__ import annotations

from typing import Callable

POS = ("n", "v")
VOWELS = set("aeiou")
SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh", "o")


def _consonant_y(word: str) -> bool:
    return word.endswith("y") and len(word) > 1 and word[-2] not in VOWELS


def _doubles(word: str) -> bool:
    """Consonant-vowel-consonant ending, as in "stop" -> "stopped" (the word list settles "visited")."""
    return (len(word) >= 3 and word[-1] not in VOWELS | {"w", "x", "y"} and word[-2] in VOWELS
            and word[-3] not in VOWELS)


def regular_forms(lemma: str, pos: str) -> set[str]:
    """Candidate spellings of ``lemma``'s plural (nouns), or third person, past and -ing (verbs)."""
    if _consonant_y(lemma):
        third = {lemma[:-1] + "ies"}
    elif lemma.endswith(SIBILANT_ENDINGS):
        third = {lemma + "es", lemma + "s"}
    else:
        third = {lemma + "s"}
    if pos == "n":
        return third
    if lemma.endswith("e"):
        past, ing = {lemma + "d"}, {lemma[:-2] + "ying"} if lemma.endswith("ie") else {lemma[:-1] + "ing", lemma + "ing"}
    elif _consonant_y(lemma):
        past, ing = {lemma[:-1] + "ied"}, {lemma + "ing"}
    else:
        past, ing = {lemma + "ed"}, {lemma + "ing"}
    if _doubles(lemma):
        past, ing = past | {lemma + lemma[-1] + "ed"}, ing | {lemma + lemma[-1] + "ing"}
    return third | past | ing


def word_forms(needed_by: str) -> Callable[[str], list[str]]:
    """Lower-cased other forms of a word's noun and verb lemmas (the lemmas themselves included), sorted."""
    from resources.english_words import packaged_frequencies
    from resources.wordnet import load_wordnet

    wn = load_wordnet(needed_by)
    known = packaged_frequencies()
    irregular: dict[tuple[str, str], set[str]] = {}  # ("win", "v") -> {"won"}
    for pos in POS:
        for form, bases in wn._exception_map[pos].items():
            for base in bases:
                irregular.setdefault((base, pos), set()).add(form)
    cache: dict[str, list[str]] = {}

    def forms(word: str) -> list[str]:
        key = word.lower()
        if key not in cache:
            found = set()
            for pos in POS:
                lemma = wn.morphy(key, pos)
                if lemma is None:
                    continue
                for candidate in regular_forms(lemma, pos) | irregular.get((lemma, pos), set()) | {lemma}:
                    if candidate.isalpha() and candidate in known and wn.morphy(candidate, pos) == lemma:
                        found.add(candidate)
            cache[key] = sorted(found - {key})
        return cache[key]

    return forms
