"""Data-parallel training inside a training job, on CPU with the gloo backend: 2 ranks with half the
per-rank batch train the same model as 1 process with the same global batch.

Tolerance: identical dev and test metrics, and every weight within 1e-4 of the 1-process run's. The
two runs add the same per-row gradients in a different order (each rank's mean, then gloo's
all-reduce, against one mean over the batch), so they differ by float rounding (~1e-7 relative
per step), which Adam's per-weight normalisation can enlarge for weights whose gradients are near
zero; dropout is off in the tiny model so that the ranks' different dropout masks do not count.
"""

from __future__ import annotations

import json

import pytest
import torch

from conftest import perturbation, train_config
from robust_train.distributed import Ranks
from robust_train.fine_tune import FineTuneSettings, fine_tune
from robustflow.atomic import write_json
from robustflow.rows import write_rows
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early",
         "the script is clever and moving", "bad and boring", "a fine film", "terrible ending"]
# 17 rows in global batches of 8: 8, 8 and 1, so in the last batch rank 1 has no row of its own
ROWS = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 == 0 else "neg"}
        for i, t in enumerate((TEXTS * 3)[:17])]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ddp")
    model = build_tiny_bert(root / "model", TEXTS, head="cls", num_labels=2, hidden_dropout_prob=0.0,
                            attention_probs_dropout_prob=0.0)
    for split, rows in (("train", ROWS), ("dev", ROWS[:8]), ("test", ROWS[8:])):
        write_rows(root / f"{split}.parquet", rows, "classification")
    write_json(root / "report.json", {"labels": ["neg", "pos"]})
    return root, str(model)


def run(data, tmp_path, name, method, **train):
    root, model = data
    adversarial = {"fgm": perturbation("fgm", epsilon=0.5),
                   "pgd": perturbation("pgd", epsilon=0.5, alpha=0.2, steps=2),
                   "freelb": perturbation("freelb", epsilon=0.5, alpha=0.2, steps=2)}[method]
    cfg = train_config(epochs=2, lr=1e-3, max_length=32, patience=0, seed=3, device="cpu", adversarial=adversarial,
                       **train)
    out = tmp_path / name
    fine_tune(FineTuneSettings(task_for("classification"), model, None, cfg), str(root / "train.parquet"),
              str(root / "dev.parquet"), str(root / "test.parquet"), str(root / "report.json"), str(out / "model"),
              str(out / "metrics.json"))
    return json.loads((out / "metrics.json").read_text()), out / "model"


def weights(folder):
    from safetensors.torch import load_file

    return load_file(folder / "model.safetensors")


@pytest.mark.parametrize("method", ["fgm", "pgd", "freelb"])
def test_two_gloo_ranks_train_what_one_process_trains_with_the_same_global_batch(data, tmp_path, method):
    one, one_model = run(data, tmp_path, "one", method, batch_size=8, grad_accum=2)
    two, two_model = run(data, tmp_path, "two", method, batch_size=4, grad_accum=2, processes=2)
    assert two["processes"] == 2 and "processes" not in one
    assert two["steps"] == one["steps"] == 4, "2 epochs of ceil(ceil(17 / 8) / 2) optimizer steps"
    assert two["dev"] == one["dev"] and two["test"] == one["test"] and two["best_epoch"] == one["best_epoch"]
    a, b = weights(one_model), weights(two_model)
    assert a.keys() == b.keys()
    gap = max(float((a[k] - b[k]).abs().max()) for k in a)
    assert gap < 1e-4, gap
    changed = max(float((a[k] - weights(data[0] / "model")[k]).abs().max()) for k in a if k in weights(data[0] / "model"))
    assert changed > 1e-3, "the runs trained (the comparison is not of two untouched models)"
    assert not (tmp_path / "two" / "checkpoint").exists(), "rank 0 removed the finished job's checkpoint"


def test_shards_cover_the_global_batch_and_weight_it_to_its_mean():
    batch = list(range(7))
    shards = [Ranks(rank, 3).shard(batch) for rank in range(3)]
    assert [rows for rows, _ in shards] == [[0, 1, 2], [3, 4], [5, 6]]
    # weights n_r * world / N: DDP's average of the weighted rank means is the mean over the batch
    assert [weight for _, weight in shards] == pytest.approx([9 / 7, 6 / 7, 6 / 7])
    assert sum(weight for _, weight in shards) == pytest.approx(3)
    rows, weight = Ranks(1, 2).shard([9])
    assert rows == [9] and weight == 0.0, "a rank without rows takes part with a zero-weighted row"
    assert Ranks().shard(batch) == (batch, 1.0)


def test_a_dry_run_asks_slurm_for_one_gpu_per_rank(tmp_path):
    from conftest import absolutise, repo_config, run_snakemake

    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["none"], trainsets=["clean"], processes=2, device="cuda")
    proc = run_snakemake(tmp_path, cfg, "-n", "--until", "train", "--workflow-profile", "profiles/slurm",
                         "--executor", "dryrun")
    text = proc.stdout + proc.stderr
    assert "gpu=2" in text.replace(" ", ""), text[-3000:]


def test_more_ranks_than_gpus_is_a_clear_error():
    from robust_train.distributed import launch
    from robustflow.errors import ConfigError

    if torch.cuda.device_count() >= 64:
        pytest.skip("a machine with 64 GPUs")
    with pytest.raises(ConfigError, match="needs 64 GPUs"):
        launch(64, "cuda", print)


JOB = """
import json, logging, sys
sys.path[:0] = {paths!r}
from conftest import perturbation, train_config
from robust_train.fine_tune import FineTuneSettings, fine_tune
from robustflow.tasks import task_for
logging.basicConfig(filename={log!r}, level=logging.INFO)
cfg = train_config(epochs=3, lr=1e-3, max_length=32, patience=0, seed=3, device="cpu", batch_size=4, processes=2,
                   adversarial=perturbation("fgm", epsilon=0.5))
root = {root!r}
fine_tune(FineTuneSettings(task_for("classification"), {model!r}, None, cfg), root + "/big.parquet",
          root + "/dev.parquet", root + "/test.parquet", root + "/report.json", {out!r} + "/model", {out!r} + "/metrics.json")
"""


def test_a_killed_two_rank_job_resumes_from_its_checkpoint_and_ends_as_an_uninterrupted_one(data, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import LOCAL_ENV, REPO

    root, model = data
    write_rows(root / "big.parquet", [{**r, "id": f"{r['id']}-{k}"} for k in range(8) for r in ROWS], "classification")

    def job(name):
        out, log = tmp_path / name, tmp_path / f"{name}.log"
        script = tmp_path / f"{name}.py"
        script.write_text(JOB.format(paths=[str(REPO), str(REPO / "tests")], log=str(log), root=str(root), model=model,
                                     out=str(out)))
        return out, log, [sys.executable, str(script)]

    whole, _, cmd = job("whole")
    subprocess.run(cmd, check=True, env=LOCAL_ENV, timeout=600)
    killed, log, cmd = job("killed")
    proc = subprocess.Popen(cmd, env=LOCAL_ENV, start_new_session=True)
    state = killed / "checkpoint" / "state.json"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if state.is_file() and json.loads(state.read_text())["state"]["epoch"] >= 1:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the job ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the launcher and both ranks at once
    proc.wait()
    assert not (killed / "metrics.json").exists() and not (killed / "model").exists()
    subprocess.run(cmd, check=True, env=LOCAL_ENV, timeout=600)
    assert "resuming from" in log.read_text()
    a, b = json.loads((whole / "metrics.json").read_text()), json.loads((killed / "metrics.json").read_text())
    assert a["dev"] == b["dev"] and a["test"] == b["test"] and a["history"] == b["history"]
    wa, wb = weights(whole / "model"), weights(killed / "model")
    assert max(float((wa[k] - wb[k]).abs().max()) for k in wa) < 1e-6


@pytest.mark.workflow
def test_a_training_job_of_the_workflow_trains_on_two_ranks(tmp_path):
    from conftest import absolutise, repo_config, run_snakemake

    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["fgm"], trainsets=["clean"], processes=2, device="cpu", batch_size=4)
    run_snakemake(tmp_path, cfg, "--until", "train")
    run = tmp_path / "results/train/tiny/clean/fgm/seed7"
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["device"] == "cpu" and 0 <= metrics["test"]["accuracy"] <= 1
    assert (run / "model/model.safetensors").is_file() and not (run / "checkpoint").exists()
    log = (tmp_path / "logs/train/tiny/clean/fgm/seed7.log").read_text()
    assert "rank 0 INFO" in log and "epoch 0 dev" in log
