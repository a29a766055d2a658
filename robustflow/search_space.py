"""The search space: setting -> {low, high[, log, step]} (a float, or an int when both bounds are
integers) or {choices: [...]}; what a trial suggests from it."""

from __future__ import annotations

from robustflow.sweep import METHOD_KEYS, TRAIN_KEYS


def is_int_range(spec: dict) -> bool:
    return isinstance(spec.get("low"), int) and isinstance(spec.get("high"), int) and not isinstance(spec.get("step"), float)


def suggest(trial, space: dict) -> dict:
    """The settings of one trial, in sorted key order (the order Optuna sees them: reproducible)."""
    settings = {}
    for key in sorted(space):
        spec = space[key]
        if "choices" in spec:
            settings[key] = trial.suggest_categorical(key, list(spec["choices"]))
        elif is_int_range(spec):
            settings[key] = trial.suggest_int(key, spec["low"], spec["high"], step=spec.get("step") or 1,
                                              log=spec.get("log", False))
        else:
            settings[key] = trial.suggest_float(key, float(spec["low"]), float(spec["high"]),
                                                step=spec.get("step"), log=spec.get("log", False))
    return settings


def space_problems(space: dict) -> list[str]:
    """Config errors of `search.space` the schema cannot state."""
    problems = []
    for key, spec in space.items():
        where = f"`search.space.{key}`"
        if key not in METHOD_KEYS + TRAIN_KEYS:
            problems.append(f"{where}: not a setting a search can vary. Fix: use one of {', '.join(METHOD_KEYS + TRAIN_KEYS)}")
        if "choices" in spec:
            if any(k in spec for k in ("low", "high", "log", "step")):
                problems.append(f"{where}: give either choices or low/high, not both")
            continue
        if "low" not in spec or "high" not in spec:
            problems.append(f"{where}: needs low and high (or choices)")
            continue
        if spec["low"] >= spec["high"]:
            problems.append(f"{where}: low ({spec['low']}) must be below high ({spec['high']})")
        if spec.get("log") and spec["low"] <= 0:
            problems.append(f"{where}: a log scale needs low > 0 (got {spec['low']})")
        if spec.get("log") and spec.get("step"):
            problems.append(f"{where}: Optuna samples a log scale without a step: drop one of them")
    return problems
