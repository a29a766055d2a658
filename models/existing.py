"""Models someone already has (config `existing_models`): evaluated like the trained ones, never
trained. Their labels are renamed to the dataset's through `label_map`, checked against the
dataset's labels, and their task is read from the saved config's architecture."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

# transformers' architecture suffix -> the robustflow task whose auto class loads it.
ARCHITECTURE_TASKS = {"ForSequenceClassification": "classification", "ForTokenClassification": "ner"}


def saved_task(model_dir: str | Path) -> str | None:
    """The task of a saved model by its config's architecture (None: no config or no known head)."""
    config = Path(model_dir) / "config.json"
    try:
        architectures = json.loads(config.read_text(encoding="utf-8")).get("architectures") or []
    except (OSError, ValueError):
        return None
    for arch in architectures:
        for suffix, task in ARCHITECTURE_TASKS.items():
            if arch.endswith(suffix):
                return task
    return None


def task_problem(key: str, name_or_path: str, task: str) -> str | None:
    """A local model folder whose head is for another task than the experiment's."""
    path = Path(name_or_path).expanduser()
    found = saved_task(path) if path.is_dir() else None
    if found is None or found == task:
        return None
    return (f"`{key}`: {name_or_path} is a {found} model (its config.json architecture), but the experiment's "
            f"`task` is {task}. Fix: evaluate it in an experiment with task {found}, or point at a {task} model")


def fingerprint(name_or_path: str) -> str:
    """What identifies the model's weights: for a local folder, a digest of its files' names,
    sizes and modification times (cheap for a 10 GB model, and changes when any file is replaced);
    a hub id stands for itself. As a job parameter, it reruns the model's evaluation when it changes."""
    path = Path(name_or_path).expanduser()
    if not path.is_dir():
        return name_or_path
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        st = f.stat()
        digest.update(f"{f.relative_to(path).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def model_spec(name_or_path: str, entry: dict | None = None) -> dict:
    """The job parameter that says which model a job evaluates or attacks: a trained model's folder
    (a job input, tracked by Snakemake), or an `existing_models` entry (not an input: a folder another
    experiment trained must not pull that experiment's training into this DAG), with its label
    renaming, remote-code permission and fingerprint, which reruns its jobs when its files change."""
    if entry is None:
        return {"name_or_path": name_or_path, "label_map": {}, "trust_remote_code": False}
    return {"name_or_path": name_or_path, "label_map": entry.get("label_map") or {},
            "trust_remote_code": bool(entry.get("trust_remote_code", False)), "fingerprint": fingerprint(name_or_path)}


def load_model(task, spec: dict, clean_report_path: str | Path, device: str = "cpu"):
    """The model of ``spec`` with its labels checked against (and renamed to) the dataset's."""
    from models.trained import load_trained

    labels = json.loads(Path(clean_report_path).read_text(encoding="utf-8"))["labels"]
    return load_trained(task, spec["name_or_path"], device, labels, spec["label_map"], spec["trust_remote_code"])
