"""The augmented training set: clean train + a deduplicated, capped mix of augmenter rows."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from augment.trainsets.report import render_markdown
from robustflow.atomic import write_json, write_text
from robustflow.rows import read_rows, write_rows
from robustflow.seeds import sample_indices
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MergeSettings:
    dataset: str
    task: Task
    ratio: float  # at most this many augmented rows per original row
    dedup: bool
    seed: int

    @classmethod
    def from_params(cls, dataset: str, params: dict) -> "MergeSettings":
        merge = params["merge"]
        return cls(dataset, task_for(params["task"]), merge["ratio"], merge["dedup"], params["seed"])


def merge_rows(task: Task, clean: dict[str, list[dict]], augmented: dict[str, list[dict]], ratio: float, dedup: bool,
               seed: int) -> tuple[list[dict], dict]:
    """Original train rows first, then augmented rows in augmenter order, deduplicated and capped.

    Dedup drops an augmented row equal (normalised text) to a clean train row (no new information),
    to a dev/test row (leakage into evaluation) or to an earlier augmented row.
    """
    train_keys = {task.content_key(r) for r in clean["train"]}
    eval_keys = {task.content_key(r) for split in ("dev", "test") for r in clean[split]}
    seen: set[str] = set()
    stats = {name: {"offered": len(rows), "equal_to_train": 0, "equal_to_dev_test": 0, "duplicate": 0,
                    "over_ratio": 0, "kept": 0} for name, rows in augmented.items()}
    candidates = []
    for name, rows in augmented.items():
        for row in rows:
            key = task.content_key(row)
            if dedup and key in eval_keys:
                stats[name]["equal_to_dev_test"] += 1
            elif dedup and key in train_keys:
                stats[name]["equal_to_train"] += 1
            elif dedup and key in seen:
                stats[name]["duplicate"] += 1
            else:
                seen.add(key)
                candidates.append(row)
    cap = int(ratio * len(clean["train"]))
    if len(candidates) > cap:  # a seeded sample keeps each augmenter's share, in order
        keep = sample_indices(len(candidates), cap, seed, "merge")
        for i, row in enumerate(candidates):
            if i not in keep:
                stats[row["source"]]["over_ratio"] += 1
        candidates = [row for i, row in enumerate(candidates) if i in keep]
    for row in candidates:
        stats[row["source"]]["kept"] += 1
    for name, s in stats.items():
        assert s["offered"] == s["kept"] + s["equal_to_train"] + s["equal_to_dev_test"] + s["duplicate"] + s["over_ratio"], name
    original = [{**r, "parent_id": None, "source": "original", "params": None, "seed": None} for r in clean["train"]]
    summary = {"original_rows": len(original), "augmented_rows": len(candidates), "ratio": ratio, "dedup": dedup,
               "cap": cap, "per_augmenter": stats}
    return original + candidates, summary


def build_augmented_trainset(settings: MergeSettings, clean_paths: dict, augmenter_paths: dict, stats_paths: dict,
                             out_train: str | Path, report_json: str | Path, report_md: str | Path) -> dict:
    """``augmenter_paths``: the rows of the augmenters the merge uses; ``stats_paths``: every augmenter's
    statistics (the report shows them all)."""
    task, dataset = settings.task, settings.dataset
    clean = {split: read_rows(path) for split, path in clean_paths.items()}
    augmented = {name: read_rows(path) for name, path in augmenter_paths.items()}
    rows, merge = merge_rows(task, clean, augmented, settings.ratio, settings.dedup, settings.seed)
    write_rows(out_train, rows, task, derived=True)
    augmenters = {name: json.loads(Path(path).read_text()) for name, path in stats_paths.items()}
    report = {"dataset": dataset, "task": task.name, "augmenters": augmenters, "merge": merge}
    write_json(report_json, report)
    write_text(report_md, render_markdown(report))
    log.info("%s: %d original + %d augmented rows", dataset, merge["original_rows"], merge["augmented_rows"])
    return report
