"""Every compared figure's per-row outcomes, kept beside the report (results/report/outcomes.json).

The report's tests pair rows: a variant against the baseline in this run, and this run against an
accepted earlier one (report/reference.py). The evaluation files hold the rows, but a reviewer keeps
the report folder, not the models and evaluations, as the record of an accepted run; this file makes
that folder enough to compare a later run with it, row by row.
"""

from __future__ import annotations

from report import statistics


def variant_outcomes(runs: list[dict]) -> dict[str, dict]:
    """label -> {measure, ids, rows: one row list per seed} for each figure a comparison tests."""
    out = {}
    for label in statistics.figures(runs[0]["evaluation"]):
        if label.startswith(statistics.COMPARED):
            measure, ids, rows = statistics.seed_rows(runs, label)
            out[label] = {"measure": measure, "ids": ids, "rows": rows}
    return out


def dataset_outcomes(variants: dict[str, list[dict]]) -> dict[str, dict]:
    """variant -> its outcomes (``variants``: variant -> its runs, seeds in order, rows still in)."""
    return {name: variant_outcomes(runs) for name, runs in variants.items()}
