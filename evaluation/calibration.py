"""Expected calibration error: how far confidence is from accuracy, over equal-width bins."""

from __future__ import annotations

from typing import Sequence


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int) -> dict:
    """ECE = sum_b |B|/n * |acc(B) - conf(B)|, plus the per-bin figures the reliability plot draws.

    Bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 goes to the first bin.
    """
    n = len(confidence)
    counts, conf_sum, correct_sum = [0] * bins, [0.0] * bins, [0] * bins
    for c, ok in zip(confidence, correct):
        b = min(max(int(-(-c * bins // 1)) - 1, 0), bins - 1)  # ceil(c*bins)-1: right-closed bins
        counts[b] += 1
        conf_sum[b] += c
        correct_sum[b] += bool(ok)
    ece = sum(abs(correct_sum[b] - conf_sum[b]) for b in range(bins)) / n if n else 0.0
    per_bin = [{"lower": b / bins, "upper": (b + 1) / bins, "count": counts[b],
                "accuracy": correct_sum[b] / counts[b] if counts[b] else None,
                "confidence": conf_sum[b] / counts[b] if counts[b] else None} for b in range(bins)]
    return {"ece": ece, "bins": per_bin, "n": n}
