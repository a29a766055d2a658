"""What a search worker needs, from the job's params (rules/common.smk search_params)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from robustflow.tasks import Task, task_for


@dataclass(frozen=True)
class SearchSettings:
    task: Task
    dataset: str
    block: dict  # the validated `search` section
    train: dict  # the `train` section the trials start from
    model: dict  # the `model` section
    recipe: tuple[str, dict]  # (name, settings) of the attack the objective runs on dev
    attack_batch_size: int
    attack_device: str
    seed: int
    study_name: str  # the dataset and a digest of everything above: new settings, a new study

    @classmethod
    def from_params(cls, dataset: str, params: dict) -> "SearchSettings":
        digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]
        return cls(task_for(params["task"]), dataset, params["search"], params["train"], params["model"],
                   (params["recipe"]["name"], params["recipe"]["settings"]), params["attack"]["batch_size"],
                   params["attack"]["device"], params["seed"], f"{dataset}-{digest}")

    @property
    def method(self) -> str:
        return self.block["method"]

    @property
    def objective(self) -> dict:
        return self.block["objective"]

    def quota(self, worker: int) -> int:
        """Trials worker ``worker`` runs: the budget split evenly, so the study ends with exactly it."""
        trials, workers = self.block["trials"], self.block["workers"]
        return trials // workers + int(worker < trials % workers)
