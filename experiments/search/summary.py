"""The study's outcome, from the workers' records: every finished trial and the best feasible one,
whose settings the `<trainset>/search` variant trains with."""

from __future__ import annotations

from robustflow.atomic import write_json
from robustflow.errors import DataError
from robustflow.rows import read_json


def feasible(trial: dict) -> bool:
    return all(c <= 0 for c in trial["values"].get("constraints", []))


def pick_best(trials: list[dict]) -> tuple[dict | None, bool]:
    """The highest value among feasible complete trials (the lowest number on a tie); with none
    feasible, the least violating one, flagged."""
    complete = [t for t in trials if t["state"] == "COMPLETE"]
    if not complete:
        return None, False
    ok = [t for t in complete if feasible(t)]
    if ok:
        return max(ok, key=lambda t: (t["value"], -t["number"])), True
    violation = lambda t: sum(max(c, 0) for c in t["values"].get("constraints", []))  # noqa: E731
    return min(complete, key=lambda t: (violation(t), -t["value"], t["number"])), False


def summarize(worker_paths: list[str], block: dict, out_path: str) -> dict:
    records = [read_json(p) for p in worker_paths]
    if len({r["study"] for r in records}) != 1:
        raise DataError(f"the search workers' records come from different studies ({sorted({r['study'] for r in records})}): "
                        "rerun the workers (snakemake --forcerun search_worker)")
    trials = sorted((t for r in records for t in r["trials"]), key=lambda t: t["number"])
    best, is_feasible = pick_best(trials)
    if best is None:
        raise DataError(f"search study {records[0]['study']}: no trial completed (all {len(trials)} were pruned). "
                        "Fix: raise `search.trials` or `search.startup_trials`, or set `search.pruning: false`")
    states = {s: sum(t["state"] == s for t in trials) for s in ("COMPLETE", "PRUNED")}
    summary = {"study": records[0]["study"], "method": block["method"], "objective": block["objective"],
               "budget": block["trials"], "workers": block["workers"], "trials": states,
               "best": {**best, "feasible": is_feasible}, "table": trials}
    write_json(out_path, summary)
    return summary
