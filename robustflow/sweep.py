"""Hyper-parameter sweeps as jobs: the `sweep` block's grid (or a seeded sample of it) becomes one
training variant per point, named after its settings (`pgd-alpha0.05-epsilon0.1`), which runs as
a method of its own: its own training, attacks and evaluation jobs, under readable paths
(results/train/<dataset>/<trainset>/<point>/seed<seed>). A point's jobs depend only on its own
settings, so adding a value adds jobs and reruns nothing else (the report and the best model
excepted)."""

from __future__ import annotations

import itertools
import random
import re

# Keys of `train` a point may set besides its method's block (epsilon, alpha, steps, norm, init_mag).
TRAIN_KEYS = ("lr", "epochs", "weight_decay", "warmup_ratio", "max_grad_norm", "batch_size", "grad_accum")
METHOD_KEYS = ("epsilon", "alpha", "steps", "norm", "init_mag")


def value_text(value) -> str:
    """A value as it appears in a point's name: 0.1 -> 0.1, 1e-05 -> 1e-05, 3 -> 3, l2 -> l2."""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def point_name(method: str, settings: dict) -> str:
    return "-".join([method] + [f"{key}{value_text(settings[key])}" for key in sorted(settings)])


def sweep_points(sweep: dict | None, seed: int) -> dict[str, dict]:
    """point name -> {method, settings} in grid order (keys sorted); with `sample`, that many
    points drawn without replacement by a generator seeded with the experiment's seed."""
    if not sweep:
        return {}
    keys = sorted(sweep["grid"])
    grid = [dict(zip(keys, values)) for values in itertools.product(*(sweep["grid"][k] for k in keys))]
    if sweep.get("sample") and sweep["sample"] < len(grid):
        picked = sorted(random.Random(f"sweep-{seed}").sample(range(len(grid)), sweep["sample"]))
        grid = [grid[i] for i in picked]
    return {point_name(sweep["method"], settings): {"method": sweep["method"], "settings": settings}
            for settings in grid}


def point_train_settings(train: dict, point: dict) -> dict:
    """The `train` section as this point trains: its method's block and the train keys it sets."""
    settings = {k: v for k, v in train.items()}
    block = dict(settings.get(point["method"]) or {})
    for key, value in point["settings"].items():
        if key in METHOD_KEYS:
            block[key] = value
        else:
            settings[key] = value
    settings[point["method"]] = block
    return settings


def grid_problems(sweep: dict | None) -> list[str]:
    """Config errors of the `sweep` block (the schema checks its shape)."""
    if not sweep:
        return []
    problems = []
    for key, values in sweep["grid"].items():
        if key not in METHOD_KEYS + TRAIN_KEYS:
            problems.append(f"`sweep.grid.{key}`: not a setting a sweep can vary. Fix: use one of "
                            f"{', '.join(METHOD_KEYS + TRAIN_KEYS)}")
        if len(set(map(value_text, values))) != len(values):
            problems.append(f"`sweep.grid.{key}`: a value is listed twice ({values}). Fix: list each once")
        if any(not re.fullmatch(r"[A-Za-z0-9_.+-]+", value_text(v)) for v in values):
            problems.append(f"`sweep.grid.{key}`: values must be numbers or plain words (they name the run folders)")
    return problems
