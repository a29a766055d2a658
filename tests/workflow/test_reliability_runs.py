"""Faults of issue 18 in runs (the numbers are the issue's): configured paths checked when the DAG
is built, a rerun after kill -9 that just works, training resumed after its last epoch equal to an
uninterrupted run, output modes, and words cut by max_length shown."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from conftest import LOCAL_ENV, SNAKEMAKE, REPO, absolutise, perturbation, repo_config, run_snakemake, train_config, without_training
from robustflow.atomic import atomic_dir
from experiments.environment import model_problem
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early"]
CLS = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 == 0 else "neg"} for i, t in enumerate(TEXTS * 4)]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    corpus = TEXTS + ["ann met bo in oslo and paris"]
    return {"cls": str(build_tiny_bert(root / "cls", corpus, head="cls", num_labels=2, whole_words=True)),
            "ner": str(build_tiny_bert(root / "ner", corpus, head="ner", num_labels=5, whole_words=True))}


def files_of(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---- 6. model references are checked at config time -----------------------------------------

def test_6_missing_model_folders_and_offline_hub_ids_are_config_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    for name in ("./models/mine", str(tmp_path / "nope"), "results/train/model", "~/no/such/model"):
        problem = model_problem("model.name_or_path", name)
        assert problem.startswith(f"`model.name_or_path`: the model folder {name} does not exist"), problem
    (tmp_path / "empty").mkdir()
    assert "without config.json" in model_problem("model.name_or_path", "empty")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    problem = model_problem("attack.recipes.x.mlm", "someorg/somemodel")
    assert "is a hub id, and this machine is offline (HF_HUB_OFFLINE)" in problem and "save_pretrained" in problem
    assert model_problem("model.name_or_path", "minilm") is None


# ---- 2 and 6 and 8 in the workflow: checked when the DAG is built -----------------------------

@pytest.mark.workflow
def test_2_6_8_paths_are_checked_when_the_dag_is_built(tmp_path):
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    run_snakemake(tmp_path, cfg, "--until", "clean")
    assert (tmp_path / "results/clean/tiny/train.parquet").is_file()
    moved = json.loads(json.dumps(cfg))
    missing = str(tmp_path / "gone" / "train.csv")
    moved["datasets"]["tiny"]["source"]["files"]["train"] = missing
    proc = run_snakemake(tmp_path, moved, "-n", check=False)  # results exist: Snakemake alone would plan on them
    assert proc.returncode != 0
    assert f"`datasets.tiny.source.files.train`: {missing} does not exist" in (proc.stdout + proc.stderr)
    assert f"config ({tmp_path / 'config.yaml'})" in (proc.stdout + proc.stderr)  # 8: the error names the config file
    bad_model = json.loads(json.dumps(cfg))
    bad_model["model"]["name_or_path"] = "./my-models/bert"
    proc = run_snakemake(tmp_path, bad_model, "-n", check=False)
    assert proc.returncode != 0 and "`model.name_or_path`: the model folder ./my-models/bert does not exist" in (proc.stdout + proc.stderr)
    hub = json.loads(json.dumps(cfg))
    hub["model"]["name_or_path"] = "someorg/somemodel"
    env = {**LOCAL_ENV, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    proc = run_snakemake(tmp_path, hub, "-n", check=False, env=env)
    assert proc.returncode != 0 and "'someorg/somemodel' is not a local folder, so it is a hub id" in (proc.stdout + proc.stderr)
    assert "Traceback" not in (proc.stdout + proc.stderr)


# ---- 12. a rerun after kill -9 just works -------------------------------------------------------

@pytest.mark.workflow
def test_12_a_rerun_after_kill_9_needs_no_flags(tmp_path):
    cfg = without_training(absolutise(repo_config("tiny_classification")))
    (tmp_path / "config.yaml").write_text(json.dumps(cfg))
    cmd = [*SNAKEMAKE, "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--cores", "2", "--configfile",
           str(tmp_path / "config.yaml")]
    with open(tmp_path / "killed.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                env=LOCAL_ENV)
    incomplete = tmp_path / ".snakemake" / "incomplete"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not (incomplete.is_dir() and any(incomplete.iterdir())):
        assert proc.poll() is None, (tmp_path / "killed.log").read_text()
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole run at once, jobs included: a crash, not a Ctrl-C
    proc.wait()
    assert list((tmp_path / ".snakemake" / "locks").glob("*.lock")), "the killed run should have left its lock"
    again = run_snakemake(tmp_path, cfg)  # no --unlock, no --rerun-incomplete
    assert "removed the lock left by a Snakemake run that no longer exists" in again.stderr
    assert (tmp_path / "results/augment/tiny/report.json").is_file()
    assert "Nothing to be done" in run_snakemake(tmp_path, cfg, "-n").stdout


def test_12_a_live_run_keeps_its_lock(tmp_path):
    from experiments.locks import record_owner, release_stale_lock

    meta = tmp_path / ".snakemake"
    record_owner(meta)
    (meta / "locks").mkdir()
    (meta / "locks" / "0.input.lock").write_text("x")
    live = subprocess.Popen(["bash", "-c", "exec -a snakemake sleep 30"])
    cmdline = Path(f"/proc/{live.pid}/cmdline")
    deadline = time.monotonic() + 30  # until the exec: a forked child shows its parent's command line
    while time.monotonic() < deadline and not cmdline.read_bytes().startswith(b"snakemake"):
        time.sleep(0.01)
    try:
        (meta / "robustflow-lock-owner.json").write_text(json.dumps({"host": os.uname().nodename, "pid": live.pid}))
        assert release_stale_lock(meta) is None and (meta / "locks" / "0.input.lock").exists()
        (meta / "robustflow-lock-owner.json").write_text(json.dumps({"host": "another-node", "pid": 1}))
        assert release_stale_lock(meta) is None and (meta / "locks" / "0.input.lock").exists()
    finally:
        live.kill()
        live.wait()
    (meta / "robustflow-lock-owner.json").write_text(json.dumps({"host": os.uname().nodename, "pid": live.pid}))
    assert "no longer exists" in release_stale_lock(meta) and not (meta / "locks" / "0.input.lock").exists()


# ---- 13. a job resumed after its last epoch writes what an uninterrupted one writes ---------------

@pytest.mark.parametrize("kill_after", [0, 1])  # 1: after the last epoch, before the model was saved
def test_13_resumed_training_equals_an_uninterrupted_run_byte_for_byte(models, tmp_path, caplog, kill_after):
    from robust_train.trainer import train

    cfg = train_config(epochs=2, batch_size=4, lr=1e-3, max_length=32, patience=0, seed=5,
                       adversarial=perturbation("fgm", epsilon=0.5))
    straight = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg, tmp_path / "s/model",
                     tmp_path / "s/ckpt", test_rows=CLS[:8])

    class Killed(Exception):
        pass

    def kill(epoch):
        if epoch == kill_after:
            raise Killed

    with pytest.raises(Killed):
        train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg, tmp_path / "k/model",
              tmp_path / "k/ckpt", after_epoch=kill, test_rows=CLS[:8])
    timing: dict = {}
    with caplog.at_level(logging.INFO, logger="robust_train.trainer"):
        resumed = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg, tmp_path / "k/model",
                        tmp_path / "k/ckpt", test_rows=CLS[:8], timing=timing)
    assert f"epoch(s) 0-{kill_after} done of 2" in caplog.text
    assert json.dumps(resumed, sort_keys=True) == json.dumps(straight, sort_keys=True)
    assert files_of(tmp_path / "k/model") == files_of(tmp_path / "s/model")
    assert json.loads((tmp_path / "k/model/config.json").read_text())["problem_type"] == "single_label_classification"
    assert timing["epochs_this_run"] == 1 - kill_after and "train_seconds_this_run" not in resumed


# ---- 15. outputs get the usual file modes ---------------------------------------------------------

def test_15_files_written_inside_an_atomic_dir_get_the_usual_modes(tmp_path):
    umask = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "model") as tmp:
            (tmp / "model.safetensors").write_bytes(b"x")
            os.chmod(tmp / "model.safetensors", 0o600)  # what safetensors does
            (tmp / "sub").mkdir(mode=0o700)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "model/model.safetensors").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "model/sub").stat().st_mode) == 0o755


# ---- 16. words cut by max_length: a warning in the log, counts in the evaluation and report ---------

def test_16_words_cut_by_max_length_are_counted_warned_and_shown(models, tmp_path, caplog):
    from report.html import truncation_html
    from robust_train.trainer import train
    from robust_train.predict import predict
    from models.trained import load_trained

    ner = task_for("ner")
    long = {"id": "n0", "tokens": ["ann", "met", "bo", "in", "oslo", "and", "paris"] * 3,
            "tags": ["B-PER", "O", "B-PER", "O", "B-LOC", "O", "B-LOC"] * 3}
    short = {"id": "n1", "tokens": ["ann", "met", "bo"], "tags": ["B-PER", "O", "B-PER"]}
    cfg = train_config(epochs=1, batch_size=2, lr=1e-3, max_length=12, patience=0, seed=5)
    labels = ner.model_labels(["PER", "LOC"])
    with caplog.at_level(logging.WARNING):
        metrics = train("ner", [long, short], [short], labels, models["ner"], cfg, tmp_path / "m", tmp_path / "c")
    assert metrics["truncated_words"] == 11 and "max_length 12 cut 11 word(s) off the training rows" in caplog.text
    trained = load_trained(ner, tmp_path / "m")
    cut: dict = {}
    pred, _ = predict(trained.model, trained.tokenizer, [long, short], ner, trained.label2id, trained.id2label,
                      trained.max_length, 8, truncation=cut)
    assert cut == {"words": 11, "sentences": 1, "entity_words": 6}  # the last 11 of 21 words: 6 of them entities
    assert pred[0][10:] == ["O"] * 11
    run = {"trainset": "clean", "method": "none", "seed": 5,
           "truncation": {"train_words": metrics["truncated_words"], "test": cut}}
    html = truncation_html([run])
    assert "Words cut by max_length" in html and html.endswith('<td class="">1</td><td class="">6</td></tr></tbody></table></div>')
    assert truncation_html([{**run, "truncation": {"train_words": 0, "test": {}}}]) == ""
