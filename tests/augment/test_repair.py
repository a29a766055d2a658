"""Targeted repair: the plan gives each failing suite a share of new rows in proportion to its
failure; the repaired training set is the clean train plus those rows; training samples the
originals, so every variant keeps the baseline's rows; the report shows before and after."""

from __future__ import annotations

import json

import pytest

from augment.trainsets.repaired import repair_plan
from robust_train.fine_tune import training_rows
from robustflow.rows import read_rows
from conftest import absolutise, repo_config, run_snakemake


def test_rows_go_to_failing_suites_in_proportion_to_their_failure():
    results = {"typos": {"pass_rate": 0.7, "drop": 0.10}, "synonyms": {"pass_rate": 0.9, "drop": 0.02},
               "held": {"pass_rate": 0.995, "drop": -0.01}}
    plan = repair_plan(results, ratio=2.0, measure="pass_rate", min_failure=0.01)
    assert plan["typos"]["failure"] == pytest.approx(0.3) and plan["synonyms"]["failure"] == pytest.approx(0.1)
    assert plan["typos"]["share"] == pytest.approx(0.75) and plan["synonyms"]["share"] == pytest.approx(0.25)
    assert plan["held"]["share"] == 0.0  # failed by 0.005 < min_failure: no rows
    assert plan["typos"]["rows_per_training_row"] == pytest.approx(1.5)
    by_drop = repair_plan(results, ratio=1.0, measure="drop", min_failure=0.0)
    assert by_drop["typos"]["share"] == pytest.approx(0.1 / 0.12) and by_drop["held"]["failure"] == 0.0
    assert all(p["share"] == 0 for p in repair_plan({"a": {"pass_rate": 1.0}}, 1.0, "pass_rate", 0.0).values())


def test_training_samples_the_originals_and_keeps_what_was_derived_from_them():
    originals = [{"id": f"r{i}", "parent_id": None} for i in range(20)]
    derived = [{"id": f"r{i}~aug", "parent_id": f"r{i}"} for i in range(20)]
    plain = training_rows(originals, 5, seed=3)
    grown = training_rows(originals + derived, 5, seed=3)
    assert [r["id"] for r in grown[:5]] == [r["id"] for r in plain]  # the baseline's rows, the same sample
    assert [r["parent_id"] for r in grown[5:]] == [r["id"] for r in plain]
    assert training_rows(originals + derived, None, seed=3) == originals + derived


@pytest.mark.workflow
def test_repaired_training_set_is_sized_by_the_baselines_failures_and_reported(tmp_path):
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["augment"] = {"augmenters": {}}
    cfg["train"].update(methods=["none"], trainsets=["clean", "repaired"], epochs=2)
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 1, "evaluate": {"max_examples": 6}}
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.5, "max_changes": 100},
                                  "synonyms": {"type": "synonym", "word_p": 0.3, "max_changes": 100}}}
    cfg["repair"] = {"ratio": 1.0, "min_failure": 0.0}
    run_snakemake(tmp_path, cfg)
    res = tmp_path / "results"
    baseline = json.loads((res / "evaluate/tiny/clean/none/seed7.json").read_text())["suites"]
    report = json.loads((res / "repair/tiny/report.json").read_text())
    clean = read_rows(res / "clean/tiny/train.parquet")
    failures = {s: 1 - baseline[s]["pass_rate"] for s in baseline}
    assert sum(failures.values()) > 0, "the tiny baseline fails some perturbations"
    for suite, plan in report["suites"].items():
        assert plan["failure"] == pytest.approx(failures[suite])
        assert plan["share"] == pytest.approx(failures[suite] / sum(failures.values()))
        assert plan["attempted"] == round(plan["share"] * len(clean))  # one copy of a seeded share of the rows
        assert plan["attempted"] == plan["produced"] + sum(plan["filtered"].values())

    rows = read_rows(res / "repair/tiny/train.parquet")
    added = rows[len(clean):]
    assert [r["id"] for r in rows[:len(clean)]] == [r["id"] for r in clean]
    assert len(added) == report["repair_rows"] == sum(p["produced"] for p in report["suites"].values())
    assert {r["source"] for r in added} <= {"repair_typos", "repair_synonyms"}
    train_ids, test_texts = {r["id"] for r in clean}, {r["text"] for r in read_rows(res / "clean/tiny/test.parquet")}
    assert all(r["parent_id"] in train_ids and r["text"] not in test_texts for r in added)

    summary = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    assert summary["repair"]["suites"].keys() == {"typos", "synonyms"}
    assert {"suite typos", "suite synonyms"} <= {c["figure"] for c in summary["evidence"]["comparisons"]
                                                 if c["variant"] == "repaired/none"}
    html = (res / "report/report.html").read_text()
    assert "Targeted repair: before and after" in html and "after: repaired/none" in html
