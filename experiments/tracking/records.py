"""What is logged, built from the artifacts on disk without MLflow: one record per model (its training
and evaluation jobs), per search trial and for the report. A record's digest identifies its content,
so a rerun logs only what changed."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

from robustflow.rows import read_json

CURVE_KEYS = ("clean_loss", "adv_loss", "delta_norm", "grad_norm", "lr")  # per optimiser step
SKIP = {"rows", "bins", "labels"}  # per-row data and histograms: artifacts, not metrics


def flat(tree, prefix: str = "") -> dict:
    """Nested dicts to {"a.b.c": leaf}; lists kept whole."""
    if not isinstance(tree, dict):
        return {prefix: tree}
    out: dict = {}
    for key, value in tree.items():
        out.update(flat(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def metric_name(name: str) -> str:
    """MLflow keys allow letters, digits, _ - . / and spaces; anything else becomes _."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", name)


def numeric_leaves(tree, prefix: str) -> dict[str, float]:
    """The finite numbers of a nested dict (bools and nulls skipped), per-row data left out."""
    out = {}
    for key, value in flat(tree, prefix).items():
        if any(part in SKIP for part in key.split(".")):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[metric_name(key)] = float(value)
    return out


def param_values(tree: dict, prefix: str = "") -> dict[str, str]:
    return {k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in flat(tree, prefix).items()}


def file_digest(paths: list[str], length: int = 16) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:length]


def artifact_files(name: str, path: str) -> list[tuple[str, Path]]:
    """(artifact path, local file) of an artifact: a file, or a folder's files (hidden ones, such as
    Snakemake's .snakemake_timestamp, left out)."""
    root = Path(path)
    if not root.is_dir():
        return [(name, root)]
    return [(f"{name}/{f.relative_to(root).as_posix()}", f) for f in sorted(root.rglob("*"))
            if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts)]


def sealed(record: dict) -> dict:
    """The record with its digest: over everything it logs, artifacts' bytes included."""
    digest = hashlib.sha256(json.dumps({k: record[k] for k in ("key", "tags", "params", "metrics", "series")},
                                       sort_keys=True).encode())
    for name, path in sorted(record["artifacts"].items()):
        for rel, f in artifact_files(name, path):
            digest.update(rel.encode() + b"\0" + f.read_bytes())
    return {**record, "digest": digest.hexdigest()[:20]}


def model_record(run: dict, code: dict[str, str], fingerprint: str) -> dict:
    """A model's run: its training settings as params (the search's promoted trial with its trial's
    settings), training and evaluation figures as metrics, the per-step curves, its JSON files."""
    name = f"{run['dataset']}/{run['trainset']}/{run['method']}" + (f"/seed{run['seed']}" if run["seed"] is not None else "")
    tags = {"robustflow.stage": "model", "dataset": run["dataset"], "trainset": run["trainset"],
            "method": run["method"], "variant": f"{run['trainset']}/{run['method']}"}
    params = {"data.fingerprint": fingerprint, "code.evaluate": code["evaluate"]}
    metrics, series, artifacts = {}, {}, {"evaluation.json": run["evaluation"]}
    if run["trainset"] == "existing":
        tags["existing_model"] = "true"
        params.update(param_values(run["model"], "model"))
    else:
        tags["seed"] = str(run["seed"])
        if run.get("point"):
            tags["sweep_point"] = run["method"]
            params.update(param_values(run["point"]["settings"], "sweep"))
        params.update({"seed": str(run["seed"]), "code.train": code["train"]})
        job = run["params"]  # the train job's params (rules/common.smk train_params)
        params.update(param_values(job["settings"], "train"))
        params.update(param_values(job["model"], "model"))
        params.update(param_values(job.get("online") or {}, "online"))
        params["task"] = job["task"]
        trained = read_json(run["metrics"])
        params["train.method"] = trained["method"]
        metrics.update(numeric_leaves({k: trained[k] for k in ("dev", "test") if k in trained}, "train"))
        for k in ("train_rows", "steps", "best_epoch", "epochs_run", "truncated_words"):
            if isinstance(trained.get(k), (int, float)):
                metrics[f"train.{k}"] = float(trained[k])
        for point in trained.get("curve", []):
            for k in CURVE_KEYS:
                if isinstance(point.get(k), (int, float)) and math.isfinite(point[k]):
                    series.setdefault(f"step.{k}", []).append([int(point["step"]), float(point[k])])
        for epoch in trained.get("history", []):
            if isinstance(epoch.get("dev"), (int, float)):
                series.setdefault("epoch.dev", []).append([int(epoch["epoch"]), float(epoch["dev"])])
        artifacts["train_metrics.json"] = run["metrics"]
        if run.get("timing") and Path(run["timing"]).is_file():
            metrics.update(numeric_leaves(read_json(run["timing"]), "time"))
    metrics.update(numeric_leaves(read_json(run["evaluation"]), "eval"))
    return sealed({"key": f"model/{name}", "name": name, "tags": tags, "params": params, "metrics": metrics,
                   "series": series, "artifacts": artifacts})


def trial_records(dataset: str, best_path: str) -> list[dict]:
    """One run per finished search trial: its suggested settings and its dev figures."""
    summary = read_json(best_path)
    records = []
    for trial in summary["table"]:
        name = f"{dataset}/search/{summary['study']}/trial{trial['number']}"
        values = {k: v for k, v in trial["values"].items() if k != "constraints"}
        for i, c in enumerate(trial["values"].get("constraints", [])):
            values[f"constraint{i}"] = c
        metrics = numeric_leaves(values, "dev_trial")
        if trial["value"] is not None:
            metrics["objective"] = float(trial["value"])
        tags = {"robustflow.stage": "search_trial", "dataset": dataset, "study": summary["study"],
                "trial": str(trial["number"]), "state": trial["state"], "method": summary["method"],
                "best": str(trial["number"] == summary["best"]["number"]).lower()}
        params = {**param_values(trial["settings"], "search"), "search.objective": summary["objective"]["maximize"]}
        records.append(sealed({"key": f"trial/{name}", "name": name, "tags": tags, "params": params,
                               "metrics": metrics, "series": {}, "artifacts": {}}))
    return records


def report_record(files: dict[str, str], datasets: list[str]) -> dict:
    """The report's run: the HTML page, summary, gates and plots as artifacts."""
    gates = read_json(files["gates"]) if files.get("gates") and Path(files["gates"]).is_file() else None
    metrics = {}
    if isinstance(gates, list) and gates:
        metrics["gates.total"] = float(len(gates))
        metrics["gates.failed"] = float(sum(not g["passed"] for g in gates))
    artifacts = {Path(p).name: p for p in files.values() if p and Path(p).exists()}
    return sealed({"key": "report", "name": "report", "tags": {"robustflow.stage": "report", "datasets": ",".join(datasets)},
                   "params": {}, "metrics": metrics, "series": {}, "artifacts": artifacts})
