"""A label-preserving adversarial search for NER (TextAttack has no goal for token labels).

Transformations keep every gold entity intact: word recipes edit only gold-O words one for one
(character edits, WordNet synonyms, GloVe neighbours), mention_swap replaces a whole mention with
another mention of the same type from the training split (tags re-emitted as B-/I-). Search:
greedy by word importance (how much gold-tag probability is lost when the word becomes [UNK]),
trying every candidate of a position in one batch. Goal: the sentence's entity-level F1 drops
below the unperturbed prediction's.

The search is a generator (`NerAttack.search`): it yields the sentences it needs scored and is sent
their scores, so many sentences' searches can share each forward pass (ner_lockstep.py) with the
outcome, perturbed sentence and query count of searching each alone (`NerAttack.attack`).
"""

from __future__ import annotations

import math
import random
from typing import Callable, Generator, Sequence

from augment.attacks.constraints import swap_check
from augment.attacks.glove_embedding import GLOVE_VOCAB
from augment.augmenters.token_edits import is_word
from robustflow import iob
from robustflow.recipes import RecipeSettings
from robustflow.seeds import row_seed


def sentence_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Entity-level F1 of one sentence (strict spans); 1.0 when both have no entities."""
    g, p = set(iob.spans(gold)), set(iob.spans(iob.repair(pred)))
    if not g and not p:
        return 1.0
    return 2 * len(g & p) / (len(g) + len(p))


def char_variants(word: str, rng: random.Random) -> list[str]:
    """DeepWordBug's four edits at a random inner position: swap, substitute, delete, insert."""
    if len(word) < 2:
        return []
    letters = "abcdefghijklmnopqrstuvwxyz"
    i = rng.randrange(len(word) - 1)
    variants = [word[:i] + word[i + 1] + word[i] + word[i + 2:],
                word[:i] + rng.choice(letters) + word[i + 1:],
                word[:i] + word[i + 1:],
                word[:i] + rng.choice(letters) + word[i:]]
    return [v for v in dict.fromkeys(variants) if v and v != word]


def word_candidates(settings: RecipeSettings) -> Callable[[str, random.Random], list[str]]:
    if settings.type == "deepwordbug":
        return lambda word, rng: char_variants(word, rng)
    if settings.type == "pwws":
        from augment.augmenters.candidates import WordNetSynonyms

        synonyms = WordNetSynonyms()
        return lambda word, rng: list(synonyms(word))
    from augment.augmenters.candidates import GloveNeighbours

    neighbours = GloveNeighbours(GLOVE_VOCAB, neighbours=settings.max_candidates, min_similarity=settings.min_cos_sim,
                                 block_antonyms=False)  # the recipe's own check (constraints.py) decides
    return lambda word, rng: list(neighbours(word))


def swap_mention(tokens: list[str], tags: list[str], j: int, surface: tuple) -> tuple[list[str], list[str]]:
    etype, start, end = iob.spans(tags)[j]
    new_tags = [f"B-{etype}"] + [f"I-{etype}"] * (len(surface) - 1)
    return tokens[:start] + list(surface) + tokens[end:], tags[:start] + new_tags + tags[end:]


class NerAttack:
    def __init__(self, scorer, recipe: str, settings: RecipeSettings, seed: int, pools: dict | None = None):
        self.scorer, self.recipe, self.settings, self.seed = scorer, recipe, settings, seed
        self.mentions = settings.type == "mention_swap"
        self.pools = pools or {}
        self.candidates = None if self.mentions else word_candidates(settings)
        self.check = swap_check(settings)
        self.budget = settings.query_budget or float("inf")

    def _positions(self, tokens, tags) -> list[int]:
        if self.mentions:
            return [j for j, (etype, _, _) in enumerate(iob.spans(tags)) if len(self.pools.get(etype, ())) > 1]
        return [i for i, (t, g) in enumerate(zip(tokens, tags)) if g == "O" and is_word(t)]

    def _masked(self, tokens, tags, positions) -> list[tuple[list[str], list[str]]]:
        """Each position blanked ([UNK]): its importance is the gold-tag mass lost."""
        unk = self.scorer.tokenizer.unk_token
        if self.mentions:
            return [swap_mention(tokens, tags, j, (unk,)) for j in positions]
        return [(tokens[:i] + [unk] + tokens[i + 1:], tags) for i in positions]

    def _variants(self, original, tokens, tags, position, rng) -> list[tuple[list[str], list[str]]]:
        if self.mentions:
            etype, start, end = iob.spans(tags)[position]
            pool = [s for s in self.pools[etype] if list(s) != tokens[start:end]]
            pool = rng.sample(pool, min(len(pool), self.settings.max_candidates))
            return [swap_mention(tokens, tags, position, s) for s in pool]
        variants = [(tokens[:position] + [w] + tokens[position + 1:], tags) for w in self.candidates(tokens[position], rng)
                    if w != tokens[position] and not any(c.isspace() for c in w)]
        if variants and self.check.active:  # compared against the original sentence, as for classification
            verdicts = self.check.keep(original, [(v, [position]) for v, _ in variants])
            variants = [v for v, ok in zip(variants, verdicts) if ok]
        return variants

    def attack(self, row: dict) -> dict:
        """One sentence's search, alone."""
        search = self.search(row)
        try:
            query = next(search)
            while True:
                query = search.send(self.scorer(query))
        except StopIteration as done:
            return done.value

    def search(self, row: dict) -> Generator[list[list[str]], list, dict]:
        """Yields the sentences to score (each query one model call's worth), is sent their
        (tags, probabilities); returns the outcome record."""
        tokens, tags = list(row["tokens"]), list(row["tags"])
        rng = random.Random(row_seed(self.seed, "attack", self.recipe, row["id"]))
        queries = 0

        def score(sentences):
            nonlocal queries
            queries += len(sentences)
            return (yield sentences)

        (pred0, _), = yield from score([tokens])
        f1_0 = sentence_f1(tags, pred0)
        record = {"id": row["id"], "recipe": self.recipe, "tokens": tokens, "tags": tags, "perturbed_tokens": tokens,
                  "perturbed_tags": tags, "original_prediction": pred0, "perturbed_prediction": pred0,
                  "original_f1": f1_0, "perturbed_f1": f1_0, "changed_words": [], "perturbed_ratio": 0.0}
        positions = self._positions(tokens, tags)
        if f1_0 == 0.0 or not positions:
            return {**record, "status": "skipped", "queries": queries}
        ratio = self.settings.max_perturbed_ratio
        limit = math.ceil(len(tokens) * ratio) if ratio else len(tokens)  # as TextAttack's MaxWordsPerturbed
        current, current_tags, changed = tokens, tags, 0
        (_, probs), = yield from score([current])
        best_mass = self.scorer.gold_mass(probs, current_tags)
        masked = self._masked(tokens, tags, positions)
        scores = [self.scorer.gold_mass(p, t) for (_, p), (_, t) in zip((yield from score([m for m, _ in masked])), masked)]
        for position in [pos for _, pos in sorted(zip(scores, positions))]:  # most gold mass lost first
            if changed + 1 > limit or queries >= self.budget:
                break
            variants = self._variants(tokens, current, current_tags, position, rng)
            left = self.budget - queries
            variants = variants[: int(left)] if left != float("inf") else variants
            if not variants:
                continue
            scored = yield from score([v for v, _ in variants])
            results = [(sentence_f1(t, pred), self.scorer.gold_mass(p, t), k)
                       for k, ((pred, p), (_, t)) in enumerate(zip(scored, variants))]
            f1, mass, k = min(results)
            if f1 < f1_0 or mass < best_mass:
                current, current_tags = variants[k]
                best_mass, changed = mass, changed + 1
                if f1 < f1_0:
                    pred = scored[k][0]
                    words = self._changed(tokens, tags, current, current_tags)
                    return {**record, "status": "success", "perturbed_tokens": current, "perturbed_tags": current_tags,
                            "perturbed_prediction": pred, "perturbed_f1": f1, "changed_words": words,
                            "perturbed_ratio": len(words) / len(tokens), "queries": queries}
        return {**record, "status": "failed", "queries": queries}

    def _changed(self, tokens, tags, new_tokens, new_tags) -> list[list[str]]:
        if len(new_tokens) == len(tokens):
            return [[a, b] for a, b in zip(tokens, new_tokens) if a != b]
        old = {(s, e): " ".join(tokens[s:e]) for _, s, e in iob.spans(tags)}
        new = [" ".join(new_tokens[s:e]) for _, s, e in iob.spans(new_tags)]
        return [[a, b] for a, b in zip(old.values(), new) if a != b]
