"""Attack rows with one recipe against one trained model (classification: TextAttack; NER: ner.py)."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from pathlib import Path

from augment.attacks.model_wrapper import FastClassifierWrapper, trained_length
from augment.attacks.recipes import build_attack
from augment.attacks.results import outcome_record
from augment.augmenters.seeding import row_seed, seed_globals

log = logging.getLogger(__name__)


def load_classifier(model_dir: str | Path, device: str = "cpu"):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    return model, tokenizer, labels


def attack_input(row: dict):
    if row.get("text_pair") is not None:
        return OrderedDict([("text", row["text"]), ("text_pair", row["text_pair"])])
    return row["text"]


def attack_classifier(rows: list[dict], recipe: str, settings: dict, model_dir: str | Path, max_length: int | None,
                      seed: int, batch_size: int = 64, device: str = "cpu", timings: dict | None = None) -> list[dict]:
    """One outcome record per row. Each row is seeded on its own (recipes with random character edits),
    so a row's outcome does not depend on the rows attacked before it in this process."""
    model, tokenizer, labels = load_classifier(model_dir, device)
    max_length = max_length or trained_length(tokenizer, model)
    wrapper = FastClassifierWrapper(model, tokenizer, max_length, batch_size=batch_size, device=device)
    attack = build_attack(settings, wrapper, model_batch_size=4 * batch_size)
    label_ids = {name: i for i, name in enumerate(labels)}
    records, started = [], time.perf_counter()
    for n, row in enumerate(rows, 1):
        if row["label"] not in label_ids:
            raise ValueError(f"row {row['id']}: label {row['label']!r} is not one the model knows ({labels})")
        seed_globals(row_seed(seed, "attack", recipe, row["id"]))
        result = attack.attack(attack_input(row), label_ids[row["label"]])
        records.append(outcome_record(row, recipe, result, labels))
        if n % 10 == 0 or n == len(rows):
            done = [r for r in records if r["status"] != "skipped"]
            log.info("%s: %d/%d attacked, %d successful of %d attempted, %.2f examples/s, %d model forwards",
                     recipe, n, len(rows), sum(r["status"] == "success" for r in done), len(done),
                     n / (time.perf_counter() - started), wrapper.forward_texts)
    if timings is not None:
        timings["attack_seconds"] = time.perf_counter() - started
        timings["forward_texts"] = wrapper.forward_texts
    return records


def attack_tagger(rows: list[dict], recipe: str, settings: dict, model_dir: str | Path, max_length: int | None,
                  seed: int, pools: dict | None = None, batch_size: int = 64, device: str = "cpu") -> list[dict]:
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from augment.attacks.ner import NerAttack
    from augment.attacks.ner_scorer import NerScorer

    model = AutoModelForTokenClassification.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    scorer = NerScorer(model, tokenizer, max_length or trained_length(tokenizer, model), batch_size, device)
    attack = NerAttack(scorer, recipe, settings, seed, pools)
    records, started = [], time.perf_counter()
    for n, row in enumerate(rows, 1):
        records.append(attack.attack(row))
        if n % 10 == 0 or n == len(rows):
            log.info("%s: %d/%d attacked, %d successful, %.2f sentences/s", recipe, n, len(rows),
                     sum(r["status"] == "success" for r in records), n / (time.perf_counter() - started))
    return records
