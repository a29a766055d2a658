"""Confidence intervals and paired tests for metrics built from per-row contributions.

Every metric the report compares is a function of column sums of per-row vectors (a "measure"):
accuracy from [correct], entity F1 from [tp, fp, fn] per sentence, a rate from [hits, tries],
ECE from per-bin [count, confidence sum, correct sum]. Resampling rows (and seeds, where a variant
has several) and recomputing the metric from the resampled sums gives percentile bootstrap
intervals for any of them; resampling the same rows for two models gives paired differences.
Every draw comes from a generator seeded by name, so the report is byte-identical between runs.
"""

from __future__ import annotations

from math import comb, erfc, sqrt
from typing import Sequence

import numpy as np

from robustflow.seeds import row_seed


def ece_from_totals(totals: np.ndarray) -> np.ndarray:
    """ECE from per-bin totals laid out as [counts..., confidence sums..., correct sums...]."""
    bins = totals.shape[-1] // 3
    count, conf, correct = totals[..., :bins], totals[..., bins:2 * bins], totals[..., 2 * bins:]
    n = count.sum(-1)
    return np.where(n > 0, np.abs(correct - conf).sum(-1) / np.maximum(n, 1e-12), 0.0)


def _accuracy(t: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.where(n > 0, t[..., 0] / np.maximum(n, 1), 0.0)


def _f1(t: np.ndarray, n: np.ndarray) -> np.ndarray:
    tp, fp, fn = t[..., 0], t[..., 1], t[..., 2]
    denominator = 2 * tp + fp + fn
    return np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1e-12), 0.0)


def _rate(t: np.ndarray, n: np.ndarray) -> np.ndarray:
    return np.where(t[..., 1] > 0, t[..., 0] / np.maximum(t[..., 1], 1e-12), 0.0)


MEASURES = {"accuracy": _accuracy, "entity_f1": _f1, "rate": _rate, "ece": lambda t, n: ece_from_totals(t)}


def value(measure: str, rows: Sequence[Sequence[float]]) -> float:
    """The metric of all rows (the point estimate)."""
    data = np.asarray(rows, dtype=float).reshape(len(rows), -1)
    return float(MEASURES[measure](data.sum(0), np.asarray(len(rows), dtype=float)))


def mean_value(measure: str, runs: np.ndarray) -> float:
    """The point estimate of (S, N, d) runs: the metric of each run's rows, averaged over runs."""
    return float(np.mean([value(measure, r) for r in runs]))


def _draws(measure: str, runs: np.ndarray, counts: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Metric per bootstrap draw: runs (S, N, d); counts (B, N) how often each row is drawn; seeds
    (B, S) which runs are drawn. A draw's metric is the mean, over its drawn runs, of the metric on
    its drawn rows (totals are count-weighted sums: one matrix product per run, no (B, N, d) copy)."""
    n = np.asarray(runs.shape[1], dtype=float)
    per_run = np.zeros(seeds.shape, dtype=float)
    for j in range(seeds.shape[1]):
        totals = np.zeros((counts.shape[0], runs.shape[2]))
        for s in range(runs.shape[0]):
            drawn = seeds[:, j] == s
            if drawn.any():
                totals[drawn] = counts[drawn] @ runs[s]
        per_run[:, j] = MEASURES[measure](totals, n)
    return per_run.mean(1)


def _pick_runs(n_runs: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(B, S): which runs (seeds) each draw uses, with replacement; one run: always it."""
    return rng.integers(0, n_runs, size=(draws, n_runs)) if n_runs > 1 else np.zeros((draws, 1), dtype=int)


def _resample(n_rows: int, n_runs: int, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.multinomial(n_rows, np.full(n_rows, 1 / n_rows), size=draws).astype(float)
    return counts, _pick_runs(n_runs, draws, rng)


def as_runs(runs: Sequence[Sequence[Sequence[float]]]) -> np.ndarray:
    """(S, N, d) from one row list per seed (rows aligned across seeds); N may be 0."""
    return np.asarray([np.asarray(r, dtype=float).reshape(len(r), -1) if len(r) else np.zeros((0, 1)) for r in runs])


def bootstrap_ci(measure: str, runs: Sequence, draws: int, level: float, *seed: object) -> dict:
    """Point estimate (mean over runs) and percentile interval over rows and runs."""
    data = as_runs(runs)
    if data.shape[1] == 0:  # nothing to measure (no adversarial example to transfer)
        return {"value": None, "low": None, "high": None, "n": 0}
    point = mean_value(measure, data)
    rng = np.random.default_rng(row_seed("bootstrap", *seed))
    stats = _draws(measure, data, *_resample(data.shape[1], data.shape[0], draws, rng))
    low, high = np.quantile(stats, [(1 - level) / 2, 1 - (1 - level) / 2])
    return {"value": point, "low": float(low), "high": float(high), "n": int(data.shape[1])}


def paired_difference(measure: str, runs: Sequence, baseline: Sequence, draws: int, level: float, *seed: object) -> dict:
    """variant − baseline on the same rows: the difference, its percentile interval and a two-sided
    p-value from the bootstrap's standard error (z = difference / SE). Not the share of draws on the
    other side of zero: with B draws that cannot go below 2/(B+1), which a Holm correction over
    many comparisons would turn into "nothing is ever significant"."""
    a, b = as_runs(runs), as_runs(baseline)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"paired rows differ: {a.shape[1]} vs {b.shape[1]}")
    if a.shape[1] == 0:
        return {"difference": None, "low": None, "high": None, "p": 1.0, "test": "none (no rows)", "n": 0}
    point = mean_value(measure, a) - mean_value(measure, b)
    rng = np.random.default_rng(row_seed("paired", *seed))
    counts, seeds_a = _resample(a.shape[1], a.shape[0], draws, rng)
    seeds_b = _pick_runs(b.shape[0], draws, rng)
    diffs = _draws(measure, a, counts, seeds_a) - _draws(measure, b, counts, seeds_b)
    low, high = np.quantile(diffs, [(1 - level) / 2, 1 - (1 - level) / 2])
    se = float(np.std(diffs, ddof=1))
    p = erfc(abs(point) / se / sqrt(2)) if se > 0 else float(point == 0)
    out = {"difference": point, "low": float(low), "high": float(high), "p": float(p), "test": "paired bootstrap",
           "n": int(a.shape[1])}
    if measure == "accuracy" and a.shape[0] == 1 and b.shape[0] == 1:  # one model each: the exact test
        out.update(p=mcnemar_exact(a[0, :, 0], b[0, :, 0]), test="McNemar exact")
    return out


def unpaired_difference(measure: str, runs: Sequence, other: Sequence, draws: int, level: float, *seed: object) -> dict:
    """runs − other on different rows (two independent samples, e.g. two data versions): each side
    resampled on its own; the difference, its percentile interval and a two-sided p-value from the
    bootstrap's standard error, as in paired_difference."""
    a, b = as_runs(runs), as_runs(other)
    if a.shape[1] == 0 or b.shape[1] == 0:
        return {"difference": None, "low": None, "high": None, "p": 1.0, "test": "none (no rows)", "n": 0}
    point = mean_value(measure, a) - mean_value(measure, b)
    rng = np.random.default_rng(row_seed("unpaired", *seed))
    diffs = (_draws(measure, a, *_resample(a.shape[1], a.shape[0], draws, rng))
             - _draws(measure, b, *_resample(b.shape[1], b.shape[0], draws, rng)))
    low, high = np.quantile(diffs, [(1 - level) / 2, 1 - (1 - level) / 2])
    se = float(np.std(diffs, ddof=1))
    p = erfc(abs(point) / se / sqrt(2)) if se > 0 else float(point == 0)
    return {"difference": point, "low": float(low), "high": float(high), "p": float(p),
            "test": "unpaired bootstrap", "n": int(a.shape[1]), "n_other": int(b.shape[1])}


def mcnemar_exact(correct_a: Sequence[float], correct_b: Sequence[float]) -> float:
    """Two-sided exact McNemar test on paired 0/1 outcomes: a binomial test on the discordant pairs."""
    a, b = np.asarray(correct_a) > 0.5, np.asarray(correct_b) > 0.5
    only_a, only_b = int(np.sum(a & ~b)), int(np.sum(~a & b))
    n = only_a + only_b
    if n == 0:
        return 1.0
    k = min(only_a, only_b)
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return float(min(1.0, 2 * tail))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (step-down; monotone; capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
