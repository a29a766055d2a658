"""The clean+adversarial training set: the clean rows plus every successful attack on training
rows against the baseline, each with its parent, recipe, changed words and queries."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from robustflow.atomic import write_json
from robustflow.rows import read_jsonl, read_rows, write_rows
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AdversarialSetSettings:
    task: Task
    recipes: list[str]  # attack.generate.recipes, in config order
    seed: int

    @classmethod
    def from_params(cls, params: dict) -> "AdversarialSetSettings":
        return cls(task_for(params["task"]), list(params["recipes"]), params["seed"])


def adversarial_rows(task: Task, records: list[dict], seed: int) -> list[dict]:
    rows = []
    for r in records:
        if r["status"] != "success":
            continue
        params = json.dumps({"changed_words": r["changed_words"], "queries": r["queries"]}, sort_keys=True)
        rows.append({"id": f"{r['id']}~{r['recipe']}", **task.row_from_attack(r), "parent_id": r["id"],
                     "source": r["recipe"], "params": params, "seed": seed})
    return rows


def build_adversarial_trainset(settings: AdversarialSetSettings, clean_train: str, record_paths: dict[str, str],
                               out_train: str, out_report: str) -> dict:
    task = settings.task
    clean = read_rows(clean_train)
    added = {recipe: adversarial_rows(task, read_jsonl(record_paths[recipe]), settings.seed) for recipe in settings.recipes}
    rows = clean + [row for recipe in settings.recipes for row in added[recipe]]
    write_rows(out_train, rows, task, derived=True)
    report = {"clean_rows": len(clean), "adversarial_rows": {k: len(v) for k, v in added.items()}, "rows": len(rows)}
    write_json(out_report, report)
    log.info("clean+adversarial training set: %d clean + %s", len(clean), report["adversarial_rows"])
    return report
