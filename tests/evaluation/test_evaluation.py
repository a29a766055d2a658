"""Evaluation metrics against hand-computed cases, and the report's aggregation over seeds."""

from __future__ import annotations

import math

import pytest

from evaluation.calibration import expected_calibration_error
from evaluation.evaluate_model import attack_result, calibration, suite_result
from report.aggregate import aggregate, mean_std
from robustflow import stats
from robustflow.tasks import task_for

CLASSIFICATION, NER = task_for("classification"), task_for("ner")


def test_ece_by_hand():
    # bins of width 0.5: (0, .5] holds 0.3 (wrong): |0 - .3| = .3; (.5, 1] holds .9 ok, .8 wrong, .6 ok:
    # |2 - 2.3| = .3 summed over the bin; ECE = (.3 + .3) / 4 = .15
    out = expected_calibration_error([0.9, 0.8, 0.6, 0.3], [True, False, True, False], bins=2)
    assert out["ece"] == pytest.approx(0.15)
    assert [b["count"] for b in out["bins"]] == [1, 3]
    assert out["bins"][1]["accuracy"] == pytest.approx(2 / 3) and out["bins"][1]["confidence"] == pytest.approx(2.3 / 3)


def test_ece_edges_perfect_and_empty():
    assert expected_calibration_error([1.0, 1.0], [True, True], bins=10)["ece"] == 0.0
    assert expected_calibration_error([0.5], [True], bins=2)["bins"][0]["count"] == 1  # 0.5 closes the first bin
    assert expected_calibration_error([], [], bins=10)["ece"] == 0.0


def test_calibration_uses_top_class_or_word_confidence():
    rows = [{"id": "1", "label": "a"}, {"id": "2", "label": "b"}]
    cls, cls_rows = calibration(CLASSIFICATION, rows, ["a", "a"], [[0.8, 0.2], [0.6, 0.4]], {"a": 0, "b": 1}, bins=10)
    assert cls["ece"] == pytest.approx((abs(1 - 0.8) + abs(0 - 0.6)) / 2)
    assert stats.value("ece", cls_rows) == pytest.approx(cls["ece"])
    ner_row = [{"id": "s", "tags": ["O", "B-PER"]}]
    ner, ner_rows = calibration(NER, ner_row, [["O", "O"]], [[[1.0, 0.0], [0.7, 0.3]]], {"O": 0, "B-PER": 1}, bins=10)
    assert ner["n"] == 2 and ner["ece"] == pytest.approx((0 + 0.7) / 2)
    assert stats.value("ece", ner_rows) == pytest.approx(ner["ece"])


def test_attack_result_by_hand():
    records = [{"id": str(i), "status": s, "perturbed_ratio": 0.2, "queries": 10}
               for i, s in enumerate(("success", "failed", "skipped", "failed"))]
    out = attack_result(CLASSIFICATION, records)
    assert out["clean_metric"] == 0.75 and out["metric_under_attack"] == 0.5
    assert out["success_rate"] == pytest.approx(1 / 3)


def test_ner_attack_result_is_entity_f1_before_and_after():
    records = [{"id": "s", "status": "success", "perturbed_ratio": 0.25, "queries": 4, "tags": ["B-PER", "O"],
                "perturbed_tags": ["B-PER", "O"], "original_prediction": ["B-PER", "O"], "perturbed_prediction": ["O", "O"]}]
    out = attack_result(NER, records)
    assert out["clean_metric"] == 1.0 and out["metric_under_attack"] == 0.0


class _Fixed:
    """An evaluator stand-in whose predictions are given (suite pairing is what is under test)."""
    task = CLASSIFICATION

    def __init__(self, pred):
        self.pred, self.asked = pred, []

    def predict(self, rows):
        self.asked += [r["id"] for r in rows]
        return [self.pred[r["id"]] for r in rows], None


def test_suite_drop_is_paired_with_the_same_clean_rows():
    clean_rows = {i: {"id": i, "text": f"text {i}", "label": "pos"} for i in ("a", "b", "c", "d")}
    clean_pred = {"a": "pos", "b": "pos", "c": "neg", "d": "pos"}  # 75% on all, 100% on a and b
    suite = [{"id": "a~s", "parent_id": "a", "text": "txet a", "label": "pos"},
             {"id": "b~s", "parent_id": "b", "text": "txet b", "label": "pos"}]
    out = suite_result(_Fixed({"a~s": "pos", "b~s": "neg"}), suite, clean_pred, clean_rows)
    rows = out.pop("rows")
    # b's prediction flipped (pos -> neg), a's held: half the rows pass.
    assert out == {"metric": 0.5, "clean_metric": 1.0, "drop": 0.5, "n": 2, "pass_rate": 0.5}
    assert rows["metric"]["rows"] == [[1], [0]] and rows["clean_metric"]["rows"] == [[1], [1]]
    assert rows["metric"]["ids"] == ["a~s", "b~s"]


def test_suite_rows_left_unchanged_reuse_the_clean_prediction():
    clean_rows = {i: {"id": i, "text": f"text {i}", "label": "pos"} for i in ("a", "b")}
    suite = [{"id": "a~s", "parent_id": "a", "text": "text a", "label": "pos"},
             {"id": "b~s", "parent_id": "b", "text": "txet b", "label": "pos"}]
    ev = _Fixed({"a~s": "neg", "b~s": "neg"})
    out = suite_result(ev, suite, {"a": "pos", "b": "pos"}, clean_rows)
    assert ev.asked == ["b~s"] and out["metric"] == 0.5


def test_mean_and_std_over_seeds():
    assert mean_std([0.8, 0.6]) == {"mean": pytest.approx(0.7), "std": pytest.approx(math.sqrt(0.02)), "n": 2}
    assert mean_std([0.5]) == {"mean": 0.5, "std": 0.0, "n": 1}
    assert mean_std([None]) == {"mean": None, "std": None, "n": 0}


def _run(trainset, method, seed, acc, under):
    ev = {"headline": acc, "clean": {"accuracy": acc, "macro_f1": acc}, "calibration": {"ece": 0.1},
          "calibration_scaled": {"ece": 0.05, "temperature": 1.5},
          "suites": {"typos": {"metric": acc - 0.1, "drop": 0.1, "n": 5}},
          "attacks": {"dwb": {"clean_metric": acc, "metric_under_attack": under, "success_rate": 0.5,
                              "mean_perturbed_ratio": 0.2, "mean_queries": 30.0}},
          "transfer": {"dwb": {"metric": 0.4, "n": 3}}}
    return {"trainset": trainset, "method": method, "seed": seed, "evaluation": ev}


def test_aggregate_groups_seeds_and_measures_deltas_to_the_baseline():
    runs = [_run("clean", "none", 1, 0.8, 0.2), _run("clean", "none", 2, 0.6, 0.4), _run("clean", "fgm", 1, 0.75, 0.5)]
    variants = aggregate(CLASSIFICATION, runs)
    assert set(variants) == {"clean/none", "clean/fgm"}
    base, fgm = variants["clean/none"], variants["clean/fgm"]
    assert base["seeds"] == [1, 2] and base["clean"]["mean"] == pytest.approx(0.7)
    assert base["attacks"]["dwb"]["metric_under_attack"]["mean"] == pytest.approx(0.3)
    assert fgm["delta_vs_baseline"]["clean"] == pytest.approx(0.05)
    assert fgm["delta_vs_baseline"]["attacks"]["dwb"] == pytest.approx(0.2)


# ---- statistics: intervals and paired tests against hand-computed cases ----------------------

def test_mcnemar_exact_by_hand():
    # discordant pairs: a right where b wrong 6 times, the reverse once: p = 2 * P(X <= 1), X ~ Bin(7, 1/2)
    a = [1] * 6 + [0] + [1] * 5
    b = [0] * 6 + [1] + [1] * 5
    assert stats.mcnemar_exact(a, b) == pytest.approx(2 * (1 + 7) / 2 ** 7)
    assert stats.mcnemar_exact([1, 0], [1, 0]) == 1.0


def test_holm_by_hand():
    # sorted 0.01, 0.03, 0.04, 0.5 -> x4, x3, x2, x1, kept monotone
    assert stats.holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])


def test_bootstrap_interval_covers_the_binomial_one():
    rows = [[1]] * 150 + [[0]] * 50  # accuracy 0.75, normal-approximation half width 1.96 * sqrt(.75*.25/200)
    ci = stats.bootstrap_ci("accuracy", [rows], 2000, 0.95, "test")
    half = 1.96 * math.sqrt(0.75 * 0.25 / 200)
    assert ci["value"] == 0.75 and ci["n"] == 200
    assert ci["low"] == pytest.approx(0.75 - half, abs=0.012) and ci["high"] == pytest.approx(0.75 + half, abs=0.012)
    assert stats.bootstrap_ci("accuracy", [rows], 2000, 0.95, "test") == ci  # seeded: the same draws


def test_paired_difference_sees_what_unpaired_intervals_cannot():
    """Two models right on the same hard rows except 12 where only the variant is right: their
    intervals overlap, the paired difference is clearly positive."""
    base = [[1]] * 100 + [[0]] * 100
    variant = [[1]] * 112 + [[0]] * 88
    diff = stats.paired_difference("accuracy", [variant], [base], 2000, 0.95, "pair")
    assert diff["difference"] == pytest.approx(0.06) and diff["low"] > 0 and diff["test"] == "McNemar exact"
    assert diff["p"] == pytest.approx(2 / 2 ** 12)
    single = stats.bootstrap_ci("accuracy", [base], 2000, 0.95, "b")
    assert single["high"] > 0.56  # the baseline's own interval reaches the variant's accuracy


def test_paired_bootstrap_p_value_follows_the_bootstrap_standard_error():
    """Two seeds a side make it the paired bootstrap: p = 2(1 - Phi(|d| / SE)). A large, clean
    difference gets a p far below 2/(B+1) (the floor of counting draws across zero), so a Holm
    correction over many comparisons can still find it; no difference gives p = 1."""
    from math import erfc, sqrt
    base = [[[1]] * 100 + [[0]] * 100, [[1]] * 100 + [[0]] * 100]
    variant = [[[1]] * 160 + [[0]] * 40, [[1]] * 160 + [[0]] * 40]
    diff = stats.paired_difference("accuracy", variant, base, 1000, 0.95, "z")
    assert diff["test"] == "paired bootstrap" and diff["difference"] == pytest.approx(0.3)
    se = (diff["high"] - diff["low"]) / (2 * 1.96)  # the interval's width gives the SE back, roughly
    assert diff["p"] < 1e-12 and diff["p"] == pytest.approx(erfc(0.3 / se / sqrt(2)), rel=1.0, abs=1e-30)
    assert stats.holm([diff["p"]] * 50)[0] < 0.05 < 50 * 2 / 1001
    same = stats.paired_difference("accuracy", base, base, 1000, 0.95, "z")
    assert same["difference"] == 0 and same["p"] == 1.0


def test_entity_f1_from_row_scores_equals_seqeval():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"], ["I-MISC", "O"]]
    pred = [["B-PER", "I-PER", "O", "O"], ["O", "B-ORG"], ["I-MISC", "B-LOC"]]
    assert stats.value("entity_f1", NER.row_scores(gold, pred)) == pytest.approx(NER.metrics(gold, pred)["f1"])
    assert NER.row_scores(gold, pred) == [[1, 0, 1], [1, 0, 0], [0, 1, 0]]  # strict IOB2: a lone I-MISC is no entity


def test_ece_from_row_vectors_equals_the_direct_ece():
    from evaluation.calibration import ece_rows

    units = [[(0.9, True)], [(0.8, False)], [(0.6, True), (0.3, False)]]
    direct = expected_calibration_error([0.9, 0.8, 0.6, 0.3], [True, False, True, False], bins=2)["ece"]
    assert stats.value("ece", ece_rows(units, 2)) == pytest.approx(direct)


def test_temperature_scaling_recovers_an_overconfident_model():
    """Labels drawn from softmax(z); the model reports softmax(3 z): the fitted temperature is about 3
    and the ECE falls."""
    import numpy as np

    from evaluation.calibration import fit_temperature, scaled

    rng = np.random.default_rng(0)
    z = rng.normal(size=(4000, 3))
    true = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    gold = [int(rng.choice(3, p=p)) for p in true]
    over = np.exp(3 * z) / np.exp(3 * z).sum(1, keepdims=True)
    t = fit_temperature(over.tolist(), gold)
    assert 2.7 < t < 3.3
    def ece(dists):
        return expected_calibration_error([float(max(d)) for d in dists], [int(np.argmax(d)) == g for d, g in zip(dists, gold)], 10)["ece"]
    assert ece([scaled(d, t) for d in over]) < ece(over) / 3


def _comparison(figure, difference, low, high, p):
    return {"variant": "online/none", "figure": figure, "difference": difference, "low": low, "high": high,
            "n": 200, "test": "McNemar exact", "p": p, "higher_is_better": True}


def test_findings_separate_real_differences_from_those_the_correction_removes():
    from report.statistics import findings, not_established
    from robustflow import stats
    settings = {"alpha": 0.05, "confidence": 0.95}
    compared = [_comparison("under dwb", 0.095, 0.03, 0.16, 0.0054), _comparison("under glove", 0.2, 0.1, 0.3, 1e-6),
                _comparison("clean", 0.005, -0.016, 0.025, 0.7)] + [
        _comparison(f"suite s{i}", 0.0, -0.02, 0.02, 0.9) for i in range(17)]
    for c, p in zip(compared, stats.holm([c["p"] for c in compared])):
        c["p_adjusted"] = p
        c["real"] = p < 0.05 and (c["low"] > 0 or c["high"] < 0)
    # Holm over 20: 1e-6 x 20 survives; 0.0054 x 19 = 0.10 does not, though its interval excludes zero
    assert [line.split(":")[0] for line in findings(compared, settings, "clean/none")] == [
        "online/none is better than the baseline (clean/none) on under glove"]
    established = not_established(compared, settings, "clean/none")
    assert len(established) == 1 and "under dwb: +9.5 points (95% interval +3.0 to +16.0" in established[0]
    assert "Holm-adjusted over 20 comparisons p=0.1" in established[0]


def test_transfer_is_shown_but_not_tested_against_the_baseline():
    from report.statistics import comparisons
    def evaluation(transfer_rows, clean_rows):
        ids = [f"r{i}" for i in range(len(clean_rows))]
        figure = lambda rows: {"measure": "accuracy", "ids": ids[:len(rows)], "rows": rows}
        return {"evaluation": {"rows": {"clean": figure(clean_rows), "ece": figure(clean_rows),
                                        "ece_scaled": figure(clean_rows), "suites": {}, "attacks": {},
                                        "transfer": {"dwb": figure(transfer_rows)}}}}
    base = evaluation([0.0] * 8, [1.0, 0.0] * 4)
    other = evaluation([1.0] * 8, [1.0, 1.0, 0.0, 1.0] * 2)
    settings = {"alpha": 0.05, "confidence": 0.95, "bootstrap": 200}
    figures = {c["figure"] for c in comparisons({"clean/none": [base], "online/none": [other]}, "clean/none", settings, 1)}
    assert "clean" in figures and not any(f.startswith("transfer") for f in figures)
