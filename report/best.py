"""Promote the sweep's chosen point: copy its trained model (first seed) to results/best/ and say
what was chosen, by which rule, with its figures."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from robustflow.atomic import atomic_dir, write_json
from robustflow.rows import read_json

log = logging.getLogger(__name__)


def promote(summary_path: str, dataset: str, seed: int, out_model: str, out_choice: str) -> dict:
    tradeoff = read_json(summary_path)["datasets"][dataset]["tradeoff"]
    chosen = tradeoff["chosen"]
    source = Path("results/train") / dataset / chosen / f"seed{seed}" / "model"
    with atomic_dir(out_model) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
    point = tradeoff["points"][chosen]
    choice = {"dataset": dataset, "variant": chosen, "seed": seed, "model": str(source), "rule": tradeoff["rule"],
              "clean_floor": tradeoff["clean_floor"], "clean": point["clean"], "robust": point["robust"],
              "pareto": point["pareto"]}
    write_json(out_choice, choice)
    log.info("best %s: %s (clean %.4f, robust %.4f), copied from %s", dataset, chosen, point["clean"]["value"],
             point["robust"]["value"], source)
    return choice
