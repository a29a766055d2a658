"""The sweep's trade-off: every trained variant's clean figure against its robust figure, the
Pareto front (no other variant at least as good on both and better on one), and the chosen point
(the sweep's `choose` rule: the most robust variant whose clean figure is at most max_clean_drop
below the baseline's; ties go to the better clean figure, then to the baseline: a change that
gains nothing is not adopted, then to the name)."""

from __future__ import annotations


def robust_point(intervals: dict, robust: str, recipes: list[str]) -> dict:
    """{value, low, high} of the robust figure. For `attacks`, the mean over the recipes, with the
    mean of their bounds as its interval: never narrower than the mean's own (sd(X+Y) <= sd X + sd Y)."""
    names = recipes if robust == "attacks" else [robust]
    stats = [intervals[f"under {r}"] for r in names]
    return {key: sum(s[key] for s in stats) / len(stats) for key in ("value", "low", "high")}


def pareto(points: dict[str, tuple[float, float]]) -> list[str]:
    def dominated(name: str) -> bool:
        c, r = points[name]
        return any(oc >= c and orr >= r and (oc > c or orr > r) for other, (oc, orr) in points.items() if other != name)

    return [name for name in points if not dominated(name)]


def trade_off(intervals: dict, trained: list[str], baseline: str, rule: dict, recipes: list[str]) -> dict | None:
    """The trade-off table and the chosen variant (None without a sweep rule or a baseline)."""
    if not rule or baseline not in intervals:
        return None
    points = {}
    for name in trained:
        clean = intervals[name]["clean"]
        points[name] = {"clean": {k: clean[k] for k in ("value", "low", "high")},
                        "robust": robust_point(intervals[name], rule["robust"], recipes)}
    floor = points[baseline]["clean"]["value"] - rule["max_clean_drop"]
    front = set(pareto({n: (p["clean"]["value"], p["robust"]["value"]) for n, p in points.items()}))
    for name, p in points.items():
        p.update(pareto=name in front, eligible=p["clean"]["value"] >= floor - 1e-12)
    eligible = [n for n, p in points.items() if p["eligible"]]
    chosen = min(eligible, key=lambda n: (-points[n]["robust"]["value"], -points[n]["clean"]["value"], n != baseline, n))
    return {"rule": rule, "recipes": recipes, "clean_floor": floor, "baseline": baseline, "chosen": chosen,
            "points": points}
