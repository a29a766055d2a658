"""The tiny workflow through profiles/slurm on a real single-node SLURM (tests/cluster/local_slurm.sh).

Skipped where SLURM is not installed (`bash tests/cluster/local_slurm.sh install`, root). One run
covers what a cluster user relies on: jobs go through sbatch (sacct lists them), a job killed for
memory comes back with the profile's bigger request, a run interrupted half-way resumes without
redoing finished jobs, and the artifacts are the ones a local run writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SNAKEMAKE, absolutise, repo_config, run_snakemake

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]
HARNESS = REPO / "tests" / "cluster" / "local_slurm.sh"
# Fits the 2-CPU test node. The suite job peaks near 490-525 MB (sacct MaxRSS, sampled each second):
# its first attempt gets half of that on purpose, the second four times as much (a linear 2x left
# the retry within the sampling noise of the limit, and SLURM killed it too once).
NODE_FIT = ["train:cpus_per_task=2", "train:mem_mb=4000*attempt", "evaluate:cpus_per_task=2",
            "perturb_suite:mem_mb=250*attempt**2"]


@pytest.fixture(scope="module")
def slurm():
    if shutil.which("slurmctld") is None or shutil.which("sbatch") is None:
        pytest.skip("SLURM is not installed (root: bash tests/cluster/local_slurm.sh install)")
    if os.geteuid() != 0:
        pytest.skip("the local SLURM harness starts system daemons: run as root")
    subprocess.run(["bash", str(HARNESS), "start"], check=True, capture_output=True, text=True)


def tiny_config() -> dict:
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["none"], trainsets=["clean", "adversarial"], device="cpu")
    cfg["attack"].update(recipes={"deepwordbug": {"type": "deepwordbug"}}, device="cpu")
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.2}}}
    return cfg


def slurm_command(workdir: Path, config: Path) -> list[str]:
    return [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--configfile", str(config),
            "--workflow-profile", str(REPO / "profiles" / "slurm"), "--jobs", "4",
            "--slurm-init-seconds-before-status-checks", "2", "--set-resources", *NODE_FIT,
            "--set-threads", "train=1"]  # the local run's training threads (train.threads), hence its bits


def sacct_jobs(since: str) -> list[dict]:
    """SLURM's accounting of the jobs submitted since then; the plugin's comment names rule and wildcards."""
    out = subprocess.run(["sacct", "-n", "-X", "-P", "-S", since, "-o", "JobID,State,Comment,ReqMem"],
                         check=True, capture_output=True, text=True).stdout
    jobs = []
    for line in out.splitlines():
        job_id, state, comment, mem = line.split("|")
        rule, _, wildcards = comment.removeprefix("rule_").partition("_wildcards_")
        jobs.append({"id": job_id, "state": state, "rule": rule, "wildcards": wildcards, "mem": mem})
    return jobs


def artifacts(root: Path) -> dict[str, bytes]:
    """Every result file except those that record how long jobs took (training metrics, the report)."""
    timed = ("metrics.json", "results/report/")
    return {str(p.relative_to(root)): p.read_bytes() for p in (root / "results").rglob("*")
            if p.is_file() and not any(t in str(p.relative_to(root)) for t in timed)}


def finished_outputs(log: str) -> dict[str, list[str]]:
    """Outputs of the jobs a snakemake log reports finished, by rule (from its job blocks)."""
    outputs, rules, last = {}, {}, []
    for line in log.splitlines():
        line = line.strip()
        if line.startswith("output: "):
            last = line.removeprefix("output: ").split(", ")
        elif line.startswith("jobid: ") and last:
            outputs.setdefault(line.removeprefix("jobid: "), last)
    for job, rule in re.findall(r"Finished jobid: (\d+) \(Rule: (\w+)\)", log):
        rules.setdefault(rule, []).extend(outputs.get(job, []))
    return rules


def files_under(root: Path, paths: list[str]) -> list[Path]:
    found = []
    for rel in paths:
        p = root / rel
        found += [f for f in p.rglob("*") if f.is_file()] if p.is_dir() else [p]
    return found


def default_sigint() -> None:
    """Ctrl-C reaches snakemake even when the tests run in a background job: a shell without job
    control starts those with SIGINT ignored, children inherit it, and Python keeps it ignored (CI
    launched that way once saw snakemake ignore the interrupt and run to the end)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_tiny_workflow_on_slurm_retries_resumes_and_matches_a_local_run(tmp_path, slurm):
    cfg = tiny_config()
    local, cluster = tmp_path / "local", tmp_path / "cluster"
    local.mkdir(), cluster.mkdir()
    run_snakemake(local, cfg)
    config = cluster / "config.yaml"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    since = time.strftime("%Y-%m-%dT%H:%M:%S")

    # First run: interrupted (Ctrl-C) as soon as snakemake has registered the baseline model and the
    # (retried) suite as done; the plugin scancels the jobs still running. Waiting for the suite too
    # keeps the interrupt from racing its retry, which waits for the training job's CPUs.
    first_log = cluster / "first.log"
    with first_log.open("w") as out:
        first = subprocess.Popen(slurm_command(cluster, config), cwd=cluster, stdout=out, stderr=subprocess.STDOUT,
                                 text=True, preexec_fn=default_sigint)
        deadline = time.monotonic() + 600
        while first.poll() is None and time.monotonic() < deadline:
            done = finished_outputs(first_log.read_text())
            if any("/clean/none/" in path for path in done.get("train", [])) and "perturb_suite" in done:
                break
            time.sleep(1)
        assert first.poll() is None, f"the first run ended before the baseline:\n{first_log.read_text()[-4000:]}"
        first.send_signal(signal.SIGINT)
        first.wait(timeout=180)
    log = first_log.read_text()
    assert first.returncode != 0 and "Terminating processes on user request" in log, \
        f"the first run was meant to be interrupted:\n{log[-3000:]}"
    done = finished_outputs(log)
    finished = {p: p.stat().st_mtime_ns for p in files_under(cluster, [o for outs in done.values() for o in outs])}
    assert finished and {"clean", "train", "perturb_suite"} <= done.keys()
    time.sleep(1)  # sacct's -S has one-second resolution
    resumed_at = time.strftime("%Y-%m-%dT%H:%M:%S")

    # Second run: resumes (the profile sets rerun-incomplete); nothing that finished is recomputed.
    second = subprocess.run(slurm_command(cluster, config), cwd=cluster, capture_output=True, text=True)
    assert second.returncode == 0, f"{second.stdout[-3000:]}\n{second.stderr[-5000:]}"
    assert [str(p) for p, t in finished.items() if p.stat().st_mtime_ns != t] == [], "finished jobs were recomputed"
    resubmitted = {j["rule"] for j in sacct_jobs(resumed_at)}
    assert resubmitted and "prepare_clean_ingest" not in resubmitted

    # Every job outside localrules went through sbatch (sacct lists it under its rule or group); the
    # suite job was killed by SLURM for exceeding its memory and came back with the bigger request.
    jobs = sacct_jobs(since)
    assert {"prepare_clean_ingest", "augment", "suites_perturb_suite", "train", "attack_shard", "evaluate"} == \
        {j["rule"] for j in jobs}
    suite_jobs = [j for j in jobs if j["rule"] == "suites_perturb_suite"]
    assert ("FAILED", "250M") in [(j["state"], j["mem"]) for j in suite_jobs]
    assert {j["mem"] for j in suite_jobs if j["state"] == "FAILED"} == {"250M"}
    assert (suite_jobs[-1]["state"], suite_jobs[-1]["mem"]) == ("COMPLETED", "1000M")
    oom = next(j for j in suite_jobs if j["state"] == "FAILED")
    assert "Exceeded job memory limit" in (cluster / f"logs/slurm/group_suites_perturb_suite/{oom['id']}.log").read_text()
    assert any(j["state"].startswith("CANCELLED") for j in jobs), "the interrupt cancelled the running jobs"

    # Same artifacts as the local run.
    want, got = artifacts(local), artifacts(cluster)
    assert want.keys() == got.keys()
    assert [f for f in want if want[f] != got[f]] == []
    for metrics in local.glob("results/train/**/metrics.json"):
        other = json.loads((cluster / metrics.relative_to(local)).read_text())
        assert json.loads(metrics.read_text())["test"] == other["test"]


def test_cluster_generic_profile_submits_through_sbatch(tmp_path, slurm):
    """profiles/cluster-generic: submit, status and cancel commands around sbatch / sacct / scancel."""
    cfg = tiny_config()
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    since = time.strftime("%Y-%m-%dT%H:%M:%S")
    proc = subprocess.run([*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--configfile", str(config),
                           "--workflow-profile", str(REPO / "profiles" / "cluster-generic"), "--jobs", "2",
                           "--until", "augment"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    out = subprocess.run(["sacct", "-n", "-X", "-P", "-S", since, "-o", "JobName,State"], check=True,
                         capture_output=True, text=True).stdout.split()
    assert {"robustflow-ingest|COMPLETED", "robustflow-clean|COMPLETED", "robustflow-augment|COMPLETED"} <= set(out)
    assert (tmp_path / "results/augment/tiny/typos.parquet").exists()
