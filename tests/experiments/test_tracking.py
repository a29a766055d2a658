"""MLflow tracking against the real thing: an `mlflow server` (sqlite backend, local port) started
here, a tiny workflow logging to it, read back through MLflow's client; then the local store, and
what an unreachable server does in lenient and strict mode."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import run_snakemake

pytest.importorskip("mlflow")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("mlflow_server")
    port = _free_port()
    # No job runner: the server's background job consumers are not needed to log runs.
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    log = open(root / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
                             "--artifacts-destination", str(root / "artifacts"), "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "1"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 180
    while True:
        try:
            if urllib.request.urlopen(f"{url}/health", timeout=2).read() == b"OK":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            raise AssertionError(f"mlflow server did not start:\n{(root / 'server.log').read_text()[-3000:]}")
        time.sleep(0.5)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


def _runs(uri: str) -> dict:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    exp = client.get_experiment_by_name("robustflow")
    return {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}


def _planned(dry: str) -> list[str]:
    return sorted(line.split()[1].rstrip(":") for line in dry.splitlines() if line.startswith(("rule ", "localrule ")))


MODELS = ["tiny/adversarial/fgm/seed7", "tiny/adversarial/none/seed7", "tiny/clean/fgm/seed7", "tiny/clean/none/seed7"]


@pytest.mark.workflow
def test_a_tiny_workflow_logs_every_run_to_an_mlflow_server_and_reruns_log_only_changes(classification_chain_copy,
                                                                                         mlflow_server):
    """Tracking switched on for a finished chain: only the track job runs, and it logs every model
    and the report."""
    from mlflow.tracking import MlflowClient

    chain = classification_chain_copy
    tmp_path, res, cfg = chain.workdir, chain.results, chain.config
    cfg["tracking"] = {"enabled": True, "tracking_uri": mlflow_server}
    assert _planned(run_snakemake(tmp_path, cfg, "-n").stdout) == ["all", "track"]
    run_snakemake(tmp_path, cfg)
    client = MlflowClient(mlflow_server)
    runs = _runs(mlflow_server)
    assert sorted(runs) == ["report", *MODELS]
    assert all(r.info.status == "FINISHED" for r in runs.values())
    fgm = runs["tiny/clean/fgm/seed7"]
    # params: the resolved settings, the data fingerprint, the code digest, the seed
    p = fgm.data.params
    assert p["train.method"] == "fgm" and p["seed"] == "7" and p["train.lr"] == "0.0001"
    assert "train.fgm.epsilon" in p and "train.pgd.epsilon" not in p, "only the method's own block"
    assert len(p["data.fingerprint"]) == 16 and len(p["code.train"]) == 16 and p["model.name_or_path"] == "minilm"
    # tags: dataset, trainset, method, seed
    assert {k: fgm.data.tags[k] for k in ("dataset", "trainset", "method", "seed", "robustflow.stage")} == {
        "dataset": "tiny", "trainset": "clean", "method": "fgm", "seed": "7", "robustflow.stage": "model"}
    # per-step curves, one point per optimiser step; metrics equal to the artifacts on disk
    metrics = json.loads((res / "train/tiny/clean/fgm/seed7/metrics.json").read_text())
    evaluation = json.loads((res / "evaluate/tiny/clean/fgm/seed7.json").read_text())
    for key in ("clean_loss", "adv_loss", "delta_norm", "lr"):
        history = client.get_metric_history(fgm.info.run_id, f"step.{key}")
        assert [m.step for m in history] == [c["step"] for c in metrics["curve"]]
        assert [m.value for m in history] == pytest.approx([c[key] for c in metrics["curve"]])
    m = fgm.data.metrics
    assert m["eval.clean.accuracy"] == pytest.approx(evaluation["clean"]["accuracy"])
    assert m["eval.attacks.deepwordbug.metric_under_attack"] == pytest.approx(
        evaluation["attacks"]["deepwordbug"]["metric_under_attack"])
    assert m["eval.calibration.ece"] == pytest.approx(evaluation["calibration"]["ece"])
    assert m["train.test.accuracy"] == pytest.approx(metrics["test"]["accuracy"])
    # artifacts: the JSON files, byte for byte; the report with its plots
    local = client.download_artifacts(fgm.info.run_id, "evaluation.json", str(tmp_path / "dl"))
    assert open(local, "rb").read() == (res / "evaluate/tiny/clean/fgm/seed7.json").read_bytes()
    report = [a.path for a in client.list_artifacts(runs["report"].info.run_id)]
    assert {"report.html", "summary.json", "plots"} <= set(report)
    logged = json.loads((res / "mlflow/logged.json").read_text())
    assert logged["counts"] == {"logged": 5}

    # a rerun of the track job logs nothing new
    run_snakemake(tmp_path, cfg, "--forcerun", "track")
    assert json.loads((res / "mlflow/logged.json").read_text())["counts"] == {"unchanged": 5}
    assert len(_runs(mlflow_server)) == 5

    # the local store (the default): changing the tracking settings reruns only the track job
    cfg["tracking"] = {"enabled": True}
    assert _planned(run_snakemake(tmp_path, cfg, "-n").stdout) == ["all", "track"]
    run_snakemake(tmp_path, cfg)
    local_runs = _runs(f"sqlite:///{res}/mlflow/mlflow.db")
    assert sorted(local_runs) == ["report", *MODELS]
    assert local_runs["tiny/clean/fgm/seed7"].data.metrics == fgm.data.metrics

    # an unreachable server: lenient tracking warns and the run goes on; strict tracking fails it
    dead = f"http://127.0.0.1:{_free_port()}"
    cfg["tracking"] = {"enabled": True, "tracking_uri": dead}
    proc = run_snakemake(tmp_path, cfg)
    assert json.loads((res / "mlflow/logged.json").read_text())["counts"] == {"failed": 5}
    assert f"MLflow tracking at {dead} failed for 5 run(s)" in (tmp_path / "logs/track.log").read_text()
    assert "snakemake --forcerun track" in proc.stderr
    cfg["tracking"]["strict"] = True
    proc = run_snakemake(tmp_path, cfg, check=False)
    assert proc.returncode != 0
    assert "`tracking.strict: true` made this an error" in proc.stderr
    assert not (res / "mlflow/logged.json").exists(), "a failed track job leaves no output that looks complete"


def test_a_changed_record_gets_a_new_run_and_the_old_one_stays_tagged_not_current(tmp_path):
    from mlflow.tracking import MlflowClient

    from experiments.tracking.records import sealed
    from experiments.tracking.settings import TrackingSettings
    from experiments.tracking.store import log_records

    (tmp_path / "m.json").write_text('{"a": 1}')
    settings = TrackingSettings.from_config({"tracking_uri": None, "experiment": "e", "strict": True}, tmp_path)

    def record(epsilon):
        return sealed({"key": "model/x", "name": "x", "tags": {"method": "fgm"}, "params": {"train.fgm.epsilon": epsilon},
                       "metrics": {"eval.clean.accuracy": 0.5}, "series": {"step.lr": [[1, 0.1], [2, 0.05]]},
                       "artifacts": {"metrics.json": str(tmp_path / "m.json")}})

    assert [r["status"] for r in log_records(settings, [record("0.1")])] == ["logged"]
    assert [r["status"] for r in log_records(settings, [record("0.1")])] == ["unchanged"]
    assert [r["status"] for r in log_records(settings, [record("0.5")])] == ["logged"]
    client = MlflowClient(settings.uri)
    runs = client.search_runs([client.get_experiment_by_name("e").experiment_id])
    assert sorted((r.data.params["train.fgm.epsilon"], r.data.tags["robustflow.current"]) for r in runs) == [
        ("0.1", "false"), ("0.5", "true")]
    assert [m.step for m in client.get_metric_history(runs[0].info.run_id, "step.lr")] == [1, 2]


def test_the_tracking_uri_comes_from_the_config_then_the_environment_then_the_local_store(tmp_path, monkeypatch):
    from experiments.tracking.settings import TrackingSettings

    block = {"tracking_uri": None, "experiment": "e", "strict": False}
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    local = TrackingSettings.from_config(block, tmp_path)
    assert local.uri == f"sqlite:///{tmp_path}/results/mlflow/mlflow.db"
    assert local.artifact_root == (tmp_path / "results/mlflow/artifacts").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://team:5000")
    assert TrackingSettings.from_config(block, tmp_path).uri == "http://team:5000"
    assert TrackingSettings.from_config({**block, "tracking_uri": "http://other:5000"}, tmp_path).uri == "http://other:5000"
    assert TrackingSettings.from_config(block, tmp_path).artifact_root is None, "a server keeps its own artifact root"


def test_search_trials_become_runs_with_their_settings_and_the_best_marked(tmp_path):
    from experiments.tracking.records import trial_records

    def trial(number, value, state="COMPLETE"):
        return {"number": number, "state": state, "value": value, "settings": {"epsilon": 0.1 * (number + 1)},
                "values": {"dev": 0.8, "under_attack": value or 0.0, "constraints": [-0.1]}}

    best = {"study": "tiny-abc", "method": "pgd", "objective": {"maximize": "under_attack"},
            "best": {"number": 1}, "table": [trial(0, 0.3), trial(1, 0.5), trial(2, None, "PRUNED")]}
    path = tmp_path / "best.json"
    path.write_text(json.dumps(best))
    records = trial_records("tiny", str(path))
    assert [r["name"] for r in records] == [f"tiny/search/tiny-abc/trial{n}" for n in range(3)]
    assert [r["tags"]["best"] for r in records] == ["false", "true", "false"]
    assert records[1]["params"]["search.epsilon"] == "0.2" and records[1]["metrics"]["objective"] == 0.5
    assert records[1]["metrics"]["dev_trial.constraint0"] == -0.1
    assert "objective" not in records[2]["metrics"] and records[2]["tags"]["state"] == "PRUNED"
    assert len({r["digest"] for r in records}) == 3


def test_strict_tracking_without_mlflow_installed_is_a_config_error_when_the_dag_is_built(monkeypatch):
    import importlib.util

    from experiments.environment import tracking_problems

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    assert tracking_problems({"enabled": True, "strict": False}) == [], "lenient: the track job warns instead"
    assert tracking_problems({"enabled": False, "strict": True}) == []
    (problem,) = tracking_problems({"enabled": True, "strict": True})
    assert "MLflow is not installed" in problem and "pip install -e '.[tracking]'" in problem
