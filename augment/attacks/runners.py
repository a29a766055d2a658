"""Attack rows with one recipe against one trained model: TextAttack's search for classifiers,
robustflow's label-preserving search for taggers (ner.py). One runner per task."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict

from augment.attacks.lockstep import LOCKSTEP_RECIPES, attack_in_lockstep
from augment.attacks.lockstep import WIDTH as LOCKSTEP_WIDTH
from augment.attacks.model_wrapper import FastClassifierWrapper
from augment.attacks.ner_lockstep import WIDTH as NER_LOCKSTEP_WIDTH
from augment.attacks.ner_lockstep import search_in_lockstep
from augment.attacks.recipes import build_attack
from augment.attacks.results import gold_probability, outcome_record
from augment.attacks.word_split_cache import cached_word_splits
from models.trained import TrainedModel
from robustflow.recipes import RecipeSettings
from robustflow.seeds import row_seed, seed_globals

log = logging.getLogger(__name__)


def attack_input(row: dict):
    if row.get("text_pair") is not None:
        return OrderedDict([("text", row["text"]), ("text_pair", row["text_pair"])])
    return row["text"]


def attack_classifier(rows: list[dict], name: str, recipe: RecipeSettings, trained: TrainedModel, seed: int,
                      batch_size: int, device: str, pools: dict | None = None, timings: dict | None = None,
                      lockstep_width: int = LOCKSTEP_WIDTH) -> list[dict]:
    """One outcome record per row. Each row's random edits are seeded on its own, so its outcome does
    not depend on the rows attacked before it in this process; TextAttack recipes search many rows
    at once, sharing each forward pass (augment/attacks/lockstep.py), with the same outcomes."""
    labels = trained.labels
    wrapper = FastClassifierWrapper(trained.model, trained.tokenizer, trained.max_length, batch_size=batch_size,
                                    device=device, defence=trained.defence)
    deployed = None
    if recipe.eot_copies and trained.defence is not None and trained.defence.randomised:
        # adaptive: the search sees the expectation over copies of its own; the deployed model judges
        deployed, wrapper = wrapper, FastClassifierWrapper(trained.model, trained.tokenizer, trained.max_length,
                                                           batch_size=batch_size, device=device,
                                                           defence=trained.defence.with_copies(recipe.eot_copies))
    attack = build_attack(recipe, wrapper, model_batch_size=4 * batch_size)
    label_ids = {label: i for i, label in enumerate(labels)}
    for row in rows:
        if row["label"] not in label_ids:
            raise ValueError(f"row {row['id']}: label {row['label']!r} is not one the model knows ({labels})")
    started, done = time.perf_counter(), []

    def as_deployed(record, row) -> dict:  # an adaptive attack's record, judged by the deployed model
        return judged(record, row, deployed, labels) if deployed is not None else record

    def progress(record) -> None:
        done.append(record)
        if len(done) % 10 == 0 or len(done) == len(rows):
            attempted = [r for r in done if r["status"] != "skipped"]
            log.info("%s: %d/%d attacked, %d successful of %d attempted, %.2f examples/s, %d model forwards",
                     name, len(done), len(rows), sum(r["status"] == "success" for r in attempted), len(attempted),
                     len(done) / (time.perf_counter() - started), wrapper.forward_texts)

    with cached_word_splits():
        if recipe.type in LOCKSTEP_RECIPES and lockstep_width > 1 and len(rows) > 1:  # searches share each forward
            examples = [(attack_input(row), label_ids[row["label"]]) for row in rows]
            seeds = [row_seed(seed, "attack", name, row["id"]) for row in rows]
            searched: dict[int, dict] = {}

            def ended(i, result) -> None:  # in a search's thread: the record, for progress and below
                searched[i] = outcome_record(rows[i], name, result, labels)
                progress(searched[i])

            attack_in_lockstep(attack, wrapper, examples, seeds, width=lockstep_width, on_result=ended)
            records = [as_deployed(searched[i], row) for i, row in enumerate(rows)]  # on this thread
        else:
            records = []
            for row in rows:
                seed_globals(row_seed(seed, "attack", name, row["id"]))  # random edits: seeded per row
                result = attack.attack(attack_input(row), label_ids[row["label"]])
                records.append(as_deployed(outcome_record(row, name, result, labels), row))
                progress(records[-1])
    if timings is not None:
        timings["attack_seconds"] = time.perf_counter() - started
        timings["forward_texts"] = wrapper.forward_texts
    return records


def judged(record: dict, row: dict, deployed: FastClassifierWrapper, labels: list[str]) -> dict:
    """An adaptive attack's record as the deployed model sees it: skipped where it misclassifies the
    original, a success only where it misclassifies the perturbed text (else failed, unperturbed)."""
    gold = labels.index(row["label"])

    def predicted(text) -> tuple[str, float]:
        probabilities = deployed([text])[0]
        return labels[int(probabilities.argmax())], gold_probability(probabilities, gold)

    original, before = predicted(attack_input(row))
    if original != row["label"]:
        return {**record, "status": "skipped", "original_prediction": original, "perturbed_prediction": original,
                "perturbed_text": row["text"], "changed_words": [], "perturbed_ratio": 0.0, "confidence": [before, before]}
    if record["status"] == "success":
        perturbed_row = {**row, "text": record["perturbed_text"]}
        after, confidence = predicted(attack_input(perturbed_row))
        if after != row["label"]:
            return {**record, "original_prediction": original, "perturbed_prediction": after,
                    "confidence": [before, confidence]}
    return {**record, "status": "failed", "original_prediction": original, "perturbed_prediction": original,
            "perturbed_text": row["text"], "changed_words": [], "perturbed_ratio": 0.0, "confidence": [before, before]}


def attack_tagger(rows: list[dict], name: str, recipe: RecipeSettings, trained: TrainedModel, seed: int,
                  batch_size: int, device: str, pools: dict | None = None,
                  lockstep_width: int = NER_LOCKSTEP_WIDTH) -> list[dict]:
    """One outcome record per sentence; the sentences' searches share each forward pass
    (augment/attacks/ner_lockstep.py), with the outcomes of searching each alone."""
    from augment.attacks.ner import NerAttack
    from augment.attacks.ner_scorer import NerScorer

    def scorer(defence) -> NerScorer:
        return NerScorer(trained.model, trained.tokenizer, trained.max_length, batch_size, device, defence)

    searched, deployed = scorer(trained.defence), None
    if recipe.eot_copies and trained.defence is not None and trained.defence.randomised:
        # adaptive, as for classifiers: the search scores the expectation over copies of its own
        deployed, searched = searched, scorer(trained.defence.with_copies(recipe.eot_copies))
    attack = NerAttack(searched, name, recipe, seed, pools)
    started, done = time.perf_counter(), []

    def progress(_, record) -> None:
        done.append(record)
        if len(done) % 10 == 0 or len(done) == len(rows):
            log.info("%s: %d/%d attacked, %d successful, %.2f sentences/s, %d sentences scored", name, len(done),
                     len(rows), sum(r["status"] == "success" for r in done), len(done) / (time.perf_counter() - started),
                     searched.queries)

    records = search_in_lockstep(attack, rows, width=max(1, lockstep_width), on_result=progress)
    return [judged_tagging(r, deployed) for r in records] if deployed is not None else records


def judged_tagging(record: dict, deployed) -> dict:
    """An adaptive NER attack's record as the deployed tagger sees it: skipped where its entity F1 on
    the original is 0, a success only where its F1 on the perturbed sentence is lower (else failed,
    unperturbed); predictions and F1 are the deployed tagger's."""
    from augment.attacks.ner import sentence_f1

    tokens, tags = record["tokens"], record["tags"]
    (original, _), = deployed([tokens])
    f1 = sentence_f1(tags, original)
    unperturbed = {**record, "perturbed_tokens": tokens, "perturbed_tags": tags, "original_prediction": original,
                   "perturbed_prediction": original, "original_f1": f1, "perturbed_f1": f1, "changed_words": [],
                   "perturbed_ratio": 0.0}
    if f1 == 0.0:
        return {**unperturbed, "status": "skipped"}
    if record["status"] == "success":
        (after, _), = deployed([record["perturbed_tokens"]])
        f1_after = sentence_f1(record["perturbed_tags"], after)
        if f1_after < f1:
            return {**record, "original_prediction": original, "perturbed_prediction": after, "original_f1": f1,
                    "perturbed_f1": f1_after}
    return {**unperturbed, "status": "failed"}


RUNNERS = {"classification": attack_classifier, "ner": attack_tagger}
