"""A saved model's labels in the dataset's labels (`label_map`), for trained and existing models."""

from __future__ import annotations

from typing import Sequence

from robustflow.errors import ConfigError


def relabel(model_labels: dict[int, str], label_map: dict[str, str] | None, dataset_labels: Sequence[str],
            what: str) -> dict[int, str]:
    """The model's id2label in the dataset's labels: each model label through ``label_map`` (a
    renaming; unmapped labels keep their name), then checked to be exactly the dataset's labels,
    so every prediction is a label the data can have and every gold label one the model can predict."""
    label_map = label_map or {}
    unknown = sorted(set(label_map) - set(model_labels.values()))
    if unknown:
        raise ConfigError(f"{what}: `label_map` names {', '.join(map(repr, unknown))}, which the model does not have "
                          f"(its labels: {', '.join(map(repr, model_labels.values()))}). Fix: map the model's own labels")
    mapped = {i: label_map.get(label, label) for i, label in model_labels.items()}
    targets = list(mapped.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise ConfigError(f"{what}: several model labels become {', '.join(map(repr, twice))}; `label_map` must rename "
                          "one model label to one dataset label (merging classes would change the model's "
                          "probabilities, which calibration and attacks read)")
    missing, extra = sorted(set(dataset_labels) - set(targets)), sorted(set(targets) - set(dataset_labels))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the dataset has {', '.join(map(repr, missing))}, which the model cannot predict")
        if extra:
            parts.append(f"the model predicts {', '.join(map(repr, extra))}, which the dataset does not have")
        raise ConfigError(f"{what}: its labels do not match the dataset's: {'; '.join(parts)} (model labels "
                          f"{', '.join(map(repr, model_labels.values()))}; dataset labels "
                          f"{', '.join(map(repr, dataset_labels))}). Fix: add `label_map: {{model label: dataset label}}` "
                          "to the model's entry in `existing_models`, or evaluate it on a dataset with its labels")
    return mapped
