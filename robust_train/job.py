"""The training job: pick the training rows, train, evaluate on the clean test split, write outputs."""

from __future__ import annotations

import json
import logging
import random
import shutil
from pathlib import Path

from augment.common.atomic import write_json
from augment.io.artifacts import read_rows
from augment.augmenters.seeding import row_seed
from robust_train.adversarial import AdversarialConfig
from robust_train.data import ner_labels
from robust_train.trainer import TrainConfig, train

log = logging.getLogger(__name__)
_TRAIN_KEYS = ("epochs", "batch_size", "grad_accum", "lr", "weight_decay", "warmup_ratio", "max_grad_norm", "patience",
               "precision", "device", "eval_batch_size")


def train_config(settings: dict, method: str, seed: int, max_length: int, trust_remote_code: bool) -> TrainConfig:
    perturbation = settings.get(method, {}) if method != "none" else {}
    return TrainConfig(**{k: settings[k] for k in _TRAIN_KEYS}, seed=seed, max_length=max_length,
                       trust_remote_code=trust_remote_code, adversarial=AdversarialConfig(method=method, **perturbation))


def model_labels(task: str, clean_report: dict) -> list[str]:
    return ner_labels(clean_report["labels"]) if task == "ner" else list(clean_report["labels"])


def sample_rows(rows: list[dict], limit: int | None, seed: int) -> list[dict]:
    """A seeded sample (originals first when the set is augmented: they are what it grows from)."""
    if limit is None or len(rows) <= limit:
        return rows
    keep = set(random.Random(row_seed(seed, "max_train_samples")).sample(range(len(rows)), limit))
    return [r for i, r in enumerate(rows) if i in keep]


def run_training(task: str, method: str, seed: int, settings: dict, model: dict, train_path: str, dev_path: str,
                 test_path: str, clean_report_path: str, out_model: str, out_metrics: str) -> dict:
    labels = model_labels(task, json.loads(Path(clean_report_path).read_text()))
    rows = sample_rows(read_rows(train_path), settings["max_train_samples"], seed)
    dev, test = read_rows(dev_path), read_rows(test_path)
    cfg = train_config(settings, method, seed, model["max_length"], model["trust_remote_code"])
    checkpoint = Path(out_model).parent / "checkpoint"
    metrics = train(task, rows, dev, labels, model["name_or_path"], cfg, out_model, checkpoint, test_rows=test)
    metrics["labels"] = labels
    write_json(out_metrics, metrics)
    shutil.rmtree(checkpoint, ignore_errors=True)  # the finished model is saved; resume state is no longer needed
    log.info("%s seed %d: dev %s test %s", method, seed, metrics["history"][-1], {k: v for k, v in metrics["test"].items() if k != "per_type"})
    return metrics
