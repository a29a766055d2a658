"""Promote the sweep's chosen point: copy its trained model (first seed) to results/best/ and say
what was chosen, by which rule, with its figures."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from report.model_card import model_cards
from robustflow.atomic import atomic_dir, write_json
from robustflow.rows import read_json

log = logging.getLogger(__name__)


def promote(summary_path: str, dataset: str, seed: int, out_model: str, out_choice: str, train_code: str = "") -> dict:
    """The chosen model's folder, with its model card as README.md (its figures travel with it)."""
    summary = read_json(summary_path)
    tradeoff = summary["datasets"][dataset]["tradeoff"]
    chosen = tradeoff["chosen"]
    source = Path("results/train") / dataset / chosen / f"seed{seed}" / "model"
    with atomic_dir(out_model) as tmp:
        shutil.copytree(source, tmp, dirs_exist_ok=True)
        (tmp / "README.md").write_text(model_cards(summary, train_code)[f"{dataset}/{chosen}/seed{seed}"], encoding="utf-8")
    point = tradeoff["points"][chosen]
    choice = {"dataset": dataset, "variant": chosen, "seed": seed, "model": str(source), "rule": tradeoff["rule"],
              "clean_floor": tradeoff["clean_floor"], "clean": point["clean"], "robust": point["robust"],
              "pareto": point["pareto"]}
    write_json(out_choice, choice)
    log.info("best %s: %s (clean %.4f, robust %.4f), copied from %s", dataset, chosen, point["clean"]["value"],
             point["robust"]["value"], source)
    return choice
