"""Many examples' attack searches in lockstep, so that each forward pass carries all their queries.

TextAttack searches one example at a time and asks the model for a few candidates per call: on a
CPU a MiniLM forward of 4-8 short texts costs about twice as much per text as one of 128. Here
`width` examples are searched at once, each by TextAttack's own search code in a worker thread of
its own, against one `LockstepModel`: the searches take turns, and a query whose texts the model
wrapper has not scored yet waits until no search can go on; then the main thread scores the union
of all their texts in one length-sorted pass (FastClassifierWrapper) and wakes them. A text's
probabilities do not depend on its batch (each pads to its own length bucket), and each search keeps
its own goal function, caches and query count, so every example's outcome, perturbed text and
number of queries are those of the one-at-a-time search (tests/augment/test_attacks.py).

Recipes with random edits (DeepWordBug's characters) draw from `random` and `numpy.random` inside
TextAttack's transformations; one search at a time seeds those per example. Concurrent searches get
generators of their own instead, seeded the same way per example: the transformation modules' `np`
and `random` names point, while the searches run, at the generators of the calling thread. mlm_swap
stays one-at-a-time: its transformation runs a masked LM of its own.
"""

from __future__ import annotations

import copy
import logging
import random
import sys
import threading
from collections import deque
from typing import Callable, Sequence

import numpy

log = logging.getLogger(__name__)

LOCKSTEP_RECIPES = frozenset({"deepwordbug", "pruthi", "pwws", "glove_swap", "embedding_swap"})
WIDTH = 16  # examples searched at once (their queries share each forward pass)


class LockstepModel:
    """TextAttack's model-wrapper protocol over a FastClassifierWrapper, shared by concurrent searches.

    The searches take turns: one runs at a time, until it needs scores the wrapper has not cached;
    then it hands the turn to the next search in line and waits. When no search can run, the main
    thread scores every waiting search's texts in one pass and lines them up again in the order they
    asked. So only one thread computes at any moment (no two torch or BLAS calls compete for the
    cores) and the interleaving is the same in every run."""

    def __init__(self, wrapper, searches: int):
        self.wrapper = wrapper
        self.model = wrapper.model  # TextAttack's goal function checks the model's type
        self._cond = threading.Condition()
        self._line = deque(range(searches))  # searches ready to run, in turn order
        self._turn: int | None = self._line.popleft() if searches else None
        self._waiting: list[int] = []  # searches waiting for the next pass, in the order they asked
        self._pending: dict = {}  # fill -> the texts to run it on in the next pass (ordered, unique)
        self._error: BaseException | None = None
        self._me = threading.local()
        self.passes = 0  # forward passes, for the job log

    def __call__(self, texts: Sequence):
        missing = [t for t in texts if not self.wrapper.has(t)]
        if missing:
            self.defer(self.wrapper, missing)
        return self.wrapper(texts)  # cached now: nothing is evicted while a search holds the turn

    def defer(self, fill: Callable[[list], object], texts: list) -> None:
        """Wait (giving the turn away) until the next pass has run ``fill`` on ``texts`` together with
        every other waiting search's texts for the same ``fill`` (the classifier, the sentence encoder)."""
        with self._cond:
            self._pending.setdefault(fill, {}).update(dict.fromkeys(texts))
            self._waiting.append(self._me.index)
            self._pass_turn()
            self._cond.wait_for(lambda: self._turn == self._me.index)
            if self._error is not None:
                raise RuntimeError("the shared forward pass failed") from self._error

    def _wait_for_turn(self, index: int) -> None:
        self._me.index = index
        with self._cond:
            self._cond.wait_for(lambda: self._turn == index)

    def _search_ended(self) -> None:
        with self._cond:
            self._pass_turn()

    def _pass_turn(self) -> None:
        self._turn = self._line.popleft() if self._line else None
        self._cond.notify_all()

    def _serve(self) -> None:
        """Main thread: whenever no search can run, score the waiting searches' texts; until none is left."""
        with self._cond:
            while True:
                self._cond.wait_for(lambda: self._turn is None)
                if not self._waiting:
                    return
                pending, self._pending = self._pending, {}
                try:
                    for fill, texts in pending.items():
                        fill(list(texts))
                    self.passes += 1
                except BaseException as error:  # the searches re-raise it and end
                    self._error = error
                self._line.extend(self._waiting)
                self._waiting = []
                self._pass_turn()


def clone_attack(attack, model):
    """A copy of a TextAttack Attack for one concurrent search: shared transformation, constraints and
    model, but a goal function, search method and caches of its own (they hold per-example state)."""
    import lru

    twin = copy.copy(attack)
    goal = copy.copy(attack.goal_function)
    goal.model = model
    if goal.use_cache:
        goal._call_model_cache = lru.LRU(attack.goal_function._call_model_cache.get_size())
    search = copy.copy(attack.search_method)
    twin.goal_function, twin.search_method = goal, search
    twin.transformation_cache = lru.LRU(attack.transformation_cache_size)
    twin.constraints_cache = lru.LRU(attack.constraint_cache_size)
    # as Attack.__init__ wires them, to this copy's own parts
    search.get_transformations, search.goal_function = twin.get_transformations, goal
    search.get_goal_results, search.get_indices_to_order = goal.get_results, twin.get_indices_to_order
    search.filter_transformations = twin.filter_transformations
    return twin


def attack_in_lockstep(attack, wrapper, examples: Sequence[tuple], seeds: Sequence[int], width: int = WIDTH,
                       on_result: Callable[[int, object], None] | None = None) -> list:
    """TextAttack results of ``attack`` on (input, label) ``examples``, in their order, ``width`` of
    them searched at once; each example's random draws come from its seed, as with
    robustflow.seeds.seed_globals(seed) before a one-at-a-time search. ``on_result(index, result)``
    is called (in a worker thread) as each ends."""
    searches = max(1, min(width, len(examples)))
    model = LockstepModel(wrapper, searches)
    results: list = [None] * len(examples)
    errors: list[BaseException] = []
    next_index = iter(range(len(examples)))

    def work(index: int) -> None:
        model._wait_for_turn(index)
        try:  # whatever happens, the turn is passed on at the end (else every other search would wait)
            own = clone_attack(attack, model)
            while not errors:
                i = next(next_index, None)  # in turn: one search at a time takes the next example
                if i is None:
                    return
                _search_rng.random = random.Random(seeds[i])  # as seed_globals(seeds[i]) would
                _search_rng.numpy = numpy.random.RandomState(seeds[i] % 2**32)
                results[i] = own.attack(*examples[i])
                if on_result is not None:
                    on_result(i, results[i])
        except BaseException as error:
            errors.append(error)
        finally:
            model._search_ended()

    workers = [threading.Thread(target=work, args=(k,), name=f"search-{k}", daemon=True) for k in range(searches)]
    with _generators_per_search(attack.transformation), _shared_encoder_passes(attack, model):
        for worker in workers:
            worker.start()
        model._serve()
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]
    log.info("lockstep: %d examples, %d searches at once, %d forward rounds", len(examples), len(workers), model.passes)
    return results


_search_rng = threading.local()  # the running search's `random` and `numpy.random` generators


class _ThisSearchsRandom:
    """Stands in for the `random` module: the calling search's generator (the module's otherwise)."""

    def __getattr__(self, name):
        return getattr(getattr(_search_rng, "random", None) or random, name)


class _ThisSearchsNumpy:
    """Stands in for `numpy` (as `np`): numpy, with `.random` the calling search's generator."""

    def __getattr__(self, name):
        if name == "random":
            generator = getattr(_search_rng, "numpy", None)
            if generator is not None:
                return generator
        return getattr(numpy, name)


class _generators_per_search:
    """Points the `random` and `np` names of the modules defining the transformation (and, for a
    composite, its parts) at per-search generators, for as long as the searches run."""

    def __init__(self, transformation):
        self.modules = set()
        todo = [transformation]
        while todo:
            part = todo.pop()
            todo += list(getattr(part, "transformations", None) or [])
            self.modules |= {sys.modules[cls.__module__] for cls in type(part).__mro__ if cls.__module__ in sys.modules}
        self.saved: list[tuple] = []

    def __enter__(self):
        for module in self.modules:
            for name, original, stand_in in (("random", random, _ThisSearchsRandom()), ("np", numpy, _ThisSearchsNumpy())):
                if getattr(module, name, None) is original:
                    self.saved.append((module, name, original))
                    setattr(module, name, stand_in)
        return self

    def __exit__(self, *exc):
        for module, name, original in self.saved:
            setattr(module, name, original)
        return False


class _shared_encoder_passes:
    """The sentence encoder of the attack's validity check (if any) embeds in the shared passes."""

    def __init__(self, attack, model: LockstepModel):
        self.encoders = [c.check.encoder for c in attack.constraints
                         if getattr(getattr(c, "check", None), "encoder", None) is not None]
        self.model = model

    def __enter__(self):
        for encoder in self.encoders:
            encoder.defer = self.model.defer
        return self

    def __exit__(self, *exc):
        for encoder in self.encoders:
            encoder.defer = None
        return False
