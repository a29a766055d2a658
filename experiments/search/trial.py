"""One trial: train with the suggested settings, attack the trained model on a seeded dev slice,
score the objective. Everything is measured on dev; test stays for the promoted model's evaluation."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from pathlib import Path

from experiments.search.settings import SearchSettings
from robustflow.rows import read_rows
from robustflow.search_space import suggest
from robustflow.sweep import point_train_settings

log = logging.getLogger(__name__)


def trial_settings(s: SearchSettings, suggested: dict) -> dict:
    """The `train` section as this trial trains: the method's block and train keys it sets."""
    return point_train_settings(s.train, {"method": s.method, "settings": suggested})


def objective_value(objective: dict, values: dict) -> tuple[float, list[float]]:
    """The figure maximised and the constraint values (<= 0 is feasible): floors on dev figures."""
    constraints = []
    if objective.get("min_clean") is not None:
        constraints.append(objective["min_clean"] - values["dev"])
    if objective.get("min_under_attack") is not None:
        constraints.append(objective["min_under_attack"] - values["under_attack"])
    return values[objective["maximize"]], constraints


def run_trial(s: SearchSettings, trial, train_path: str, dev_path: str, clean_report_path: str, work_dir: Path,
              prune) -> dict:
    """Train and attack; returns the trial's record (settings, dev figures, timings). ``prune(epoch,
    score)`` reports each epoch's dev score and raises optuna.TrialPruned to stop a poor trial."""
    from augment.attacks.runners import RUNNERS
    from augment.attacks.shards import attack_slice
    from evaluation.evaluate_model import attack_result
    from models.devices import resolve_device
    from models.existing import load_model, model_spec
    from robust_train.fine_tune import training_inputs
    from robust_train.trainer import TrainConfig, train
    from robustflow.recipes import RecipeSettings

    suggested = suggest(trial, s.block["space"])
    settings = trial_settings(s, suggested)
    # One process per trial: parallelism comes from the workers (DDP ranks would share the device).
    cfg = dataclasses.replace(TrainConfig.from_settings(settings, s.model, s.method, s.seed), processes=1)
    task = s.task
    labels, rows, dev = training_inputs(task, train_path, dev_path, clean_report_path, settings["max_train_samples"], s.seed)
    model_dir = work_dir / "model"
    shutil.rmtree(work_dir, ignore_errors=True)  # a trial interrupted before: start clean
    log.info("trial %d: %s", trial.number, suggested)
    started = time.perf_counter()
    try:
        metrics = train(task, rows, dev, labels, s.model["name_or_path"], cfg, model_dir, work_dir / "checkpoint",
                        on_dev=prune)
        trained_at = time.perf_counter()
        name, recipe = s.recipe
        attacked = attack_slice(dev, s.objective["attacked_rows"], s.seed, "search")
        pools = None
        if recipe["type"] == "mention_swap":
            from augment.augmenters.mentions import mention_pools

            pools = mention_pools(read_rows(train_path))  # every training row's mentions, as the attack rule's
        trained = load_model(task, model_spec(str(model_dir)), clean_report_path)
        device = resolve_device(s.attack_device, "attack.device")
        records = RUNNERS[task.name](attacked, name, RecipeSettings.from_config(recipe), trained, s.seed,
                                     s.attack_batch_size, device, pools)
        result = attack_result(task, records)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)  # the promoted trial is retrained from its settings
    values = {"dev": task.headline(metrics["dev"]), "dev_slice_clean": result["clean_metric"],
              "under_attack": result["metric_under_attack"], "success_rate": result["success_rate"],
              "attacked_rows": len(records)}
    return {"number": trial.number, "settings": suggested, "values": values, "best_epoch": metrics["best_epoch"],
            "history": metrics["history"], "curve": metrics["curve"],
            "seconds": {"train": round(trained_at - started, 2), "attack": round(time.perf_counter() - trained_at, 2)}}
