"""Calibration: expected calibration error over equal-width confidence bins, its per-row form (for
bootstrap intervals), and temperature scaling fitted on dev."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np


def bin_of(confidence: float, bins: int) -> int:
    """Bin b holds confidences in (b/bins, (b+1)/bins]; a confidence of exactly 0 goes to the first bin."""
    return min(max(int(-(-confidence * bins // 1)) - 1, 0), bins - 1)  # ceil(c*bins)-1: right-closed bins


def expected_calibration_error(confidence: Sequence[float], correct: Sequence[bool], bins: int) -> dict:
    """ECE = sum_b |B|/n * |acc(B) - conf(B)|, plus the per-bin figures the reliability plot draws."""
    n = len(confidence)
    counts, conf_sum, correct_sum = [0] * bins, [0.0] * bins, [0] * bins
    for c, ok in zip(confidence, correct):
        b = bin_of(c, bins)
        counts[b] += 1
        conf_sum[b] += c
        correct_sum[b] += bool(ok)
    ece = sum(abs(correct_sum[b] - conf_sum[b]) for b in range(bins)) / n if n else 0.0
    per_bin = [{"lower": b / bins, "upper": (b + 1) / bins, "count": counts[b],
                "accuracy": correct_sum[b] / counts[b] if counts[b] else None,
                "confidence": conf_sum[b] / counts[b] if counts[b] else None} for b in range(bins)]
    return {"ece": ece, "bins": per_bin, "n": n}


def ece_rows(rows: Sequence[Sequence[tuple[float, bool]]], bins: int) -> list[list[float]]:
    """Per row (an example, or a sentence's words), its [counts per bin, confidence sums per bin,
    correct counts per bin]: additive, so resampled rows give resampled ECEs (robustflow.stats)."""
    out = []
    for units in rows:
        vec = [0.0] * (3 * bins)
        for confidence, correct in units:
            b = bin_of(confidence, bins)
            vec[b] += 1
            vec[bins + b] += confidence
            vec[2 * bins + b] += bool(correct)
        out.append([round(v, 6) for v in vec])
    return out


def scaled(dist: Sequence[float], temperature: float) -> np.ndarray:
    """softmax(log p / T): the distribution a model with logits divided by T would give."""
    logits = np.log(np.clip(np.asarray(dist, dtype=float), 1e-12, None)) / temperature
    logits -= logits.max()
    p = np.exp(logits)
    return p / p.sum()


def fit_temperature(dists: Sequence[Sequence[float]], gold: Sequence[int], low: float = 0.05,
                    high: float = 20.0, steps: int = 60) -> float:
    """The T in [low, high] that minimises the mean negative log-likelihood of ``gold`` under the
    scaled distributions (golden-section search on log T: the NLL is convex in 1/T)."""
    keep = [i for i, g in enumerate(gold) if g >= 0]
    if not keep:
        return 1.0
    log_p = np.log(np.clip(np.asarray([dists[i] for i in keep], dtype=float), 1e-12, None))
    target = np.asarray([gold[i] for i in keep])

    def nll(log_t: float) -> float:
        z = log_p / math.exp(log_t)
        z = z - z.max(1, keepdims=True)
        return float(-(z[np.arange(len(z)), target] - np.log(np.exp(z).sum(1))).mean())

    a, b = math.log(low), math.log(high)
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    for _ in range(steps):
        if nll(c) <= nll(d):
            b, d = d, c
            c = b - ratio * (b - a)
        else:
            a, c = c, d
            d = a + ratio * (b - a)
    return round(math.exp((a + b) / 2), 6)
