"""The attack job: one shard of one attack against one trained model."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from augment.attacks.runners import RUNNERS
from augment.attacks.shards import attack_slice, shard
from models.devices import resolve_device
from models.existing import load_model
from robustflow.atomic import write_jsonl
from robustflow.recipes import RecipeSettings
from robustflow.rows import read_rows
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttackSettings:
    task: Task
    name: str  # the recipe's name in the config (labels records and adversarial rows)
    recipe: RecipeSettings
    split: str  # train: adversarial training rows; test: evaluation
    max_examples: int | None  # the seeded slice of the split
    shards: int
    batch_size: int  # model queries per forward pass
    device: str
    seed: int

    @classmethod
    def from_params(cls, name: str, split: str, params: dict) -> "AttackSettings":
        return cls(task_for(params["task"]), name, RecipeSettings.from_config(params["settings"]), split,
                   params["max_examples"], params["shards"], params["batch_size"], params["device"], params["seed"])


def run_attack_shard(settings: AttackSettings, shard_index: int, model: dict, clean_report_path: str, rows_path: str,
                     pools_path: str, out_path: str) -> list[dict]:
    """``model``: which model (robustflow/existing_models.model_spec), its labels checked against
    the cleaned data's (``clean_report_path``); ``pools_path``: the training split, whose entity
    mentions mention_swap draws from."""
    s = settings
    rows = shard(attack_slice(read_rows(rows_path), s.max_examples, s.seed, s.split), shard_index, s.shards)
    log.info("%s on %s: shard %d of %d, %d rows", s.name, s.split, shard_index + 1, s.shards, len(rows))
    pools = None
    if s.recipe.type == "mention_swap":
        from augment.augmenters.mentions import mention_pools

        pools = mention_pools(read_rows(pools_path))
    device = resolve_device(s.device, "attack.device")
    trained = load_model(s.task, model, clean_report_path)
    records = RUNNERS[s.task.name](rows, s.name, s.recipe, trained, s.seed, s.batch_size, device, pools)
    write_jsonl(out_path, records)
    return records
