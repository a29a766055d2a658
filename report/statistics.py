"""Intervals for every figure of the report and paired tests of every variant against the baseline.

Each evaluation keeps, for each figure, every row's contribution to it (evaluation/evaluate_model.py).
Here they are resampled: a percentile bootstrap interval per figure and variant (over rows, and over
seeds where a variant has several), and for each variant against the baseline, on the same rows,
the difference with its interval and a p-value (exact McNemar for one model's accuracy against
another's, a z-test with the paired bootstrap's standard error otherwise), Holm-adjusted over all of a dataset's comparisons.
"""

from __future__ import annotations

from robustflow import stats

LOWER_IS_BETTER = {"ECE", "ECE after temperature scaling", "attack success"}


def figures(evaluation: dict) -> dict[str, dict]:
    """label -> {measure, ids, rows} for every figure of one evaluation, in report order."""
    rows = evaluation["rows"]
    out = {"clean": rows["clean"], "ECE": rows["ece"], "ECE after temperature scaling": rows["ece_scaled"]}
    for name, suite in rows["suites"].items():
        out[f"suite {name}"] = suite["metric"]
    for name, attack in rows["attacks"].items():
        out[f"under {name}"] = attack["metric_under_attack"]
        out[f"{name}: clean on the attacked rows"] = attack["clean_metric"]
        out[f"{name}: attack success"] = attack["success_rate"]
    for name, transfer in rows["transfer"].items():
        out[f"transfer {name}"] = transfer
    return out


# Figures whose difference to the baseline is tested. Not transfer: its rows are the baseline's own
# successful adversarial examples, so the baseline scores 0 on them by construction and any other
# model "beats" it; its intervals are still shown.
COMPARED = ("clean", "ECE", "suite ", "under ")


def seed_rows(variant_runs: list[dict], label: str) -> tuple[str, list, list]:
    figs = [figures(r["evaluation"])[label] for r in variant_runs]
    ids = figs[0]["ids"]
    if any(f["ids"] != ids for f in figs):
        raise ValueError(f"{label}: the seeds of one variant were evaluated on different rows")
    return figs[0]["measure"], ids, [f["rows"] for f in figs]


def variant_statistics(variants: dict[str, list[dict]], settings: dict, *seed: object) -> dict:
    """variant -> label -> {value, low, high, n}."""
    out = {}
    for name, runs in variants.items():
        out[name] = {}
        for label in figures(runs[0]["evaluation"]):
            measure, _, rows = seed_rows(runs, label)
            out[name][label] = stats.bootstrap_ci(measure, rows, settings["bootstrap"], settings["confidence"],
                                                  *seed, name, label)
    return out


def comparisons(variants: dict[str, list[dict]], baseline: str, settings: dict, *seed: object) -> list[dict]:
    """Every compared figure of every variant against the baseline on the same rows, Holm-adjusted."""
    if baseline not in variants:
        return []
    out = []
    for name, runs in variants.items():
        if name == baseline:
            continue
        for label in figures(runs[0]["evaluation"]):
            if not label.startswith(COMPARED):
                continue
            measure, ids, rows = seed_rows(runs, label)
            _, base_ids, base_rows = seed_rows(variants[baseline], label)
            if ids != base_ids:
                raise ValueError(f"{label}: {name} and the baseline were evaluated on different rows")
            test = stats.paired_difference(measure, rows, base_rows, settings["bootstrap"], settings["confidence"],
                                           *seed, name, label)
            out.append({"variant": name, "figure": label, **test,
                        "higher_is_better": label not in LOWER_IS_BETTER})
    adjusted = stats.holm([c["p"] for c in out])
    for c, p in zip(out, adjusted):
        excludes_zero = c["low"] is not None and (c["low"] > 0 or c["high"] < 0)
        c["p_adjusted"] = p
        c["real"] = bool(p < settings["alpha"] and excludes_zero)
    return out


def _sentence(c: dict, settings: dict, baseline: str, p: str) -> str:
    better = (c["difference"] > 0) == c["higher_is_better"]
    return (f"{c['variant']} is {'better' if better else 'worse'} than the baseline ({baseline}) on "
            f"{c['figure']}: {c['difference'] * 100:+.1f} points ({settings['confidence']:.0%} interval "
            f"{c['low'] * 100:+.1f} to {c['high'] * 100:+.1f}, n={c['n']}; {c['test']}, {p})")


def findings(comparisons_: list[dict], settings: dict, baseline: str) -> list[str]:
    """The real differences (adjusted p below alpha, interval excluding zero) in plain words."""
    return [_sentence(c, settings, baseline, f"Holm-adjusted p={c['p_adjusted']:.2g}")
            for c in comparisons_ if c["real"]]


def not_established(comparisons_: list[dict], settings: dict, baseline: str) -> list[str]:
    """Differences whose interval excludes zero and whose own p is below alpha, but which do not
    survive the correction for the number of comparisons: worth a larger test slice, not a claim."""
    lines = []
    for c in comparisons_:
        excludes_zero = c["low"] is not None and (c["low"] > 0 or c["high"] < 0)
        if excludes_zero and c["p"] < settings["alpha"] and not c["real"]:
            lines.append(_sentence(c, settings, baseline, f"p={c['p']:.2g}, Holm-adjusted over "
                                   f"{len(comparisons_)} comparisons p={c['p_adjusted']:.2g}"))
    return lines
