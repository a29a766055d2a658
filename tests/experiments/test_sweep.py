"""Sweeps: grid points as jobs with readable names, the trade-off with its Pareto front and the
chosen point, and the best model promoted."""

from __future__ import annotations

import copy
import json

import pytest
from huggingface_hub import ModelCard

from conftest import absolutise, repo_config, run_snakemake
from report.choose import pareto, trade_off
from robustflow.errors import ConfigError
from robustflow.sweep import point_train_settings, sweep_points


def test_grid_points_are_named_after_their_settings_in_grid_order():
    points = sweep_points({"method": "pgd", "grid": {"steps": [2, 3], "epsilon": [0.1, 1e-05]}}, seed=13)
    assert list(points) == ["pgd-epsilon0.1-steps2", "pgd-epsilon0.1-steps3", "pgd-epsilon1e-05-steps2",
                            "pgd-epsilon1e-05-steps3"]
    assert points["pgd-epsilon0.1-steps3"] == {"method": "pgd", "settings": {"epsilon": 0.1, "steps": 3}}


def test_a_sample_of_the_grid_is_seeded_and_a_subset():
    sweep = {"method": "fgm", "grid": {"epsilon": [0.05, 0.1, 0.25, 0.5, 1.0], "lr": [1e-5, 3e-5, 5e-5]}, "sample": 4}
    a, b, other = sweep_points(sweep, 13), sweep_points(sweep, 13), sweep_points(sweep, 14)
    assert list(a) == list(b) and len(a) == 4 and list(a) != list(other)
    assert set(a) <= set(sweep_points({**sweep, "sample": None}, 13))


def test_a_point_sets_its_method_block_and_train_keys():
    train = {"lr": 5e-5, "epochs": 3, "fgm": {"epsilon": 0.25, "norm": "l2"}}
    out = point_train_settings(train, {"method": "fgm", "settings": {"epsilon": 0.5, "lr": 1e-4}})
    assert out["fgm"] == {"epsilon": 0.5, "norm": "l2"} and out["lr"] == 1e-4 and out["epochs"] == 3
    assert train["fgm"]["epsilon"] == 0.25, "the config is not modified"


def test_sweep_config_errors_name_the_key_and_the_fix(validated):
    validate, cfg = validated, absolutise(repo_config("tiny_classification"))
    bad = copy.deepcopy(cfg)
    bad["sweep"] = {"method": "fgm", "grid": {"epsilon": [0.1, 0.1], "dropout": [0.1]}, "trainsets": ["online"],
                    "choose": {"robust": "nosuch"}}
    with pytest.raises(ConfigError) as err:
        validate(bad)
    text = str(err.value)
    assert "`sweep.grid.dropout`: not a setting a sweep can vary" in text
    assert "`sweep.grid.epsilon`: a value is listed twice" in text
    assert "`sweep.trainsets`: 'online' is not in `train.trainsets`" in text
    assert "`sweep.choose.robust`: 'nosuch' is neither `attacks` nor an evaluated recipe" in text


def _point(clean, robust):
    return {"clean": {"value": clean, "low": clean - 0.05, "high": clean + 0.05},
            "under a": {"value": robust, "low": robust - 0.1, "high": robust + 0.1},
            "under b": {"value": robust + 0.1, "low": robust, "high": robust + 0.2}}


def test_the_chosen_point_is_the_most_robust_within_the_clean_floor():
    intervals = {"clean/none": _point(0.80, 0.20), "clean/fgm-epsilon0.1": _point(0.795, 0.30),
                 "clean/fgm-epsilon1.0": _point(0.70, 0.60), "clean/fgm-epsilon0.5": _point(0.78, 0.35)}
    rule = {"robust": "attacks", "max_clean_drop": 0.01}
    t = trade_off(intervals, list(intervals), "clean/none", rule, ["a", "b"])
    assert t["chosen"] == "clean/fgm-epsilon0.1", "epsilon1.0 and 0.5 lose more than 1 point of clean accuracy"
    assert t["points"]["clean/fgm-epsilon0.1"]["robust"] == pytest.approx({"value": 0.35, "low": 0.25, "high": 0.45})
    assert all(p["pareto"] for p in t["points"].values()), "each trades clean for robust accuracy"
    assert not t["points"]["clean/fgm-epsilon0.5"]["eligible"]
    loose = trade_off(intervals, list(intervals), "clean/none", {"robust": "a", "max_clean_drop": 0.2}, ["a", "b"])
    assert loose["chosen"] == "clean/fgm-epsilon1.0"
    dominated = {**intervals, "clean/fgm-epsilon2.0": _point(0.69, 0.55)}
    t = trade_off(dominated, list(dominated), "clean/none", rule, ["a", "b"])
    assert [n for n, p in t["points"].items() if not p["pareto"]] == ["clean/fgm-epsilon2.0"]
    tie = trade_off({"clean/none": _point(0.8, 0.2), "clean/a": _point(0.8, 0.2)}, ["clean/none", "clean/a"],
                    "clean/none", rule, ["a"])
    assert tie["chosen"] == "clean/none", "a change that gains nothing is not adopted"


def test_pareto_keeps_the_points_nothing_dominates():
    assert sorted(pareto({"a": (0.8, 0.2), "b": (0.7, 0.5), "c": (0.7, 0.4), "d": (0.8, 0.2)})) == ["a", "b", "d"]


@pytest.mark.workflow
def test_a_sweep_runs_as_jobs_and_a_new_value_adds_only_its_own(tmp_path):
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["augment"]["augmenters"] = {"typos": cfg["augment"]["augmenters"]["typos"]}
    cfg["train"].update(methods=["none"], trainsets=["clean"])
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 1, "evaluate": {"max_examples": 8}}
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.2}}}
    cfg["sweep"] = {"method": "fgm", "grid": {"epsilon": [0.1, 1.0]}}
    run_snakemake(tmp_path, cfg)
    res = tmp_path / "results"
    for point in ("fgm-epsilon0.1", "fgm-epsilon1.0"):
        metrics = json.loads((res / f"train/tiny/clean/{point}/seed7/metrics.json").read_text())
        assert metrics["method"] == "fgm" and all(s["delta_norm"] is not None for s in metrics["curve"])
    summary = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    t = summary["tradeoff"]
    assert set(t["points"]) == {"clean/none", "clean/fgm-epsilon0.1", "clean/fgm-epsilon1.0"}
    choice = json.loads((res / "best/tiny/choice.json").read_text())
    assert choice["variant"] == t["chosen"]
    chosen = res / "train/tiny" / t["chosen"] / "seed7/model"
    assert (res / "best/tiny/model/model.safetensors").read_bytes() == (chosen / "model.safetensors").read_bytes()
    card = ModelCard((res / "best/tiny/model/README.md").read_text())  # the promoted model carries its figures
    assert card.data.robustflow["method"] == t["chosen"].split("/")[1] and card.data.eval_results
    assert (res / "report/plots/tiny_tradeoff.png").is_file()
    assert "Sweep: the trade-off and the chosen point" in (res / "report/report.html").read_text()
    # epsilon 0.5 added: its training, attack and evaluation, then the report and the choice; nothing else
    cfg["sweep"]["grid"]["epsilon"] = [0.1, 0.5, 1.0]
    dry = run_snakemake(tmp_path, cfg, "-n").stdout
    jobs = [line.split()[1].rstrip(":") for line in dry.splitlines() if line.startswith(("rule ", "localrule "))]
    assert sorted(jobs) == ["all", "attack_shard", "best_model", "evaluate", "merge_attack", "model_cards", "report",
                            "train"], dry[-3000:]
    assert "method=fgm-epsilon0.5" in dry and "method=fgm-epsilon0.1" not in dry
