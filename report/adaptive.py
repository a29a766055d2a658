"""The worse of a plain attack and its adaptive twin, row by row (DESIGN: randomised defences).

A smoothed model is attacked twice with the same search: once querying the deployed model (whose
seeded copies make its scores noisy, which a greedy search may exploit or be misled by) and once
scoring candidates by the expectation over copies of its own (`eot_copies`, judged by the deployed
model). Neither figure alone is the model's robustness: a row counts as robust only if both attacks
failed on it. The report adds that worst case as an attack of its own, `<plain> | <adaptive>`,
leads with it, and credits a defence by it alone, never by one of its two halves.

Recipes pair when their settings are equal apart from `eot_copies`, for classifiers and taggers."""

from __future__ import annotations

from robustflow import stats

SEPARATOR = " | "


def pairs(recipes: dict, evaluated: list[str]) -> dict[str, tuple[str, str]]:
    """worst-case name -> (plain, adaptive) for every evaluated adaptive recipe whose plain twin is
    evaluated too."""
    out = {}
    for adaptive in evaluated:
        block = recipes[adaptive]
        if not block.get("eot_copies"):
            continue
        bare = {k: v for k, v in block.items() if k != "eot_copies"}
        for plain in evaluated:
            other = recipes[plain]
            if not other.get("eot_copies") and {k: v for k, v in other.items() if k != "eot_copies"} == bare:
                out[f"{plain}{SEPARATOR}{adaptive}"] = (plain, adaptive)
                break
    return out


def halves(pairs_: dict[str, tuple[str, str]]) -> dict[str, str]:
    """recipe -> the worst case it is half of."""
    return {half: name for name, pair in pairs_.items() for half in pair}


def _worst_rows(plain: dict, adaptive: dict) -> dict:
    """Per row (robustflow/stats.py's row forms): accuracy [correct] is correct only if both attacks
    left it correct; a rate [success, attempted] counts a success of either attack; a sentence's
    entity counts [tp, fp, fn] are those of the attack that left more errors (fp + fn; on a tie,
    fewer correct entities)."""
    if plain["ids"] != adaptive["ids"]:
        raise ValueError("an attack and its adaptive twin were run on different rows; they must share the slice")
    if plain["measure"] == "rate":
        rows = [[max(a[0], b[0]), max(a[1], b[1])] for a, b in zip(plain["rows"], adaptive["rows"])]
    elif plain["measure"] == "accuracy":
        rows = [[min(a[0], b[0])] for a, b in zip(plain["rows"], adaptive["rows"])]
    elif plain["measure"] == "entity_f1":
        rows = [list(max(a, b, key=lambda r: (r[1] + r[2], -r[0]))) for a, b in zip(plain["rows"], adaptive["rows"])]
    else:
        raise ValueError(f"worst case of two attacks: no row-wise rule for the measure {plain['measure']!r}")
    return {"measure": plain["measure"], "ids": plain["ids"], "rows": rows}


def with_worst_cases(evaluation: dict, pairs_: dict[str, tuple[str, str]]) -> dict:
    """``evaluation`` with each pair's worst case added beside its two attacks (figures and rows)."""
    attacks, rows = dict(evaluation["attacks"]), dict(evaluation["rows"]["attacks"])
    for name, (plain, adaptive) in pairs_.items():
        if plain not in attacks or adaptive not in attacks:
            continue
        worst = {figure: _worst_rows(rows[plain][figure], rows[adaptive][figure])
                 for figure in ("clean_metric", "metric_under_attack", "success_rate")}
        rows[name] = worst
        attacks[name] = {"clean_metric": attacks[plain]["clean_metric"],
                         "metric_under_attack": stats.value(worst["metric_under_attack"]["measure"],
                                                            worst["metric_under_attack"]["rows"]),
                         "success_rate": stats.value("rate", worst["success_rate"]["rows"]),
                         "examples": attacks[plain]["examples"],
                         "success": sum(r[0] for r in worst["success_rate"]["rows"]),
                         "mean_perturbed_ratio": None, "mean_queries": None}
    # the report leads with the worst case: it comes first, before its plain half
    lead = {plain: name for name, (plain, _) in pairs_.items() if name in attacks}
    order = [n for a in evaluation["attacks"] for n in ([lead[a]] if a in lead else []) + [a]]
    return {**evaluation, "attacks": {n: attacks[n] for n in order},
            "rows": {**evaluation["rows"], "attacks": {n: rows[n] for n in order}}}
