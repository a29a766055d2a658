"""The `track` job: build the records of this run's models, search trials and report, log them."""

from __future__ import annotations

import logging
from collections import Counter

from experiments.search.promote import promoted_params
from experiments.tracking.records import file_digest, model_record, report_record, trial_records
from experiments.tracking.settings import TrackingSettings
from experiments.tracking.store import log_records
from robustflow.atomic import write_json
from robustflow.variants import SEARCH

log = logging.getLogger(__name__)


def build_records(spec: dict) -> list[dict]:
    """``spec``: {datasets: {name: {splits: [clean split files], runs: [...], search: best.json or None}},
    code: {train, evaluate}, report: {html, summary, gates, plots}} (rules/track.smk)."""
    records = []
    for dataset, ds in spec["datasets"].items():
        fingerprint = file_digest(ds["splits"])
        for run in ds["runs"]:
            if run["method"] == SEARCH and run["trainset"] != "existing":  # trained with its best trial's settings
                run = {**run, "params": promoted_params(run["params"], ds["search"])}
            records.append(model_record({**run, "dataset": dataset}, spec["code"], fingerprint))
        if ds.get("search"):
            records += trial_records(dataset, ds["search"])
    if spec.get("report"):
        records.append(report_record(spec["report"], sorted(spec["datasets"])))
    return records


def track(spec: dict, block: dict, out_path: str) -> list[dict]:
    settings = TrackingSettings.from_config(block)
    records = build_records(spec)
    log.info("tracking %d run(s) to %s, experiment '%s'", len(records), settings.uri, settings.experiment)
    results = log_records(settings, records)
    counts = Counter(r["status"] for r in results)
    log.info("MLflow: %s", ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
    write_json(out_path, {"tracking_uri": settings.uri, "experiment": settings.experiment,
                          "counts": dict(sorted(counts.items())), "runs": results})
    return results
