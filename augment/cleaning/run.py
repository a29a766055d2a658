"""Cleaning stage: apply the configured rules in order, write cleaned splits and the report."""

from __future__ import annotations

import logging
from pathlib import Path

from augment.cleaning import rules
from augment.cleaning.ledger import Ledger
from augment.cleaning.report import render_markdown
from augment.common.atomic import write_json, write_jsonl, write_text
from augment.io.artifacts import read_rows, write_rows
from augment.io.spec import SPLITS

log = logging.getLogger(__name__)

# Order matters: alignment first (NER), then text repairs, then checks on the repaired text,
# then duplicates within splits, then leakage across them.
_NER_FIRST = ["tag_count_mismatch"]
_REPAIRS = ["unicode", "html", "control_chars", "whitespace", "empty"]
_NER_TAGS = ["invalid_iob"]
_CHECKS = ["unknown_labels", "length", "conflicting_labels", "exact_duplicates", "near_duplicates", "leakage"]


def rule_order(task: str) -> list[str]:
    if task == "ner":
        return _NER_FIRST + _REPAIRS + _NER_TAGS + _CHECKS
    return _REPAIRS + _CHECKS


def clean_splits(splits: dict[str, list[dict]], task: str, cfg: dict, labels: list | None) -> tuple[dict, Ledger]:
    ledger = Ledger(examples_per_rule=cfg["examples"])
    for name in rule_order(task):
        before = {s: len(r) for s, r in splits.items()}
        if name == "unknown_labels":
            splits = rules.unknown_labels(splits, cfg[name], ledger, labels)
        else:
            splits = getattr(rules, name)(splits, cfg[name], ledger)
        for split, rows in splits.items():
            dropped = ledger.count(name, split, "dropped")
            assert before[split] - len(rows) == dropped, f"{name} lost rows in {split} without counting them"
        log.info("rule %-18s %s", name, {s: len(r) for s, r in splits.items()})
    return splits, ledger


def build_report(dataset: str, task: str, cfg: dict, rows_in: dict, splits: dict, ledger: Ledger, labels) -> dict:
    from augment.ingest import label_counts

    order = rule_order(task)
    counts = {name: {split: {outcome: ledger.count(name, split, outcome) for outcome in ("dropped", "repaired")}
                     for split in SPLITS} for name in order}
    per_split = {}
    for split in SPLITS:
        dropped = sum(counts[name][split]["dropped"] for name in order)
        repaired = sum(counts[name][split]["repaired"] for name in order)
        per_split[split] = {"rows_in": rows_in[split], "dropped": dropped, "repair_events": repaired,
                            "rows_out": len(splits[split]), "labels": label_counts(splits[split], task)}
        assert rows_in[split] - dropped == len(splits[split])
    return {
        "dataset": dataset, "task": task,
        "labels": sorted(rules.allowed_labels(splits, labels)),
        "splits": per_split,
        "rules": {name: {"action": cfg[name]["action"], "counts": counts[name],
                         "examples": ledger.examples.get(name, [])} for name in order},
    }


def run_clean(dataset: str, task: str, cfg: dict, labels: list | None, inputs: dict, outputs: dict,
              report_json: str | Path, report_md: str | Path, dropped_path: str | Path) -> dict:
    splits = {s: read_rows(inputs[s]) for s in SPLITS}
    rows_in = {s: len(r) for s, r in splits.items()}
    splits, ledger = clean_splits(splits, task, cfg, labels)
    report = build_report(dataset, task, cfg, rows_in, splits, ledger, labels)
    for split in SPLITS:
        write_rows(outputs[split], splits[split], task)
    write_jsonl(dropped_path, ledger.dropped_rows)
    write_json(report_json, report)
    write_text(report_md, render_markdown(report))
    return report
