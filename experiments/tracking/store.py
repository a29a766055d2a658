"""Logging records to MLflow (client API: one code path for the local store and a server).

A record already logged with the same digest is not logged again; a changed one gets a new run
and the key's earlier runs are tagged robustflow.current=false. Failures warn, or raise in strict
mode; either way the job's log says which records were not logged and how to retry."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from experiments.tracking.records import artifact_files
from experiments.tracking.settings import TrackingSettings
from robustflow.errors import ResourceError

log = logging.getLogger(__name__)
MAX_PARAM = 6000  # MLflow's limit on a param value
BATCH = {"metrics": 1000, "params": 100}  # MLflow's log_batch limits


class TrackingError(ResourceError):
    """The tracking store could not be reached or refused a run."""


def _fail_fast_http() -> None:
    """MLflow retries an unreachable server with exponential backoff for minutes by default; a
    user's own setting wins."""
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


def _experiment_id(client, s: TrackingSettings) -> str:
    exp = client.get_experiment_by_name(s.experiment)
    if exp is None:
        return client.create_experiment(s.experiment, artifact_location=s.artifact_root)
    if exp.lifecycle_stage == "deleted":
        raise TrackingError(f"MLflow experiment '{s.experiment}' at {s.uri} is deleted. Fix: restore it "
                            f"(`mlflow experiments restore --experiment-id {exp.experiment_id}`) or set "
                            "`tracking.experiment` to another name")
    return exp.experiment_id


def _logged_runs(client, experiment_id: str) -> list:
    runs, token = [], None
    while True:
        page = client.search_runs([experiment_id], max_results=1000, page_token=token)
        runs += [r for r in page if "robustflow.key" in r.data.tags]
        token = page.token
        if not token:
            return runs


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _log_artifacts(client, run_id: str, artifacts: dict[str, str]) -> None:
    """Each file under its artifact path (a staging copy renames it: log_artifact keeps the name)."""
    with tempfile.TemporaryDirectory(prefix="robustflow-track-") as tmp:
        for rel, f in (pair for name, path in sorted(artifacts.items()) for pair in artifact_files(name, path)):
            staged = Path(tmp) / rel
            staged.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, staged)
        client.log_artifacts(run_id, tmp)


def _log_run(client, experiment_id: str, record: dict) -> str:
    from mlflow.entities import Metric, Param

    tags = {**record["tags"], "robustflow.key": record["key"], "robustflow.digest": record["digest"],
            "robustflow.current": "true"}
    run = client.create_run(experiment_id, tags=tags, run_name=record["name"])
    run_id = run.info.run_id
    try:
        now = int(time.time() * 1000)
        params = [Param(k, v if len(v) <= MAX_PARAM else v[:MAX_PARAM - 1] + "…") for k, v in sorted(record["params"].items())]
        metrics = [Metric(k, v, now, 0) for k, v in sorted(record["metrics"].items())]
        metrics += [Metric(k, v, now, step) for k, points in sorted(record["series"].items()) for step, v in points]
        for chunk in _chunks(params, BATCH["params"]):
            client.log_batch(run_id, params=chunk)
        for chunk in _chunks(metrics, BATCH["metrics"]):
            client.log_batch(run_id, metrics=chunk)
        _log_artifacts(client, run_id, record["artifacts"])
        client.set_tag(run_id, "robustflow.logged", "complete")
        client.set_terminated(run_id, "FINISHED")
    except BaseException:
        client.set_terminated(run_id, "FAILED")  # a half-logged run is marked, never left looking finished
        raise
    return run_id


def log_records(s: TrackingSettings, records: list[dict]) -> list[dict]:
    """Log ``records``; return one entry per record: key, digest, run_id, status (logged, unchanged
    or failed with its error)."""
    _fail_fast_http()
    results: list[dict] = []
    try:
        from mlflow.tracking import MlflowClient

        if s.uri.startswith("sqlite:///"):
            Path(s.uri[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        client = MlflowClient(s.uri)
        experiment_id = _experiment_id(client, s)
        earlier = _logged_runs(client, experiment_id)
    except Exception as exc:  # noqa: BLE001 - any store failure is reported the same way
        return _failed(s, records, exc)
    complete = {r.data.tags["robustflow.digest"]: r.info.run_id for r in earlier
                if r.data.tags.get("robustflow.logged") == "complete" and r.info.status == "FINISHED"}
    for record in records:
        entry = {"key": record["key"], "digest": record["digest"]}
        if record["digest"] in complete:
            results.append({**entry, "run_id": complete[record["digest"]], "status": "unchanged"})
            continue
        try:
            run_id = _log_run(client, experiment_id, record)
            for old in earlier:
                if old.data.tags.get("robustflow.key") == record["key"] and old.data.tags.get("robustflow.current") == "true":
                    client.set_tag(old.info.run_id, "robustflow.current", "false")
        except Exception as exc:  # noqa: BLE001
            results += _failed(s, [record], exc)
            continue
        results.append({**entry, "run_id": run_id, "status": "logged"})
    return results


def _failed(s: TrackingSettings, records: list[dict], exc: Exception) -> list[dict]:
    if isinstance(exc, ImportError):
        fix = "`pip install -e '.[tracking]'` (setup.sh installs it unless --no-tracking), or set tracking.enabled: false"
    else:
        fix = "check that the store or server is reachable (or set `tracking.tracking_uri`)"
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    message = (f"MLflow tracking at {s.uri} failed for {len(records)} run(s) ({type(exc).__name__}: {first_line}). "
               f"Fix: {fix}, then log them with `snakemake --forcerun track`")
    if s.strict:
        raise TrackingError(message + "; `tracking.strict: true` made this an error") from exc
    log.warning("%s; the workflow goes on (`tracking.strict: true` would make this an error)", message)
    return [{"key": r["key"], "digest": r["digest"], "run_id": None, "status": "failed", "error": repr(exc)[:500]}
            for r in records]
