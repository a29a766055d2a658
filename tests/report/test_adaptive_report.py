"""The worst case of a plain attack and its adaptive twin (report/adaptive.py): paired by settings,
combined row by row, and the only one of the three that the findings credit."""

from __future__ import annotations

import pytest

from report import adaptive
from report.summary import evidence

GLOVE = {"type": "glove_swap", "max_candidates": 25}
RECIPES = {"glove": GLOVE, "glove_eot": {**GLOVE, "eot_copies": 16}, "other_eot": {**GLOVE, "max_candidates": 5,
                                                                                      "eot_copies": 16}}


def test_recipes_pair_only_when_equal_apart_from_eot_copies():
    assert adaptive.pairs(RECIPES, ["glove", "glove_eot", "other_eot"]) == {"glove | glove_eot": ("glove", "glove_eot")}
    assert adaptive.pairs(RECIPES, ["glove_eot", "other_eot"]) == {}  # the plain twin is not evaluated


def _attack(correct: list[int], skipped: int = 0) -> dict:
    n = len(correct)
    ids = list(range(n))
    attempted = [0] * skipped + [1] * (n - skipped)
    return {"metric_under_attack": {"measure": "accuracy", "ids": ids, "rows": [[c] for c in correct]},
            "clean_metric": {"measure": "accuracy", "ids": ids, "rows": [[a] for a in attempted]},
            "success_rate": {"measure": "rate", "ids": ids,
                             "rows": [[int(a and not c), a] for c, a in zip(correct, attempted)]}}


def _evaluation(attacks: dict) -> dict:
    summary = {name: {"clean_metric": 0.75, "metric_under_attack": sum(r[0] for r in a["metric_under_attack"]["rows"]) / 4,
                      "success_rate": 0.0, "examples": 4, "success": 0, "mean_perturbed_ratio": 0.1,
                      "mean_queries": 10.0} for name, a in attacks.items()}
    return {"attacks": summary, "rows": {"attacks": attacks}}


def test_the_worst_case_is_the_row_wise_worse_of_the_two():
    # row 0 skipped (the model was wrong already); row 1 survives both; row 2 falls to the plain
    # attack only, row 3 to the adaptive one only
    ev = _evaluation({"glove": _attack([0, 1, 0, 1], skipped=1), "glove_eot": _attack([0, 1, 1, 0], skipped=1)})
    out = adaptive.with_worst_cases(ev, {"glove | glove_eot": ("glove", "glove_eot")})
    worst = out["rows"]["attacks"]["glove | glove_eot"]
    assert worst["metric_under_attack"]["rows"] == [[0], [1], [0], [0]]
    assert worst["success_rate"]["rows"] == [[0, 0], [0, 1], [1, 1], [1, 1]]
    assert out["attacks"]["glove | glove_eot"]["metric_under_attack"] == 0.25
    assert out["attacks"]["glove | glove_eot"]["success_rate"] == pytest.approx(2 / 3)
    assert list(out["attacks"]) == ["glove | glove_eot", "glove", "glove_eot"]  # led by the worst case; both halves shown
    assert list(out["rows"]["attacks"]) == list(out["attacks"])
    assert "glove | glove_eot" not in ev["attacks"]  # the input is not changed


def test_attacks_on_different_rows_do_not_combine():
    ev = _evaluation({"glove": _attack([1, 1, 0, 1]), "glove_eot": _attack([1, 1, 0, 1])})
    ev["rows"]["attacks"]["glove_eot"]["metric_under_attack"]["ids"] = [9, 1, 2, 3]
    with pytest.raises(ValueError, match="different rows"):
        adaptive.with_worst_cases(ev, {"glove | glove_eot": ("glove", "glove_eot")})


def test_only_the_worst_case_is_credited():
    """A defended variant gains under the plain attack (its noisy scores misled the search) but not
    under the adaptive one: the worst case shows no gain, and the plain half's gain is not a finding."""
    n = 200

    def run(method, plain, eot):
        rows = {"clean": {"measure": "accuracy", "ids": list(range(n)), "rows": [[1]] * n},
                "ece": {"measure": "ece", "ids": list(range(n)), "rows": [[1.0, 0.9, 1.0]] * n},
                "ece_scaled": {"measure": "ece", "ids": list(range(n)), "rows": [[1.0, 0.9, 1.0]] * n},
                "suites": {}, "transfer": {}, "attacks": {"glove": _attack(plain), "glove_eot": _attack(eot)}}
        return {"trainset": "clean", "method": method, "seed": 1, "evaluation": adaptive.with_worst_cases(
            _evaluation(rows["attacks"]) | {"rows": rows}, adaptive.pairs(RECIPES, ["glove", "glove_eot"]))}

    weak = [1] * 40 + [0] * 160
    config = {"defences": {"smooth": {"smoothing": {"source": "mask"}}},
              "attack": {"recipes": RECIPES, "evaluate": {"recipes": ["glove", "glove_eot"]}}}
    settings = {"bootstrap": 200, "confidence": 0.95, "alpha": 0.05}
    found = evidence([run("none", weak, weak), run("none+smooth", [1] * 160 + [0] * 40, weak)], settings, 0, "d",
                     config=config)
    plain = next(c for c in found["comparisons"] if c["figure"] == "under glove")
    assert plain["real"] and plain["superseded_by"] == "glove | glove_eot"
    assert not any("clean/none+smooth" in f for f in found["findings"])
    assert found["worst_cases"] == {"glove | glove_eot": ["glove", "glove_eot"]}
    assert [r["recipe"] for r in found["independence"]] == ["glove", "glove_eot", "glove | glove_eot"]
    # the same variant with a real gain under both halves is credited, by the worst case alone
    found = evidence([run("none", weak, weak), run("none+smooth", [1] * 160 + [0] * 40, [1] * 150 + [0] * 50)],
                     settings, 0, "d", config=config)
    credited = [f for f in found["findings"] if "clean/none+smooth" in f]
    assert len(credited) == 1 and "under glove | glove_eot" in credited[0]


def test_a_tagger_s_worst_case_keeps_per_sentence_the_attack_that_left_more_errors():
    """Entity F1 rows [tp, fp, fn]: per sentence the attack with more errors, on a tie fewer correct."""
    ids = [0, 1, 2]
    plain = {"measure": "entity_f1", "ids": ids, "rows": [[2, 0, 0], [1, 1, 1], [0, 1, 1]]}
    eot = {"measure": "entity_f1", "ids": ids, "rows": [[1, 1, 1], [2, 0, 0], [1, 1, 1]]}
    clean = {"measure": "entity_f1", "ids": ids, "rows": [[2, 0, 0]] * 3}
    rate = {"measure": "rate", "ids": ids, "rows": [[0, 1], [1, 1], [1, 1]]}
    ev = {"attacks": {n: {"clean_metric": 1.0, "metric_under_attack": 0.0, "success_rate": 0.0, "examples": 3,
                          "success": 0, "mean_perturbed_ratio": 0.1, "mean_queries": 10.0} for n in ("g", "g_eot")},
          "rows": {"attacks": {"g": {"metric_under_attack": plain, "clean_metric": clean, "success_rate": rate},
                               "g_eot": {"metric_under_attack": eot, "clean_metric": clean, "success_rate": rate}}}}
    out = adaptive.with_worst_cases(ev, {"g | g_eot": ("g", "g_eot")})
    worst = out["rows"]["attacks"]["g | g_eot"]["metric_under_attack"]
    assert worst["rows"] == [[1, 1, 1], [1, 1, 1], [0, 1, 1]]
    assert out["attacks"]["g | g_eot"]["metric_under_attack"] == pytest.approx(2 * 2 / (2 * 2 + 3 + 3))
