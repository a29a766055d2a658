"""Cleaning stage: apply the configured rules in order, write cleaned splits and the report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from prepare.cleaning import rules
from prepare.cleaning.ledger import Ledger, locate
from prepare.cleaning.report import render_markdown
from robustflow.atomic import write_json, write_jsonl, write_text
from robustflow.errors import DataError, visible
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


# Why a rule may have emptied a split, and what to do about it (the generic fix otherwise).
_EMPTIED_FIX = {
    "leakage": "train/dev hold the test rows: is one file configured as both train and test? Point "
               "`source.files` at distinct files, or set `cleaning.leakage.action: off`",
    "length": "widen the bounds in `cleaning.length` (min_tokens/min_chars count whitespace words and characters)",
    "unknown_labels": "check `labels` and `label_map` against the labels the file really uses",
    "conflicting_labels": "the same texts carry different labels: fix the labels in the file",
}


def check_min_rows(dataset: str, rows_in: dict, splits: dict, ledger: Ledger, order: list[str], min_rows: int) -> None:
    """Stop when cleaning leaves a split with fewer than ``min_rows`` rows, naming the rules that
    removed them: training on an emptied split fails later with a traceback, or not at all."""
    for split in SPLITS:
        if len(splits[split]) >= min_rows:
            continue
        removed = {name: ledger.count(name, split, "dropped") for name in order if ledger.count(name, split, "dropped")}
        by_rule = ", ".join(f"rule {name!r} dropped {n}" for name, n in sorted(removed.items(), key=lambda kv: -kv[1]))
        worst = max(removed, key=removed.get) if removed else None
        fix = _EMPTIED_FIX.get(worst, "check the source file and the cleaning settings of the rules above")
        examples = "; ".join(f"{locate(r, split)}: {r['rule']}, {visible(r['detail'])}"
                             for r in ledger.dropped_rows if r["split"] == split)[:600]
        raise DataError(
            f"datasets.{dataset}: cleaning left the {split} split with {len(splits[split])} of its {rows_in[split]} rows, "
            f"fewer than `cleaning.min_rows` ({min_rows}): {by_rule or 'no rule dropped any (the split came in short)'}. "
            f"Fix: {fix}; or lower `cleaning.min_rows`." + (f" Dropped, for example: {examples}" if examples else "")
        )


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


def notes(task: Task, rows_in_train: list[dict], splits: dict, cfg: dict, labels: list | None) -> list[str]:
    """What a reader of the cleaning report should look at though no rule acted on it."""
    out = []
    if task.texts_are_tokens and cfg["token_prefix"]["action"] == "off":
        shared = rules.shared_token_prefix(rows_in_train)
        if shared:
            out.append(f"{shared['share']:.0%} of the train tokens start with {shared['prefix']!r} (a language prefix?); "
                       "set `cleaning.token_prefix.action: repair` to strip it")
    if labels is None:  # inferred from train: a typo becomes a class of its own
        for rare, count, like, like_count in suspicious_labels(task.label_counts(splits["train"])):
            out.append(f"label {rare!r} has {count} train row(s) against {like_count} for the similar {like!r}: a typo? "
                       "Fix it in the file or with `label_map`, or list the allowed `labels` so unknown ones are caught")
    return out


def suspicious_labels(counts: dict[str, int], rare_share: float = 0.1) -> list[tuple[str, int, str, int]]:
    """(label, rows, similar label, its rows) for each label with under ``rare_share`` of the rows of
    a label whose name it nearly repeats (same letters but case, a prefix of it, or one edit away)."""
    import difflib

    found = []
    for rare, n in counts.items():
        for like, m in counts.items():
            a, b = rare.casefold(), like.casefold()
            similar = a == b or (len(a) >= 2 and b.startswith(a)) or difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
            if like != rare and n < rare_share * m and similar:
                found.append((rare, n, like, m))
                break
    return found


def build_report(dataset: str, task: Task, cfg: dict, rows_in: dict, splits: dict, ledger: Ledger, labels) -> dict:
    order = rule_order(task)
    counts = {name: {split: {"dropped": ledger.count(name, split, "dropped"),
                             "repaired": ledger.count(name, split, "repaired"),
                             **dict(ledger.counts.get(name, {}).get(split, {}))}
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
    train_in = splits["train"]
    splits, ledger = clean_splits(splits, task, settings.rules, settings.labels)
    check_min_rows(settings.dataset, rows_in, splits, ledger, rule_order(task), settings.rules["min_rows"])
    report = build_report(settings.dataset, task, settings.rules, rows_in, splits, ledger, settings.labels)
    report["notes"] = notes(task, train_in, splits, settings.rules, settings.labels)
    for note in report["notes"]:
        log.warning("%s: %s", settings.dataset, note)
    for split in SPLITS:
        write_rows(outputs[split], splits[split], task)
    write_jsonl(dropped_path, ledger.dropped_rows)
    write_json(report_json, report)
    write_text(report_md, render_markdown(report))
    return report
