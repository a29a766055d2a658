"""Validity constraints for word substitutions, as TextFooler and BAE use them, from local resources.

A substitution attack is only adversarial if the perturbed text keeps the true label. Embedding
neighbours include antonyms ("satisfying" -> "unsatisfying", "best" -> "worst") and unrelated words
that change the meaning, so each candidate swap must pass:
- no WordNet antonym of the word it replaces (any sense, base forms included, negating prefixes);
- (sentiment tasks, `same_polarity`) the same sentiment polarity in the AFINN lexicon: "best" ->
  "only" or "admired" -> "despised" change what a review says without being WordNet antonyms;
- the same coarse part of speech as the word it replaces, tagged in context (an offline perceptron
  tagger, resources/pos_tagger.py);
- sentence similarity: the cosine similarity of the sentence encoder's embeddings of a window of
  words around the swap, in the original and in the perturbed text, at least `min_similarity`.
One `SwapCheck` serves TextAttack recipes (as Constraints) and robustflow's NER search.
"""

from __future__ import annotations

from typing import Sequence

from resources.wordnet import is_antonym_swap


def window(words: Sequence[str], index: int, size: int | None) -> str:
    """``size`` words around ``index`` (the whole text when it is shorter or size is None)."""
    if size is None or len(words) <= size:
        return " ".join(words)
    start = min(max(index - (size - 1) // 2, 0), len(words) - size)
    return " ".join(words[start:start + size])


class SwapCheck:
    """Which substitutions keep the text's meaning: not an antonym, similar enough in context."""

    def __init__(self, block_antonyms: bool, same_pos: bool, min_similarity: float | None,
                 similarity_window: int | None, encoder=None, same_polarity: bool = False):
        self.block_antonyms, self.same_pos, self.same_polarity = block_antonyms, same_pos, same_polarity
        self.min_similarity, self.window, self.encoder = min_similarity, similarity_window, encoder
        self.rejected = {"antonym": 0, "polarity": 0, "part of speech": 0, "similarity": 0}  # for the job log

    @property
    def active(self) -> bool:
        return self.block_antonyms or self.same_polarity or self.same_pos or self.min_similarity is not None

    def keep(self, original: Sequence[str], candidates: Sequence[tuple[Sequence[str], list[int]]]) -> list[bool]:
        """For each candidate (words, positions changed relative to ``original``): does it pass?"""
        ok = self.keep_words(original, candidates)
        similar = self.keep_similar([(original, c) for c, passed in zip(candidates, ok) if passed])
        verdicts = iter(similar)
        return [passed and next(verdicts) for passed in ok]

    def keep_words(self, original: Sequence[str], candidates: Sequence[tuple[Sequence[str], list[int]]]) -> list[bool]:
        """The word-level checks (antonyms, part of speech): cheap, per candidate."""
        ok = [True] * len(candidates)
        if self.block_antonyms:
            for k, (words, changed) in enumerate(candidates):
                if any(is_antonym_swap(original[i], words[i]) for i in changed if i < len(original)):
                    ok[k] = False
                    self.rejected["antonym"] += 1
        if self.same_polarity:
            from resources.polarity import changes_polarity

            for k, (words, changed) in enumerate(candidates):
                if ok[k] and any(changes_polarity(original[i], words[i]) for i in changed if i < len(original)):
                    ok[k] = False
                    self.rejected["polarity"] += 1
        if self.same_pos:
            from resources.pos_tagger import tag_words, tags_at

            before = tag_words(tuple(original))
            for k, (words, changed) in enumerate(candidates):
                if not ok[k] or len(words) != len(original):
                    continue
                after = tags_at(tuple(original), words, changed)
                if any(after[i] != before[i] for i in changed):
                    ok[k] = False
                    self.rejected["part of speech"] += 1
        return ok

    def keep_similar(self, pairs: Sequence[tuple[Sequence[str], tuple[Sequence[str], list[int]]]]) -> list[bool]:
        """The sentence-similarity check of (original words, (candidate words, changed positions))
        pairs, possibly of many texts: one batched encoder call for all of them."""
        if self.min_similarity is None or not pairs:
            return [True] * len(pairs)
        windows = [(window(o, c[1][0] if c[1] else 0, self.window), window(c[0], c[1][0] if c[1] else 0, self.window))
                   for o, c in pairs]
        scores = self.encoder.similarity([a for a, _ in windows], [b for _, b in windows])
        verdicts = [score >= self.min_similarity for score in scores]
        self.rejected["similarity"] += verdicts.count(False)
        return verdicts


def swap_check(settings) -> SwapCheck:
    """The validity constraints of a recipe's settings (inactive for character-level recipes)."""
    encoder = None
    if settings.min_similarity is not None:
        from models.sentence_encoder import Encoder

        encoder = Encoder(settings.sentence_encoder)
    return SwapCheck(bool(settings.block_antonyms), bool(settings.same_pos), settings.min_similarity,
                     settings.similarity_window, encoder, bool(settings.same_polarity))


def textattack_constraints(check: SwapCheck) -> list:
    """The check as TextAttack constraints (compared against the original text, as BAE does)."""
    if not check.active:
        return []
    from textattack.constraints import Constraint

    class KeepsMeaning(Constraint):
        def __init__(self):
            super().__init__(compare_against_original=True)
            self.check = check  # its encoder joins lockstep searches' shared passes

        def _changed(self, transformed, reference) -> list[int]:
            indices = transformed.attack_attrs.get("newly_modified_indices") or transformed.attack_attrs.get(
                "modified_indices", set())
            return sorted(indices)

        def _check_constraint_many(self, transformed_texts, reference_text):
            candidates = [(t.words, self._changed(t, reference_text)) for t in transformed_texts]
            verdicts = check.keep(reference_text.words, candidates)
            return [t for t, ok in zip(transformed_texts, verdicts) if ok]

        def _check_constraint(self, transformed_text, reference_text):
            return bool(self._check_constraint_many([transformed_text], reference_text))

        def extra_repr_keys(self):
            return super().extra_repr_keys()

    return [KeepsMeaning()]
