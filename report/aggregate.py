"""Per-model evaluation JSONs -> per-variant (trainset x method) mean and std over seeds."""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Iterable

from robustflow.tasks import Task


def mean_std(values: Iterable[float | None]) -> dict:
    vals = [v for v in values if v is not None]
    if not vals:
        return {"mean": None, "std": None, "n": 0}
    return {"mean": statistics.fmean(vals), "std": statistics.stdev(vals) if len(vals) > 1 else 0.0, "n": len(vals)}


def variant_key(run: dict) -> str:
    return f"{run['trainset']}/{run['method']}"


def aggregate_variant(task: Task, runs: list[dict]) -> dict:
    first = runs[0]["evaluation"]
    out = {
        "trainset": runs[0]["trainset"], "method": runs[0]["method"], "seeds": [r["seed"] for r in runs],
        "clean": mean_std(r["evaluation"]["headline"] for r in runs),
        "ece": mean_std(r["evaluation"]["calibration"]["ece"] for r in runs),
        "ece_scaled": mean_std(r["evaluation"]["calibration_scaled"]["ece"] for r in runs),
        "temperature": mean_std(r["evaluation"]["calibration_scaled"]["temperature"] for r in runs),
        "suites": {s: {"metric": mean_std(r["evaluation"]["suites"][s]["metric"] for r in runs),
                       "drop": mean_std(r["evaluation"]["suites"][s]["drop"] for r in runs),
                       "pass_rate": mean_std(r["evaluation"]["suites"][s].get("pass_rate") for r in runs),
                       "n": first["suites"][s]["n"]} for s in first["suites"]},
        "attacks": {a: {k: mean_std(r["evaluation"]["attacks"][a][k] for r in runs)
                        for k in ("clean_metric", "metric_under_attack", "success_rate", "mean_perturbed_ratio",
                                  "mean_queries")} for a in first["attacks"]},
        "transfer": {a: mean_std(r["evaluation"]["transfer"][a]["metric"] for r in runs) for a in first["transfer"]},
    }
    secondary = [task.secondary_metrics(r["evaluation"]["clean"]) for r in runs]
    for name, value in secondary[0].items():  # a figure, or figures by name (e.g. F1 per entity type)
        if isinstance(value, dict):
            out[name] = {k: mean_std(s[name].get(k) for s in secondary) for k in value}
        else:
            out[name] = mean_std(s[name] for s in secondary)
    return out


def add_deltas(variants: dict, baseline_key: str) -> None:
    """Each variant's difference to the baseline (clean/none) in clean, per-suite and under-attack means."""
    base = variants.get(baseline_key)
    if base is None:
        return
    for v in variants.values():
        v["delta_vs_baseline"] = {
            "clean": _diff(v["clean"], base["clean"]),
            "suites": {s: _diff(v["suites"][s]["metric"], base["suites"][s]["metric"]) for s in v["suites"]},
            "attacks": {a: _diff(v["attacks"][a]["metric_under_attack"], base["attacks"][a]["metric_under_attack"])
                        for a in v["attacks"]},
        }


def _diff(a: dict, b: dict) -> float | None:
    return None if a["mean"] is None or b["mean"] is None else a["mean"] - b["mean"]


def aggregate(task: Task, runs: list[dict], baseline_key: str = "clean/none") -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        groups[variant_key(run)].append(run)
    variants = {k: aggregate_variant(task, sorted(v, key=lambda r: r["seed"] or 0)) for k, v in groups.items()}
    add_deltas(variants, baseline_key)
    return variants
