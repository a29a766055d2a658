"""TextAttack's greedy word-importance search with PWWS's importance pass scored in one model call.

PWWS ("weighted-saliency") scores, before it changes anything, every candidate swap at every word:
TextAttack asks the model one word at a time, a handful of candidates per call. Scoring them all in
one call beforehand fills large batches; the search then finds every score in the wrapper's cache.
The texts scored, the order of the search, the queries counted against the budget and therefore the
outcomes are TextAttack's: the wrapper's scores do not depend on how queries are batched.
"""

from __future__ import annotations


def prefetching_search(wir_method: str):
    """A GreedyWordSwapWIR that warms the model wrapper's cache with PWWS's importance-pass texts."""
    from textattack.search_methods import GreedyWordSwapWIR

    class PrefetchingGreedyWordSwapWIR(GreedyWordSwapWIR):
        def _get_index_order(self, initial_text, max_len=-1):
            if self.wir_method == "weighted-saliency":
                self._prefetch(initial_text)
            return super()._get_index_order(initial_text, max_len)

        def _prefetch(self, initial_text) -> None:
            _, indices = self.get_indices_to_order(initial_text)
            if self.truncate_words_to is not None:
                indices = sorted(indices)[: self.truncate_words_to]
            texts = [initial_text.replace_word_at_index(i, self.unk_token) for i in indices]
            for i in indices:  # the candidates TextAttack computes next (its transformation cache keeps them)
                texts += self.get_transformations(initial_text, original_text=initial_text, indices_to_modify=[i])
            goal = self.goal_function
            if goal.query_budget < float("inf"):  # no more than the search may still ask for
                texts = texts[: max(int(goal.query_budget - goal.num_queries), 0)]
            if texts:
                goal.model([t.tokenizer_input for t in texts])

    return PrefetchingGreedyWordSwapWIR(wir_method)
