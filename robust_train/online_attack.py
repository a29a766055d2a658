"""Online adversarial examples: attacks on the model being trained, made between epochs (A2T-style).

A seeded sample of training rows is attacked against the current weights with a cheap search, and
the successful examples join the next epoch's training rows. The search (after Yoo & Qi 2021, A2T):
- word importance from one gradient: the norm of the loss gradient at each word's embedding-layer
  output (a forward hook, `torch.autograd.grad`: the parameters' gradients are not touched), one
  backward pass per batch of rows instead of one query per word;
- greedy, all rows at once: at each step every unfinished row tries its next most important word
  with each candidate of its recipe (DeepWordBug's character edits, WordNet synonyms or GloVe
  neighbours, the latter two through the recipe's validity checks: no antonyms, same part of
  speech, sentence similarity), and the candidates of all rows are scored in one batch; a row keeps
  the candidate that lowers the gold-label probability most and stops when the prediction flips
  (NER: when its entity F1 falls below the unperturbed prediction's);
- label-safe for NER: only words tagged O are edited, one word for one.
Every draw is seeded by (seed, epoch, row, recipe): the same weights give the same examples.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import dataclass

from augment.attacks.constraints import swap_check
from augment.attacks.ner import sentence_f1, word_candidates
from augment.augmenters.candidates import _stopwords
from augment.augmenters.token_edits import is_word
from robustflow.recipes import RecipeSettings
from robustflow.seeds import row_seed, seeded_sample
from robustflow.tasks import Task

log = logging.getLogger(__name__)
TYPES = ("deepwordbug", "pwws", "glove_swap")  # recipe types the online search can run


@dataclass(frozen=True)
class OnlineSettings:
    recipes: dict  # name -> RecipeSettings (types in TYPES)
    start_epoch: int  # the first epoch whose rows include adversarial examples
    max_examples: int  # training rows attacked per epoch (a seeded sample)
    ratio: float  # adversarial rows per epoch at most ratio x clean rows
    max_perturbed_ratio: float  # words changed per example at most: ceil(ratio x words)
    batch_size: int

    def max_rows(self, training_rows: int) -> int:
        """The most adversarial rows an epoch can add: each attacked row gives at most one example
        per recipe, and the ratio caps them (sizes the learning-rate schedule)."""
        return min(int(self.ratio * training_rows), self.max_examples * len(self.recipes))

    @classmethod
    def from_config(cls, online: dict, recipes: dict) -> "OnlineSettings":
        """``online``: `train.online`; ``recipes``: the configured recipes it names (name -> settings)."""
        return cls({name: RecipeSettings.from_config(r) for name, r in recipes.items()}, online["start_epoch"],
                   online["max_examples"], online["ratio"], online["max_perturbed_ratio"], online["batch_size"])


class OnlineAttack:
    def __init__(self, task: Task, settings: OnlineSettings, seed: int):
        self.task, self.settings, self.seed = task, settings, seed
        self.candidates = {name: word_candidates(r) for name, r in settings.recipes.items()}
        self.checks = {name: swap_check(r) for name, r in settings.recipes.items()}
        self.stopwords = _stopwords()

    def editable(self, row: dict, words: list[str]) -> list[int]:
        return [i for i in self.task.editable_positions(row) if is_word(words[i]) and words[i].lower() not in self.stopwords]

    def __call__(self, model, tokenizer, label2id: dict, rows: list[dict], epoch: int, max_length: int,
                 device: str, defence=None) -> tuple[list[dict], dict]:
        """Adversarial rows for ``epoch`` and what it cost; with ``defence``, against the defended model
        (the examples are raw text, as an attacker writes it; the trainer normalises them)."""
        started = time.perf_counter()
        chosen = seeded_sample(rows, self.settings.max_examples, self.seed, "online", epoch)
        was_training = model.training
        model.eval()
        try:
            scorer = SCORERS[self.task.name](model, tokenizer, label2id, max_length, self.settings.batch_size, device,
                                             defence)
            importance = word_importance(self.task, model, tokenizer, label2id,
                                         defence.rows(self.task, chosen) if defence else chosen, max_length,
                                         self.settings.batch_size, device)
            found = []
            for name in self.settings.recipes:
                found += self._search(name, chosen, importance, scorer, epoch)
        finally:
            model.train(was_training)
        cap = self.settings.max_rows(len(rows))
        if len(found) > cap:  # a seeded sample keeps the recipes' shares, in order
            found = seeded_sample(found, cap, self.seed, "online cap", epoch)
        stats = {"epoch": epoch, "attacked": len(chosen), "adversarial_rows": len(found),
                 "per_recipe": {n: sum(r["source"] == f"online:{n}" for r in found) for n in self.settings.recipes},
                 "queries": scorer.queries}  # its time goes to the job's timing file, not into results
        log.info("online attack before epoch %d: %d of %d rows x %d recipes fooled the model (%d queries, %.1f s)",
                 epoch, len(found), len(chosen), len(self.settings.recipes), scorer.queries,
                 time.perf_counter() - started)
        return found, stats

    def _search(self, name: str, rows: list[dict], importance: list[list[float]], scorer, epoch: int) -> list[dict]:
        words = [list(self.task.words(r)) for r in rows]
        originals = [list(w) for w in words]
        rngs = [random.Random(row_seed(self.seed, "online", epoch, r["id"], name)) for r in rows]
        order = [sorted(self.editable(r, w), key=lambda i, imp=imp: (-imp[i], i))
                 for r, w, imp in zip(rows, words, importance)]
        start_scores = scorer(rows, words)
        gold = [s for s, _ in start_scores]
        active = [k for k, (s, fooled) in enumerate(start_scores) if not fooled and scorer.attackable(k, rows[k])]
        limits = [math.ceil(self.settings.max_perturbed_ratio * len(w)) for w in words]
        changed = [[] for _ in rows]
        done = []
        while active:
            variants, owners = [], []
            for k in active:
                while order[k] and not variants_for(self, name, k, originals, words, order, rngs, variants, owners):
                    pass
            check = self.checks[name]  # the sentence-similarity check of every row's candidates in one batch
            similar = check.keep_similar([(originals[k], (v, [p])) for (v, p), k in zip(variants, owners)])
            variants = [v for v, ok in zip(variants, similar) if ok]
            owners = [k for k, ok in zip(owners, similar) if ok]
            if not variants:
                if not any(order[k] for k in active):
                    break
                continue
            scored = scorer([rows[k] for k in owners], [v for v, _ in variants])
            best: dict[int, tuple] = {}
            for (candidate, position), k, (score, fooled) in zip(variants, owners, scored):
                if k not in best or (fooled, -score) > (best[k][2], -best[k][1]):
                    best[k] = (candidate, score, fooled, position)
            still = []
            for k in active:
                if k not in best:  # every candidate failed a check: its next position, next step
                    if order[k] and len(changed[k]) < limits[k]:
                        still.append(k)
                    continue
                candidate, score, fooled, position = best[k]
                if score < gold[k] or fooled:
                    words[k], gold[k] = candidate, score
                    changed[k].append(position)
                if fooled:
                    done.append(k)
                elif order[k] and len(changed[k]) < limits[k]:
                    still.append(k)
            active = still
        out = []
        for k in sorted(done):
            row = rows[k]
            swaps = [[originals[k][i], words[k][i]] for i in sorted(changed[k])]
            out.append({**row, **self.task.with_words(row, words[k]), "id": f"{row['id']}~online~{epoch}~{name}",
                        "parent_id": row["id"], "source": f"online:{name}",
                        "params": json.dumps({"changed_words": swaps, "epoch": epoch}, sort_keys=True),
                        "seed": row_seed(self.seed, "online", epoch, row["id"], name)})
        return out


def variants_for(attack: OnlineAttack, name: str, k: int, originals, words, order, rngs, variants, owners) -> bool:
    """Candidates of row k at its next important position (added to ``variants``); False if none."""
    position = order[k].pop(0)
    current = words[k]
    options = [w for w in attack.candidates[name](current[position], rngs[k])
               if w != current[position] and not any(c.isspace() for c in w)]
    texts = [current[:position] + [w] + current[position + 1:] for w in options]
    check = attack.checks[name]
    if texts and check.active:  # the word-level checks here; sentence similarity for all rows at once
        texts = [t for t, ok in zip(texts, check.keep_words(originals[k], [(t, [position]) for t in texts])) if ok]
    for t in texts:
        variants.append((t, position))
        owners.append(k)
    return bool(texts)


def word_importance(task: Task, model, tokenizer, label2id: dict, rows: list[dict], max_length: int, batch_size: int,
                    device: str) -> list[list[float]]:
    """Per row, per word: the L2 norm of the loss gradient at the word's pieces' embedding-layer output."""
    import torch

    from robust_train.adversarial import perturbed_embeddings
    from robust_train.data import collate

    out = []
    for start in range(0, len(rows), batch_size):
        batch_rows = rows[start:start + batch_size]
        word_lists = [list(task.words(r)) for r in batch_rows]
        enc = tokenizer(word_lists, is_split_into_words=True, truncation=True, max_length=max_length)
        features = []
        for i, row in enumerate(batch_rows):
            labels = task.word_labels(row, enc.word_ids(i), label2id)
            features.append({k: enc[k][i] for k in enc.keys()} | {"labels": labels})
        batch = {k: v.to(device) for k, v in collate(features, tokenizer.pad_token_id).items()}
        hidden = model.get_input_embeddings().embedding_dim
        delta = torch.zeros((*batch["input_ids"].shape, hidden), device=device, requires_grad=True)
        with perturbed_embeddings(model, delta):
            loss = model(**batch).loss
        (grad,) = torch.autograd.grad(loss, delta)
        norms = grad.norm(dim=-1).cpu()
        for i, words in enumerate(word_lists):
            scores = [0.0] * len(words)
            for piece, w in enumerate(enc.word_ids(i)):
                if w is not None:
                    scores[w] += float(norms[i, piece])
            out.append(scores)
    return out


class _LabelScorer:
    """Classification: (gold-label probability, prediction flipped) per text."""

    def __init__(self, model, tokenizer, label2id, max_length, batch_size, device, defence=None):
        from augment.attacks.model_wrapper import FastClassifierWrapper

        self.wrapper = FastClassifierWrapper(model, tokenizer, max_length, batch_size=batch_size, device=device,
                                             defence=defence)
        self.label2id, self.queries = label2id, 0

    def attackable(self, k: int, row: dict) -> bool:
        return True

    def __call__(self, rows: list[dict], word_lists: list[list[str]]) -> list[tuple[float, bool]]:
        self.queries += len(word_lists)
        probs = self.wrapper([" ".join(w) for w in word_lists])
        out = []
        for row, p in zip(rows, probs):
            gold = self.label2id[row["label"]]
            out.append((float(p[gold]), int(p.argmax()) != gold))
        return out


class _TagScorer:
    """NER: (gold-tag probability mass, entity F1 below the unperturbed prediction's) per sentence."""

    def __init__(self, model, tokenizer, label2id, max_length, batch_size, device, defence=None):
        from augment.attacks.ner_scorer import NerScorer

        self.scorer = NerScorer(model, tokenizer, max_length, batch_size, device, defence)
        self.start_f1: dict[str, float] = {}

    @property
    def queries(self) -> int:
        return self.scorer.queries

    def attackable(self, k: int, row: dict) -> bool:
        return self.start_f1.get(row["id"], 0.0) > 0.0  # a sentence already all wrong cannot get worse

    def __call__(self, rows: list[dict], word_lists: list[list[str]]) -> list[tuple[float, bool]]:
        out = []
        for row, (pred, probs) in zip(rows, self.scorer(word_lists)):
            f1 = sentence_f1(row["tags"], pred)
            base = self.start_f1.setdefault(row["id"], f1)
            out.append((self.scorer.gold_mass(probs, row["tags"]), f1 < base))
        return out


SCORERS = {"classification": _LabelScorer, "ner": _TagScorer}  # one scorer per task
