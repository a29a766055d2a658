"""Cleaning stage: apply the configured rules in order, write cleaned splits and the report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from prepare.cleaning import rules
from prepare.cleaning.ledger import Ledger
from prepare.cleaning.report import render_markdown
from robustflow.atomic import write_json, write_jsonl, write_text
from robustflow.rows import SPLITS, read_rows, write_rows
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)

# Order matters: alignment first (NER), then text repairs, then tag checks (NER), then checks on
# the repaired text, then duplicates within splits, then leakage across them.
_REPAIRS = ["unicode", "html", "control_chars", "whitespace", "empty"]
_CHECKS = ["unknown_labels", "length", "conflicting_labels", "exact_duplicates", "near_duplicates", "leakage"]


@dataclass(frozen=True)
class CleanSettings:
    dataset: str
    task: Task
    rules: dict  # rule name -> its settings (the dataset's effective `cleaning` section)
    labels: list | None  # allowed labels (entity types); None: those of the train split

    @classmethod
    def from_params(cls, dataset: str, params: dict) -> "CleanSettings":
        return cls(dataset, task_for(params["task"]), params["cleaning"], params["labels"])


def rule_order(task: Task) -> list[str]:
    return [*task.alignment_rules, *_REPAIRS, *task.tag_rules, *_CHECKS]


def clean_splits(splits: dict[str, list[dict]], task: Task, cfg: dict, labels: list | None) -> tuple[dict, Ledger]:
    task = task_for(task)
    ledger = Ledger(task, examples_per_rule=cfg["examples"])
    for name in rule_order(task):
        before = {s: len(r) for s, r in splits.items()}
        if name == "unknown_labels":
            splits = rules.unknown_labels(splits, cfg[name], ledger, task, labels)
        else:
            splits = getattr(rules, name)(splits, cfg[name], ledger, task)
        for split, rows in splits.items():
            dropped = ledger.count(name, split, "dropped")
            assert before[split] - len(rows) == dropped, f"{name} lost rows in {split} without counting them"
        log.info("rule %-18s %s", name, {s: len(r) for s, r in splits.items()})
    return splits, ledger


def build_report(dataset: str, task: Task, cfg: dict, rows_in: dict, splits: dict, ledger: Ledger, labels) -> dict:
    order = rule_order(task)
    counts = {name: {split: {outcome: ledger.count(name, split, outcome) for outcome in ("dropped", "repaired")}
                     for split in SPLITS} for name in order}
    per_split = {}
    for split in SPLITS:
        dropped = sum(counts[name][split]["dropped"] for name in order)
        repaired = sum(counts[name][split]["repaired"] for name in order)
        per_split[split] = {"rows_in": rows_in[split], "dropped": dropped, "repair_events": repaired,
                            "rows_out": len(splits[split]), "labels": task.label_counts(splits[split])}
        assert rows_in[split] - dropped == len(splits[split])
    return {
        "dataset": dataset, "task": task.name,
        "labels": sorted(rules.allowed_labels(splits, labels, task)),
        "splits": per_split,
        "rules": {name: {"action": cfg[name]["action"], "counts": counts[name],
                         "examples": ledger.examples.get(name, [])} for name in order},
    }


def run_clean(settings: CleanSettings, inputs: dict, outputs: dict, report_json: str | Path, report_md: str | Path,
              dropped_path: str | Path) -> dict:
    task = settings.task
    splits = {s: read_rows(inputs[s]) for s in SPLITS}
    rows_in = {s: len(r) for s, r in splits.items()}
    splits, ledger = clean_splits(splits, task, settings.rules, settings.labels)
    report = build_report(settings.dataset, task, settings.rules, rows_in, splits, ledger, settings.labels)
    for split in SPLITS:
        write_rows(outputs[split], splits[split], task)
    write_jsonl(dropped_path, ledger.dropped_rows)
    write_json(report_json, report)
    write_text(report_md, render_markdown(report))
    return report
