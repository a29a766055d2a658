"""The trainer on tiny models: determinism, resume after a kill, NER end to end."""

from __future__ import annotations

import json

import pytest

from conftest import perturbation, train_config
from robust_train.trainer import train
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early",
         "the script is clever and moving", "bad and boring", "a fine film", "terrible ending"]
CLS = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 == 0 else "neg"} for i, t in enumerate(TEXTS * 3)]
NER = [{"id": f"n{i}", "tokens": ["ann", "met", "bo", "in", "oslo"], "tags": ["B-PER", "O", "B-PER", "O", "B-LOC"]} for i in range(12)]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    corpus = TEXTS + ["ann met bo in oslo"]
    return {"cls": str(build_tiny_bert(root / "cls", corpus, head="cls", num_labels=2)),
            "ner": str(build_tiny_bert(root / "ner", corpus, head="ner", num_labels=5))}


def cfg(**kw):
    base = dict(epochs=2, batch_size=4, lr=1e-3, max_length=32, patience=0, seed=5,
                adversarial=perturbation("pgd", epsilon=0.5, alpha=0.2, steps=2))
    return train_config(**{**base, **kw})


def test_same_seed_same_metrics_and_weights(models, tmp_path):
    runs = []
    for name in ("a", "b"):
        m = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(), tmp_path / name / "model", tmp_path / name / "ckpt")
        runs.append(m)
    drop = lambda m: {k: v for k, v in m.items() if k not in ("train_seconds_this_run", "train_samples_per_second")}
    assert drop(runs[0]) == drop(runs[1])
    assert (tmp_path / "a/model/model.safetensors").read_bytes() == (tmp_path / "b/model/model.safetensors").read_bytes()
    config = json.loads((tmp_path / "a/model/config.json").read_text())
    assert config["id2label"] == {"0": "neg", "1": "pos"}
    other = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(seed=6), tmp_path / "c/model", tmp_path / "c/ckpt")
    assert other["curve"] != runs[0]["curve"]


def test_a_killed_job_resumes_from_its_checkpoint(models, tmp_path):
    straight = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(epochs=3), tmp_path / "s/model", tmp_path / "s/ckpt")

    class Killed(Exception):
        pass

    def kill_after_first(epoch):
        if epoch == 0:
            raise Killed

    with pytest.raises(Killed):
        train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(epochs=3), tmp_path / "k/model", tmp_path / "k/ckpt",
              after_epoch=kill_after_first)
    assert not (tmp_path / "k/model").exists()  # no output that looks complete
    resumed = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(epochs=3), tmp_path / "k/model", tmp_path / "k/ckpt")
    assert resumed["curve"] == straight["curve"] and resumed["history"] == straight["history"]
    assert resumed["dev"] == straight["dev"]
    assert (tmp_path / "k/model/model.safetensors").read_bytes() == (tmp_path / "s/model/model.safetensors").read_bytes()


def test_a_checkpoint_from_other_settings_is_ignored(models, tmp_path):
    train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(epochs=1), tmp_path / "m", tmp_path / "ckpt")
    fresh = train("classification", CLS, CLS[:8], ["neg", "pos"], models["cls"], cfg(epochs=1, lr=5e-4), tmp_path / "m2", tmp_path / "ckpt")
    assert fresh["epochs_run"] == 1 and fresh["steps"] == 6


@pytest.mark.parametrize("method", ["none", "fgm", "freelb"])
def test_ner_trains_end_to_end(models, tmp_path, method):
    adv = perturbation(method, epsilon=0.5, alpha=0.2, steps=2)
    m = train("ner", NER, NER[:4], task_for("ner").model_labels(["PER", "LOC"]), models["ner"], cfg(epochs=4, adversarial=adv),
              tmp_path / "model", tmp_path / "ckpt")
    assert set(m["dev"]["per_type"]) == {"PER", "LOC"} and 0 <= m["dev"]["f1"] <= 1
    assert m["history"][-1]["dev"] >= m["history"][0]["dev"]
    if method != "none":
        assert all(point["adv_loss"] is not None for point in m["curve"])


def test_numerics_are_pinned_for_jobs_and_a_users_value_is_kept():
    """Every job inherits MKL's reproducible mode from the Snakefile process (robustflow/numerics.py)."""
    from robustflow.numerics import PINNED, pin_numerics

    env = {"MKL_DYNAMIC": "TRUE"}
    added = pin_numerics(env)
    assert env == {**PINNED, "MKL_DYNAMIC": "TRUE"} and "MKL_DYNAMIC" not in added
