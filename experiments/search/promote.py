"""The promoted trial's training settings: the best trial's suggestions over the `train` section."""

from __future__ import annotations

import logging

from robustflow.rows import read_json
from robustflow.sweep import point_train_settings

log = logging.getLogger(__name__)


def promoted_params(params: dict, best_path: str) -> dict:
    """``params`` (the train job's, with ``method``) with the best trial's settings applied."""
    best = read_json(best_path)["best"]
    log.info("search: training trial %d's settings %s", best["number"], best["settings"])
    settings = point_train_settings(params["settings"], {"method": params["method"], "settings": best["settings"]})
    return {**params, "settings": settings}
