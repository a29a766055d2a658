"""Since the reference run: differences with intervals and paired tests, what is new or gone, what
the runs recorded differently, and the regression gate that fails on a real regression only."""

from __future__ import annotations

import copy
import json

import pytest

from report.gates import check_gates, junit_xml
from report.reference import since_reference
from robustflow import stats
from robustflow.config import validate_config
from robustflow.errors import ConfigError
from robustflow.reference_run import report_folder
from conftest import SCHEMA, minimal_config

SETTINGS = {"bootstrap": 400, "confidence": 0.95, "alpha": 0.05}


def correct_rows(n: int, wrong: int, flip: int = 0) -> list[int]:
    """n rows of which ``wrong`` are wrong, then ``flip`` more of the correct ones made wrong."""
    return [0] * (wrong + flip) + [1] * (n - wrong - flip)


def run(variants: dict[str, dict[str, list[int]]], ids_prefix: str = "r", data: str = "d1", code: str = "c1",
        lr: float = 5e-5) -> tuple[dict, dict]:
    """(summary, outcomes) of a run whose variants score the given per-row correctness per figure."""
    intervals, outcomes = {}, {}
    for variant, figures in variants.items():
        intervals[variant], outcomes[variant] = {}, {}
        for figure, correct in figures.items():
            ids = [f"{ids_prefix}{i}" for i in range(len(correct))]
            rows = [[[c] for c in correct]]
            intervals[variant][figure] = stats.bootstrap_ci("accuracy", rows, 400, 0.95, variant, figure)
            outcomes[variant][figure] = {"measure": "accuracy", "ids": ids, "rows": rows}
    summary = {"datasets": {"mr": {"evidence": {"intervals": intervals}}},
               "config": {"train": {"lr": lr}, "gates": {}, "compare": {}}, "software": {"torch": "2.5.1"},
               "provenance": {"data": {"mr": data}, "code": {"train": code, "evaluate": "e1"}}}
    return summary, {"mr": outcomes}


def keep(tmp_path, summary: dict, outcomes: dict | None, where: str = "accepted/results/report"):
    folder = tmp_path / where
    folder.mkdir(parents=True)
    (folder / "summary.json").write_text(json.dumps(summary))
    if outcomes is not None:
        (folder / "outcomes.json").write_text(json.dumps(outcomes))
    return tmp_path / "accepted"


def compare(tmp_path, reference: tuple[dict, dict | None], now: tuple[dict, dict]) -> dict:
    path = keep(tmp_path, *reference)
    return since_reference(now[0], now[1], str(path), SETTINGS, 7)


def by_figure(section: dict) -> dict:
    return {(c["variant"], c["figure"]): c for c in section["comparisons"]}


def regression_gate(section: dict, summary: dict, **gate) -> list[dict]:
    gates = {"no_regression": {"metric": "regression", "variants": None, **gate}}
    return check_gates(gates, {**summary, "reference": section})


def test_an_identical_rerun_is_no_change_and_passes_the_regression_gate(tmp_path):
    figures = {"clean/none": {"clean": correct_rows(200, 40), "under glove": correct_rows(200, 110)}}
    section = compare(tmp_path, run(figures), run(figures))
    assert all(c["change"] == "identical" and c["difference"] == 0 and c["paired"] for c in section["comparisons"])
    assert len(section["comparisons"]) == 2 and not section["new"] and not section["gone"]
    assert section["summary"][0] == "No change: all 2 figures in both runs are identical, row for row."
    assert "same data, settings, code and packages" in section["summary"][-1]
    results = regression_gate(section, run(figures)[0], margin=0.0)
    assert len(results) == 2 and all(r["passed"] for r in results)


def test_a_real_regression_is_reported_and_fails_the_gate_but_the_same_drop_on_few_rows_is_noise(tmp_path):
    # 200 rows: 30 rows that were right are now wrong (80% -> 65%), the rest unchanged
    reference = run({"clean/none": {"clean": correct_rows(200, 40)}})
    worse = run({"clean/none": {"clean": correct_rows(200, 40, flip=30)}})
    section = compare(tmp_path / "big", reference, worse)
    c = by_figure(section)["clean/none", "clean"]
    assert c["difference"] == pytest.approx(-0.15) and c["paired"] and c["test"] == "McNemar exact"
    assert c["high"] < 0 and c["real"] and c["change"] == "worse"
    assert any("clean/none is worse than in the reference run on clean: 80.0 → 65.0" in line for line in section["summary"])
    failed = regression_gate(section, worse[0], margin=0.05)
    assert [r["passed"] for r in failed] == [False]
    assert 'failures="1"' in junit_xml(failed) and "regression clean" in junit_xml(failed)
    assert all(r["passed"] for r in regression_gate(section, worse[0], margin=0.2)), "within the margin"

    # the same 15-point drop on 20 rows (3 of 20 flipped): the interval reaches zero, so no gate fails
    small = compare(tmp_path / "small", run({"clean/none": {"clean": correct_rows(20, 4)}}),
                    run({"clean/none": {"clean": correct_rows(20, 4, flip=3)}}))
    c = by_figure(small)["clean/none", "clean"]
    assert c["difference"] == pytest.approx(-0.15) and c["high"] >= 0 and c["change"] == "noise"
    assert all(r["passed"] for r in regression_gate(small, worse[0], margin=0.05))


def test_an_improvement_and_lower_is_better_figures(tmp_path):
    reference = run({"clean/none": {"clean": correct_rows(300, 120)}})
    better = run({"clean/none": {"clean": correct_rows(300, 60)}})
    c = by_figure(compare(tmp_path, reference, better))["clean/none", "clean"]
    assert c["change"] == "better" and c["low"] > 0
    # ECE is lower-is-better: a rise is a regression
    section = {"comparisons": [{**c, "figure": "ECE", "higher_is_better": False}]}
    assert [r["passed"] for r in regression_gate(section, better[0], margin=0.01)] == [False]


def test_other_rows_are_compared_unpaired_and_what_changed_is_listed(tmp_path):
    reference = run({"clean/none": {"clean": correct_rows(200, 40), "under glove": correct_rows(200, 100)},
                     "clean/fgm": {"clean": correct_rows(200, 40)}})
    now = run({"clean/none": {"clean": correct_rows(150, 30), "under pwws": correct_rows(150, 90)},
               "clean/pgd": {"clean": correct_rows(150, 30)}}, ids_prefix="new", data="d2", code="c2", lr=3e-5)
    now[0]["software"] = {"torch": "2.6.0"}
    section = compare(tmp_path, reference, now)
    c = by_figure(section)["clean/none", "clean"]
    assert not c["paired"] and c["test"] == "unpaired bootstrap" and (c["n"], c["n_reference"]) == (150, 200)
    assert c["difference"] == pytest.approx(0.0)
    assert {(i["variant"], i["figure"]) for i in section["new"]} == {("clean/none", "under pwws"), ("clean/pgd", None)}
    assert {(i["variant"], i["figure"]) for i in section["gone"]} == {("clean/none", "under glove"), ("clean/fgm", None)}
    prov = section["provenance"]
    assert [(d["name"], d["reference"], d["now"]) for d in prov["data"]] == [("mr", "d1", "d2")]
    assert [(d["name"], d["reference"], d["now"]) for d in prov["code"]] == [("train", "c1", "c2")]
    assert [d["name"] for d in prov["settings"]] == ["train.lr"] and [d["name"] for d in prov["software"]] == ["torch"]
    text = " ".join(section["summary"])
    assert "New in this run: mr clean/none under pwws, mr clean/pgd." in text
    assert "No longer in this run: mr clean/none under glove, mr clean/fgm." in text
    assert ("The runs differ in data (mr: d1 → d2); settings (train.lr: 5e-05 → 3e-05); code (train: c1 → c2); "
            "software (torch: 2.5.1 → 2.6.0).") in text


def test_a_reference_without_outcomes_is_compared_through_its_intervals(tmp_path):
    figures = {"clean/none": {"clean": correct_rows(200, 40)}}
    reference = run(figures)
    del reference[0]["provenance"]
    section = compare(tmp_path / "same", (reference[0], None), run(figures))
    c = by_figure(section)["clean/none", "clean"]
    assert c["change"] == "identical" and not section["rows_kept"]
    assert any("recorded no data or code versions" in line for line in section["summary"])
    worse = compare(tmp_path / "worse", (reference[0], None), run({"clean/none": {"clean": correct_rows(200, 40, flip=40)}}))
    c = by_figure(worse)["clean/none", "clean"]
    assert c["test"].startswith("from the intervals") and c["change"] == "worse" and c["difference"] == pytest.approx(-0.2)


def test_the_reference_is_found_in_a_run_folder_its_results_or_its_report(tmp_path):
    root = keep(tmp_path, *run({"clean/none": {"clean": [1, 0]}}))
    report = root / "results/report"
    for given in (root, root / "results", report):
        assert report_folder(given) == report.resolve()
    with pytest.raises(ConfigError, match=r"holds no robustflow report .*Fix: point it at a previous run's folder"):
        report_folder(tmp_path / "nowhere")


def gated_config(tmp_path, gate: dict, reference: str | None) -> dict:
    cfg = minimal_config()
    cfg["attack"] = {"recipes": {"dwb": {"type": "deepwordbug"}}}
    cfg["compare"] = {"reference": reference}
    cfg["gates"] = {"no_regression": {"metric": "regression", **gate}}
    return cfg


def test_regression_gate_config_errors(tmp_path):
    kept = str(keep(tmp_path, *run({"clean/none": {"clean": [1]}})))
    validate_config(gated_config(tmp_path, {"margin": 0.02, "figures": ["clean", "under dwb"]}, kept), SCHEMA)
    cases = [({"margin": 0.02}, None, "a regression gate needs `compare.reference"),
             ({"margin": 0.02}, str(tmp_path / "gone"), "holds no robustflow report"),
             ({"min": 0.5}, kept, "a regression gate takes margin, not min"),
             ({"figures": ["under pwws"]}, kept, "'under pwws' is not a figure the report compares"),
             ({"margin": -1}, kept, "margin")]
    for gate, reference, message in cases:
        with pytest.raises(ConfigError, match=message):
            validate_config(gated_config(tmp_path, gate, reference), SCHEMA)
    other = copy.deepcopy(gated_config(tmp_path, {}, None))
    other["gates"] = {"floor": {"metric": "clean", "min": 0.5, "margin": 0.1}}
    with pytest.raises(ConfigError, match="margin`: only for metric regression"):
        validate_config(other, SCHEMA)
    missing = minimal_config()
    missing["compare"] = {"reference": str(tmp_path / "gone")}
    with pytest.raises(ConfigError, match="compare.reference"):
        validate_config(missing, SCHEMA)


def test_a_regression_gate_with_nothing_in_common_fails(tmp_path):
    section = compare(tmp_path, run({"clean/none": {"clean": [1, 0]}}), run({"clean/fgm": {"clean": [1, 0]}}))
    results = regression_gate(section, {}, margin=0.0)
    assert [(r["passed"], r["of"]) for r in results] == [(False, "no figure in common with the reference run")]
