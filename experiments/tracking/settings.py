"""Where runs are logged: the `tracking` block, resolved to one MLflow tracking URI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

LOCAL_STORE = "results/mlflow"  # the default store: a sqlite file and an artifact folder, no server


@dataclass(frozen=True)
class TrackingSettings:
    uri: str  # an MLflow tracking URI: sqlite:///..., http(s)://a team server, databricks, ...
    experiment: str
    strict: bool  # a logging failure fails the job (else it warns)
    artifact_root: str | None  # for an experiment this job creates in the local store; None: the server's

    @classmethod
    def from_config(cls, block: dict, workdir: str | Path = ".") -> "TrackingSettings":
        """``tracking_uri`` from the config, else $MLFLOW_TRACKING_URI, else the local store
        inside the results folder (absolute: `mlflow ui` may run from anywhere)."""
        uri = block.get("tracking_uri") or os.environ.get("MLFLOW_TRACKING_URI")
        artifacts = None
        if not uri:
            store = (Path(workdir) / LOCAL_STORE).resolve()
            uri, artifacts = f"sqlite:///{store / 'mlflow.db'}", (store / "artifacts").as_uri()
        return cls(uri, block["experiment"], bool(block["strict"]), artifacts)
