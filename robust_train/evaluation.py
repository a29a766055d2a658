"""Robustness evaluation of one trained model: clean test metrics with calibration, every
perturbation suite (paired with the same clean rows), every attack, and transfer of the
baseline's adversarial examples."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from augment.attacks.job import attack_summary, pick_device, read_jsonl
from augment.attacks.model_wrapper import trained_length
from augment.common.atomic import write_json
from augment.io.artifacts import read_rows
from robust_train.calibration import expected_calibration_error
from robust_train.metrics import classification_metrics, headline, ner_metrics
from robust_train.predict import predict

log = logging.getLogger(__name__)


def load_model(task: str, model_dir: str, device: str):
    from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

    cls = AutoModelForTokenClassification if task == "ner" else AutoModelForSequenceClassification
    model = cls.from_pretrained(model_dir).to(device)
    return model, AutoTokenizer.from_pretrained(model_dir)


def gold_of(task: str, row: dict):
    return row["tags"] if task == "ner" else row["label"]


def metrics_of(task: str, gold: list, pred: list) -> dict:
    return ner_metrics(gold, pred) if task == "ner" else classification_metrics(gold, pred)


def calibration(task: str, gold: list, pred: list, probs: list, bins: int) -> dict:
    """Classification: top-class confidence per example; NER: per word (confidence of its tag)."""
    if task == "ner":
        conf = [c for row in probs for c in row]
        correct = [p == g for gs, ps in zip(gold, pred) for g, p in zip(gs, ps)]
    else:
        conf = [max(p) for p in probs]
        correct = [p == g for g, p in zip(gold, pred)]
    return expected_calibration_error(conf, correct, bins)


class Evaluator:
    def __init__(self, task: str, model_dir: str, batch_size: int, device: str):
        self.task, self.batch_size, self.device = task, batch_size, pick_device(device)
        self.model, self.tokenizer = load_model(task, model_dir, self.device)
        self.id2label = {int(k): v for k, v in self.model.config.id2label.items()}
        self.label2id = {v: k for k, v in self.id2label.items()}
        self.max_length = trained_length(self.tokenizer, self.model)

    def predict(self, rows: list[dict]) -> tuple[list, list]:
        if not rows:
            return [], []
        return predict(self.model, self.tokenizer, rows, self.task, self.label2id, self.id2label, self.max_length,
                       self.batch_size, self.device)

    def score(self, rows: list[dict]) -> dict:
        pred, _ = self.predict(rows)
        return metrics_of(self.task, [gold_of(self.task, r) for r in rows], pred)


def same_input(task: str, row: dict, parent: dict) -> bool:
    keys = ("tokens",) if task == "ner" else ("text", "text_pair")
    return all(row.get(k) == parent.get(k) for k in keys)


def suite_result(ev: Evaluator, suite_rows: list[dict], clean_pred: dict, clean_rows: dict) -> dict:
    """The suite's metric and the clean metric on exactly the parents of its rows (a paired drop)."""
    rows = [r for r in suite_rows if r["parent_id"] in clean_rows]
    # A row the perturbation left as it was gets its parent's prediction instead of a second forward.
    changed = [i for i, r in enumerate(rows) if not same_input(ev.task, r, clean_rows[r["parent_id"]])]
    pred = [clean_pred[r["parent_id"]] for r in rows]
    for i, p in zip(changed, ev.predict([rows[i] for i in changed])[0]):
        pred[i] = p
    gold = [gold_of(ev.task, r) for r in rows]
    parents = [r["parent_id"] for r in rows]
    perturbed = metrics_of(ev.task, gold, pred)
    clean = metrics_of(ev.task, [gold_of(ev.task, clean_rows[p]) for p in parents], [clean_pred[p] for p in parents])
    return {"metric": headline(ev.task, perturbed), "clean_metric": headline(ev.task, clean),
            "drop": headline(ev.task, clean) - headline(ev.task, perturbed), "n": len(rows)}


def attack_result(task: str, records: list[dict]) -> dict:
    """Clean and under-attack metric on the attacked slice, from the attack's own model outputs."""
    summary = attack_summary(records)
    if task == "ner":
        clean = ner_metrics([r["tags"] for r in records], [r["original_prediction"] for r in records])["f1"]
        attacked = ner_metrics([r["perturbed_tags"] for r in records], [r["perturbed_prediction"] for r in records])["f1"]
    else:
        n = max(len(records), 1)
        clean = (summary["success"] + summary["failed"]) / n
        attacked = summary["failed"] / n
    return {**summary, "clean_metric": clean, "metric_under_attack": attacked}


def adversarial_examples(task: str, records: list[dict]) -> list[dict]:
    """Successful adversarial examples as rows this model can be scored on (transfer)."""
    if task == "ner":
        return [{"id": r["id"], "tokens": r["perturbed_tokens"], "tags": r["perturbed_tags"]}
                for r in records if r["status"] == "success"]
    return [{"id": r["id"], "text": r["perturbed_text"], "label": r["label"]} for r in records if r["status"] == "success"]


def run_evaluation(task: str, model_dir: str, test_path: str, suite_paths: dict[str, str], attack_paths: dict[str, str],
                   transfer_paths: dict[str, str], ece_bins: int, batch_size: int, device: str, out_path: str) -> dict:
    ev = Evaluator(task, model_dir, batch_size, device)
    test = read_rows(test_path)
    pred, probs = ev.predict(test)
    gold = [gold_of(task, r) for r in test]
    clean = metrics_of(task, gold, pred)
    result = {"task": task, "clean": clean, "headline": headline(task, clean),
              "calibration": calibration(task, gold, pred, probs, ece_bins)}
    log.info("clean test %.4f, ECE %.4f", result["headline"], result["calibration"]["ece"])
    clean_pred = {r["id"]: p for r, p in zip(test, pred)}
    clean_rows = {r["id"]: r for r in test}
    result["suites"] = {}
    for name, path in suite_paths.items():
        result["suites"][name] = suite_result(ev, read_rows(path), clean_pred, clean_rows)
        log.info("suite %s: %.4f (clean %.4f on the same rows)", name, result["suites"][name]["metric"],
                 result["suites"][name]["clean_metric"])
    result["attacks"] = {name: attack_result(task, read_jsonl(path)) for name, path in attack_paths.items()}
    result["transfer"] = {}
    for name, path in transfer_paths.items():
        rows = adversarial_examples(task, read_jsonl(path))
        result["transfer"][name] = {"metric": headline(task, ev.score(rows)) if rows else None, "n": len(rows)}
    write_json(out_path, result)
    return result


def read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())
