"""Robustness evaluation of one trained model: clean test metrics with calibration, every
perturbation suite (paired with the same clean rows), every attack, and transfer of the
baseline's adversarial examples."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from augment.attacks.results import attack_summary
from evaluation.calibration import expected_calibration_error
from robust_train.predict import predict
from robustflow.atomic import write_json
from robustflow.devices import resolve_device
from robustflow.models import load_trained
from robustflow.rows import read_jsonl, read_rows
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluateSettings:
    task: Task
    suites: list[str]
    recipes: list[str]  # attack.evaluate.recipes
    ece_bins: int
    batch_size: int
    device: str

    @classmethod
    def from_params(cls, params: dict) -> "EvaluateSettings":
        return cls(task_for(params["task"]), list(params["suites"]), list(params["recipes"]), params["ece_bins"],
                   params["batch_size"], params["device"])


def calibration(task: Task, gold: list, pred: list, probs: list, bins: int) -> dict:
    """Classification: top-class confidence per example; NER: per word (confidence of its tag)."""
    confidence, correct = task.confidence_points(gold, pred, probs)
    return expected_calibration_error(confidence, correct, bins)


class Evaluator:
    def __init__(self, task: Task, model_dir: str, batch_size: int, device: str):
        self.task, self.batch_size, self.device = task, batch_size, resolve_device(device, "train.device")
        self.trained = load_trained(task, model_dir, self.device)

    def predict(self, rows: list[dict]) -> tuple[list, list]:
        if not rows:
            return [], []
        t = self.trained
        return predict(t.model, t.tokenizer, rows, self.task, t.label2id, t.id2label, t.max_length, self.batch_size,
                       self.device)

    def score(self, rows: list[dict]) -> dict:
        pred, _ = self.predict(rows)
        return self.task.metrics([self.task.gold(r) for r in rows], pred)


def suite_result(ev: Evaluator, suite_rows: list[dict], clean_pred: dict, clean_rows: dict) -> dict:
    """The suite's metric and the clean metric on exactly the parents of its rows (a paired drop)."""
    task = ev.task
    rows = [r for r in suite_rows if r["parent_id"] in clean_rows]
    # A row the perturbation left as it was gets its parent's prediction instead of a second forward.
    changed = [i for i, r in enumerate(rows) if not task.same_input(r, clean_rows[r["parent_id"]])]
    pred = [clean_pred[r["parent_id"]] for r in rows]
    for i, p in zip(changed, ev.predict([rows[i] for i in changed])[0]):
        pred[i] = p
    gold = [task.gold(r) for r in rows]
    parents = [r["parent_id"] for r in rows]
    perturbed = task.metrics(gold, pred)
    clean = task.metrics([task.gold(clean_rows[p]) for p in parents], [clean_pred[p] for p in parents])
    return {"metric": task.headline(perturbed), "clean_metric": task.headline(clean),
            "drop": task.headline(clean) - task.headline(perturbed), "n": len(rows)}


def attack_result(task: Task, records: list[dict]) -> dict:
    """Clean and under-attack metric on the attacked slice, from the attack's own model outputs."""
    summary = attack_summary(records)
    clean, attacked = task.attack_metrics(records, summary)
    return {**summary, "clean_metric": clean, "metric_under_attack": attacked}


def transfer_rows(task: Task, records: list[dict]) -> list[dict]:
    """Successful adversarial examples as rows this model can be scored on."""
    return [{"id": r["id"], **task.row_from_attack(r)} for r in records if r["status"] == "success"]


def evaluate_model(settings: EvaluateSettings, model_dir: str, test_path: str, suite_paths: dict[str, str],
                   attack_paths: dict[str, str], transfer_paths: dict[str, str], out_path: str) -> dict:
    task = settings.task
    ev = Evaluator(task, model_dir, settings.batch_size, settings.device)
    test = read_rows(test_path)
    pred, probs = ev.predict(test)
    gold = [task.gold(r) for r in test]
    clean = task.metrics(gold, pred)
    result = {"task": task.name, "clean": clean, "headline": task.headline(clean),
              "calibration": calibration(task, gold, pred, probs, settings.ece_bins)}
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
        rows = transfer_rows(task, read_jsonl(path))
        result["transfer"][name] = {"metric": task.headline(ev.score(rows)) if rows else None, "n": len(rows)}
    write_json(out_path, result)
    return result
