"""Students beside their teachers in the report: paired differences, the share of the teacher's
gain kept, sizes, and the prediction-time ratio on the compute page."""

from __future__ import annotations

import json

import pytest

from evaluation.calibration import ece_rows
from report.compute import build_compute
from report.distillation import distillation_summary, kept_share, teacher_variants
from report.distillation_html import distillation_html
from report.statistics import comparisons, variant_statistics

SETTINGS = {"bootstrap": 300, "confidence": 0.95, "alpha": 0.05}
CONFIG = {"distil": {"teachers": {"defended": {"variants": ["clean/none+spell"]}},
                     "students": {"small": {"teacher": "defended"}}}}


def evaluation(clean: list[int], under: list[int]) -> dict:
    """An evaluation file's per-row part: clean and one attack's correctness per row."""
    ids = [f"r{i}" for i in range(len(clean))]
    attacked = [f"r{i}" for i in range(len(under))]
    ece = ece_rows([[(0.8, bool(c))] for c in clean], 10)
    return {"rows": {"clean": {"measure": "accuracy", "ids": ids, "rows": [[c] for c in clean]},
                     "ece": {"measure": "ece", "ids": ids, "rows": ece},
                     "ece_scaled": {"measure": "ece", "ids": ids, "rows": ece}, "suites": {}, "transfer": {},
                     "attacks": {"glove": {"metric_under_attack": {"measure": "accuracy", "ids": attacked,
                                                                   "rows": [[u] for u in under]},
                                           "clean_metric": {"measure": "accuracy", "ids": attacked,
                                                            "rows": [[1] for _ in under]},
                                           "success_rate": {"measure": "rate", "ids": attacked,
                                                            "rows": [[1 - u, 1] for u in under]}}}}}


def correct(n: int, right: int) -> list[int]:
    return [1] * right + [0] * (n - right)


def variants() -> dict:
    return {"clean/none": [{"evaluation": evaluation(correct(200, 140), correct(100, 20)), "parameters": 22_000_000}],
            "clean/none+spell": [{"evaluation": evaluation(correct(200, 156), correct(100, 60)), "parameters": 22_000_000}],
            "augmented/small+spell": [{"evaluation": evaluation(correct(200, 100), correct(100, 56)),
                                       "parameters": 17_000_000}]}


def test_a_student_is_compared_with_its_teacher_on_the_same_rows_with_the_gain_it_kept():
    found = variants()
    intervals = variant_statistics(found, SETTINGS, 7)
    against = comparisons(found, "clean/none", SETTINGS, 7, "mr")
    entries = distillation_summary(CONFIG, found, intervals, "clean/none", SETTINGS, 7, "mr", against)
    assert len(entries) == 1 and entries[0]["student"] == "augmented/small+spell"
    assert entries[0]["teacher"] == "clean/none+spell" and entries[0]["teacher_name"] == "defended"
    by = {c["figure"]: c for c in entries[0]["comparisons"]}
    under = by["under glove"]
    assert under["kept"] == pytest.approx((0.56 - 0.20) / (0.60 - 0.20))  # 90% of the teacher's gain
    assert under["difference"] == pytest.approx(-0.04) and not under["real"]
    clean = by["clean"]  # 50% against 78%: really worse, paired on the same rows (so is its ECE here)
    assert clean["real"] and clean["difference"] == pytest.approx(-0.28) and clean["n"] == 200
    assert clean["kept"] == pytest.approx((0.50 - 0.70) / (0.78 - 0.70))  # the teacher's +8 points are real
    # without the evidence that the teacher's gains are real, no share is claimed
    unproven = distillation_summary(CONFIG, found, intervals, "clean/none", SETTINGS, 7, "mr", [])
    assert all(c["kept"] is None for c in unproven[0]["comparisons"])
    assert entries[0]["parameters"] == {"student": 17_000_000, "teacher": 22_000_000}
    html = distillation_html("mr", entries, {}, lambda path, caption: "")
    assert "augmented/small+spell ← clean/none+spell" in html and "90%" in html
    assert "3 of 4 figures really worse than the teacher" in html and "17.0 M parameters" in html


def test_only_students_get_a_teacher_and_nothing_to_keep_without_a_gain():
    assert teacher_variants(CONFIG, "small+spell") == ["clean/none+spell"]
    assert teacher_variants(CONFIG, "none+spell") is None and teacher_variants({}, "small") is None
    existing = {"distil": {"teachers": {"t": {"existing": "hub"}}, "students": {"s": {"teacher": "t"}}}}
    assert teacher_variants(existing, "s") == ["existing/hub"]
    assert kept_share(0.5, 0.6, 0.6) is None and kept_share(0.5, 0.6, None) is None


def test_the_compute_page_gives_the_students_prediction_time_as_a_share_of_its_teachers(tmp_path):
    runs = []
    for variant, seconds in (("clean/none+spell", 4.0), ("augmented/small+spell", 1.0)):
        trainset, method = variant.split("/")
        timing = tmp_path / f"{method}.timing.json"
        timing.write_text(json.dumps({"rows": 200, "predict_seconds": seconds / 5, "seconds_per_1000_rows": seconds}))
        runs.append({"dataset": "mr", "trainset": trainset, "method": method, "seed": 7, "predict_timing": str(timing)})
    out = build_compute([], runs, str(tmp_path / "compute.html"), str(tmp_path / "compute.json"),
                        {("mr", "augmented/small+spell"): ["clean/none+spell"]})
    assert [p["seconds_per_1000_rows"] for p in out["prediction"]] == [4.0, 1.0]
    assert "25% of clean/none+spell" in (tmp_path / "compute.html").read_text()
