"""Robustness gates: thresholds checked on the report's figures, JUnit XML for CI, a failing run."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from report.gates import GateFailure, check_gates, enforce, junit_xml
from robustflow.config import validate_config
from robustflow.errors import ConfigError
from conftest import SCHEMA, minimal_config


def summary(clean=0.8, under=0.3, drop=0.05, pass_rate=0.9):
    interval = lambda v: {"value": v, "low": v - 0.05, "high": v + 0.05, "n": 100}  # noqa: E731
    variant = {"suites": {"typos": {"drop": {"mean": drop}, "pass_rate": {"mean": pass_rate}}}}
    return {"datasets": {"mr": {
        "variants": {"clean/none": variant, "online/none": variant},
        "evidence": {"intervals": {v: {"clean": interval(clean), "under dwb": interval(under), "ECE": interval(0.04)}
                                   for v in ("clean/none", "online/none")}}}}}


def gates_config(**gates):
    cfg = minimal_config()
    cfg["attack"] = {"recipes": {"dwb": {"type": "deepwordbug"}}}
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard"}}}
    cfg["train"] = {"trainsets": ["clean", "online"]}
    cfg["gates"] = gates
    return validate_config(cfg, SCHEMA)


def test_each_gate_checks_its_figure_on_every_gated_variant():
    cfg = gates_config(accuracy={"metric": "clean", "min": 0.75},
                       attack={"metric": "under_attack", "recipe": "dwb", "min": 0.35, "variants": ["online/none"]},
                       drop={"metric": "suite_drop", "suite": "typos", "max": 0.05},
                       stable={"metric": "pass_rate", "suite": "typos", "min": 0.95},
                       calibrated={"metric": "ece", "max": 0.05})
    results = check_gates(cfg["gates"], summary())
    outcome = {(r["gate"], r["variant"]): r["passed"] for r in results}
    assert outcome == {("accuracy", "clean/none"): True, ("accuracy", "online/none"): True,
                       ("attack", "online/none"): False, ("drop", "clean/none"): True, ("drop", "online/none"): True,
                       ("stable", "clean/none"): False, ("stable", "online/none"): False,
                       ("calibrated", "clean/none"): True, ("calibrated", "online/none"): True}
    attack = next(r for r in results if r["gate"] == "attack")
    assert (attack["value"], attack["low"], attack["high"]) == (0.3, 0.25, 0.35)
    with pytest.raises(GateFailure) as err:
        enforce(results)
    assert str(err.value).startswith("robustness gates: 6 of 9 passed\n  FAILED attack: mr online/none: under_attack dwb "
                                     "= 0.3000, needs >= 0.35")
    assert "robustness gates: 2 of 2 passed" == enforce([r for r in results if r["gate"] == "accuracy"])


def test_junit_xml_lists_every_gate_and_its_failures():
    cfg = gates_config(accuracy={"metric": "clean", "min": 0.9}, drop={"metric": "suite_drop", "suite": "typos", "max": 0.1})
    xml = junit_xml(check_gates(cfg["gates"], summary()))
    suite = ET.fromstring(xml).find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == ["accuracy [mr clean/none]", "accuracy [mr online/none]"]
    assert "needs &gt;= 0.9" in xml and junit_xml(check_gates(cfg["gates"], summary())) == xml  # no timestamps


@pytest.mark.parametrize("gate, message", [
    ({"metric": "under_attack", "min": 0.3}, r"`gates.g.recipe`: under_attack needs one of the evaluated recipes \(dwb\)"),
    ({"metric": "pass_rate", "suite": "nope", "min": 0.3}, r"`gates.g.suite`: pass_rate needs one of the suites \(typos\)"),
    ({"metric": "clean"}, r"`gates.g`: set exactly one of min, max"),
    ({"metric": "clean", "min": 0.5, "variants": ["augmented/none"]}, r"'augmented/none' is not a variant of this experiment"),
    ({"metric": "clean", "min": 0.5, "suite": "typos"}, r"`gates.g.suite`: clean takes no suite"),
])
def test_gate_config_errors(gate, message):
    with pytest.raises(ConfigError, match=message):
        gates_config(g=gate)
