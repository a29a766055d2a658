"""The report's figures as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import matplotlib

from robustflow.tasks import Task, task_for

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    # bbox "tight" keeps legends placed outside the axes inside the image
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})  # no timestamp/version: same figures, same bytes
    plt.close(fig)
    return path


def _bars(ax, groups: list[str], series: dict[str, list], errors: dict[str, list] | None = None) -> None:
    """Grouped bars; ``errors``: per series, one (low, high) interval per group (None: no bar)."""
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        xs = [i + k * width - 0.4 + width / 2 for i in range(len(groups))]
        vals = [v if v is not None else 0 for v in values]
        err = None
        if errors:
            bounds = [e if e and e[0] is not None else (v, v) for v, e in zip(vals, errors[name])]
            err = [[max(v - lo, 0) for v, (lo, _) in zip(vals, bounds)], [max(hi - v, 0) for v, (_, hi) in zip(vals, bounds)]]
        ax.bar(xs, vals, width, label=name, yerr=err, capsize=3 if err else 0)
    ax.set_xticks(range(len(groups)), groups, rotation=20, ha="right")
    # outside the axes: bars reach 1.0 (success rates, F1) and a legend inside would hide them
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _interval(intervals: dict, variant: str, figure: str) -> tuple:
    stat = intervals[variant].get(figure)
    return (stat["low"], stat["high"]) if stat else (None, None)


def _value(intervals: dict, variant: str, figure: str) -> float | None:
    """A figure's value; None (no bar) where the variant lacks it (a model evaluated by an earlier
    run can carry a recipe newer models were never attacked with)."""
    return (intervals[variant].get(figure) or {}).get("value")


def _figure_bars(intervals: dict, names: list[str], figures: dict[str, str]) -> tuple[dict, dict]:
    """series label -> values and intervals of ``figures`` (label -> figure) for every variant."""
    series = {label: [_value(intervals, n, f) for n in names] for label, f in figures.items()}
    errors = {label: [_interval(intervals, n, f) for n in names] for label, f in figures.items()}
    return series, errors


def clean_vs_attack(dataset: str, task: Task, variants: dict, intervals: dict, out: Path) -> Path | None:
    recipes = sorted({a for v in variants.values() for a in v["attacks"]})
    if not recipes:
        return None
    names = list(variants)
    series, errors = _figure_bars(intervals, names, {"clean": "clean", **{f"under {a}": f"under {a}" for a in recipes}})
    fig, ax = plt.subplots(figsize=(7, 4))
    _bars(ax, names, series, errors)
    ax.set_ylabel(task.metric_name)
    ax.set_ylim(0, 1)
    ax.set_title(f"{dataset}: clean vs under attack (bootstrap intervals)")
    return _save(fig, out)


def noise_curves(dataset: str, task: Task, variants: dict, suites: dict, out: Path) -> Path | None:
    """Metric against the word-change rate, one line per variant, for suites of one type at several rates."""
    by_type = defaultdict(list)
    for name, stats in suites.items():
        by_type[stats["type"]].append((stats["params"]["word_p"], name))
    curves = {t: sorted(v) for t, v in by_type.items() if len(v) > 1}
    if not curves:
        return None
    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.8), squeeze=False)
    for ax, (suite_type, points) in zip(axes[0], curves.items()):
        for vname, v in variants.items():
            xs = [0.0] + [rate for rate, _ in points]
            ys = [v["clean"]["mean"]] + [v["suites"][s]["metric"]["mean"] for _, s in points]
            ax.plot(xs, ys, marker="o", label=vname)
        ax.set_xlabel(f"{suite_type}: share of words changed (word_p)")
        ax.set_ylabel(task.metric_name)
        ax.set_title(f"{dataset}: degradation with noise")
        ax.legend(fontsize=8)
    return _save(fig, out)


def attack_success(dataset: str, variants: dict, intervals: dict, out: Path) -> Path | None:
    recipes = sorted({a for v in variants.values() for a in v["attacks"]})
    if not recipes:
        return None
    names = list(variants)
    series = {n: [_value(intervals, n, f"{a}: attack success") for a in recipes] for n in names}
    errors = {n: [_interval(intervals, n, f"{a}: attack success") for a in recipes] for n in names}
    fig, ax = plt.subplots(figsize=(7, 4))
    _bars(ax, recipes, series, errors)
    ax.set_ylabel("attack success rate")
    ax.set_ylim(0, 1)
    ax.set_title(f"{dataset}: attack success per recipe (lower is more robust)")
    return _save(fig, out)


def per_type_f1(dataset: str, variants: dict, out: Path) -> Path | None:
    types = sorted({t for v in variants.values() for t in v.get("per_type_f1", {})})
    if not types:
        return None
    names = list(variants)
    series = {n: [variants[n]["per_type_f1"].get(t, {}).get("mean") for t in types] for n in names}
    fig, ax = plt.subplots(figsize=(7, 4))
    _bars(ax, types, series)
    ax.set_ylabel("test F1 (strict IOB2)")
    ax.set_ylim(0, 1)
    ax.set_title(f"{dataset}: F1 per entity type")
    return _save(fig, out)


def calibration(dataset: str, variants: dict, intervals: dict, out: Path) -> Path:
    names = list(variants)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    _bars(ax, names, *_figure_bars(intervals, names, {"before": "ECE", "after temperature scaling":
                                                      "ECE after temperature scaling"}))
    ax.set_ylabel("expected calibration error")
    ax.set_title(f"{dataset}: calibration (lower is better)")
    return _save(fig, out)


def reliability(dataset: str, runs: list[dict], out: Path) -> Path | None:
    """Accuracy against confidence per bin, before and after temperature scaling, one panel per
    variant (its first seed): on the diagonal is calibrated."""
    first = {}
    for run in runs:
        first.setdefault(f"{run['trainset']}/{run['method']}", run)
    if not first:
        return None
    fig, axes = plt.subplots(1, len(first), figsize=(3.2 * len(first), 3.3), squeeze=False, sharey=True)
    for ax, (name, run) in zip(axes[0], first.items()):
        ev = run["evaluation"]
        for key, label, style in (("calibration", "before", "--"), ("calibration_scaled", "after", "-")):
            points = [(b["confidence"], b["accuracy"]) for b in ev[key]["bins"] if b["count"]]
            ax.plot([c for c, _ in points], [a for _, a in points], style, marker="o", markersize=3,
                    label=f"{label} (ECE {ev[key]['ece']:.3f})")
        ax.plot([0, 1], [0, 1], ":", color="grey", linewidth=1)
        ax.set_title(f"{name} (T={ev['calibration_scaled']['temperature']:.2f})", fontsize=9)
        ax.set_xlabel("confidence")
        ax.legend(fontsize=7, loc="upper left")
    axes[0][0].set_ylabel("accuracy")
    fig.suptitle(f"{dataset}: reliability before and after temperature scaling", fontsize=10)
    return _save(fig, out)


def compute(rows: list[dict], out: Path) -> Path | None:
    if not rows:
        return None
    totals = defaultdict(float)
    for r in rows:
        totals[r["stage"]] += r["seconds"]
    stages = sorted(totals, key=totals.get, reverse=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(stages, [totals[s] / 60 for s in stages])
    ax.invert_yaxis()
    ax.set_xlabel("job time summed over jobs (minutes)")
    ax.set_title("compute cost per stage")
    return _save(fig, out)


def trade_off(dataset: str, task: Task, tradeoff: dict | None, out: Path) -> Path | None:
    """Clean (x) against robust (y) for every trained variant, with intervals; the Pareto front
    joined, the chosen point starred, the clean floor of the choice dashed."""
    if not tradeoff:
        return None
    points = tradeoff["points"]
    fig, ax = plt.subplots(figsize=(7, 5))
    for name, p in points.items():
        c, r = p["clean"], p["robust"]
        ax.errorbar(c["value"], r["value"], xerr=[[c["value"] - c["low"]], [c["high"] - c["value"]]],
                    yerr=[[r["value"] - r["low"]], [r["high"] - r["value"]]], fmt="o", ms=5, capsize=2,
                    color="tab:red" if name == tradeoff["chosen"] else "tab:blue", alpha=0.8)
        ax.annotate(name, (c["value"], r["value"]), fontsize=7, xytext=(4, 4), textcoords="offset points")
    front = sorted((points[n]["clean"]["value"], points[n]["robust"]["value"]) for n in points if points[n]["pareto"])
    ax.plot([x for x, _ in front], [y for _, y in front], "--", color="gray", label="Pareto front")
    chosen = points[tradeoff["chosen"]]
    ax.plot(chosen["clean"]["value"], chosen["robust"]["value"], "*", ms=16, color="tab:red",
            label=f"chosen: {tradeoff['chosen']}")
    ax.axvline(tradeoff["clean_floor"], color="gray", lw=0.8, ls=":", label="clean floor of the choice")
    robust = tradeoff["rule"]["robust"]
    ax.set_xlabel(f"clean {task.metric_name}")
    ax.set_ylabel(f"{task.metric_name} under " + ("the attacks (mean)" if robust == "attacks" else robust))
    ax.set_title(f"{dataset}: clean vs robust trade-off (95% intervals)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, out)


def search_history(dataset: str, search: dict | None, out: Path) -> Path | None:
    """The study's optimisation history: each trial's objective value by trial number (feasible,
    infeasible, pruned told apart), the best feasible value so far, the promoted trial starred."""
    if not search:
        return None
    table = search["table"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ok = [t for t in table if t["feasible"]]
    bad = [t for t in table if t["state"] == "COMPLETE" and not t["feasible"]]
    ax.plot([t["number"] for t in ok], [t["value"] for t in ok], "o", color="tab:blue", label="feasible trial")
    if bad:
        ax.plot([t["number"] for t in bad], [t["value"] for t in bad], "x", color="gray", label="below a floor")
    pruned = [t["number"] for t in table if t["state"] == "PRUNED"]
    if pruned:
        ax.plot(pruned, [0.02] * len(pruned), "v", color="tab:orange", label="pruned (no value)",
                transform=ax.get_xaxis_transform())  # at the axis' foot: a pruned trial has no objective value
    best, steps = None, []
    for t in table:
        if t["feasible"] and (best is None or t["value"] > best):
            best = t["value"]
        steps.append(best)
    ax.step([t["number"] for t in table], steps, where="post", color="tab:green", label="best feasible so far")
    b = search["best"]
    ax.plot(b["number"], b["value"], "*", ms=16, color="tab:red", label=f"promoted: trial {b['number']}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("trial number")
    ax.set_ylabel(f"objective: dev {search['objective']['maximize']}")
    ax.set_title(f"{dataset}: search history ({search['method']}, {len(table)} trials)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, out)


CHANGE_COLOURS = {"worse": "#b3261e", "better": "#1b7f3b", "noise": "#8a93a3"}


def _forest(rows: list[dict], labels: list[str], colours: list[str], xlabel: str, title: str, out: Path) -> Path:
    """One difference per row with its interval, in points, drawn so that right is better."""
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.28 * len(rows)))
    for y, (c, colour) in enumerate(zip(reversed(rows), reversed(colours))):
        sign = 1 if c["higher_is_better"] else -1  # drawn as "better to the right" for every figure
        d, low, high = (sign * 100 * x for x in (c["difference"], c["low"], c["high"]))
        ax.errorbar([d], [y], xerr=[[d - min(low, high)], [max(low, high) - d]], fmt="o", color=colour, capsize=3)
    ax.axvline(0, color="#1d2330", lw=0.8)
    ax.set_yticks(range(len(rows)), list(reversed(labels)), fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return _save(fig, out)


def since_reference(dataset: str, comparisons: list[dict], out: Path) -> Path | None:
    """Each figure that moved since the reference run: its difference with its interval (points),
    red when really worse, green when really better, grey within noise; identical ones left out."""
    moved = [c for c in comparisons if c["dataset"] == dataset and c["change"] in CHANGE_COLOURS]
    if not moved:
        return None
    return _forest(moved, [f"{c['variant']}: {c['figure']}" for c in moved], [CHANGE_COLOURS[c["change"]] for c in moved],
                   "change since the reference run, points (right = better; lower-is-better figures flipped)",
                   f"{dataset}: since the reference run", out)


def student_beside_teacher(dataset: str, entry: dict, out: Path) -> Path | None:
    """Student − teacher for each compared figure with its interval (report/distillation.py)."""
    rows = [c for c in entry["comparisons"] if c["low"] is not None]
    if not rows:
        return None

    def change(c):
        return "noise" if not c["real"] else "better" if (c["difference"] > 0) == c["higher_is_better"] else "worse"
    return _forest(rows, [c["figure"] for c in rows], [CHANGE_COLOURS[change(c)] for c in rows],
                   "student − teacher, points (right = better; lower-is-better figures flipped)",
                   f"{dataset}: {entry['student']} beside {entry['teacher']}", out)


def safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def make_plots(summary: dict, out_dir: str | Path) -> dict[str, str]:
    """name -> PNG path for every figure that has data."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    task, made = task_for(summary["task"]), {}
    for ds, data in summary["datasets"].items():
        v, intervals = data["variants"], data["evidence"]["intervals"]
        figures = {
            f"{ds}: clean vs under attack": clean_vs_attack(ds, task, v, intervals, out_dir / f"{safe(ds)}_clean_vs_attack.png"),
            f"{ds}: degradation vs noise rate": noise_curves(ds, task, v, data["suites"], out_dir / f"{safe(ds)}_noise.png"),
            f"{ds}: attack success per recipe": attack_success(ds, v, intervals, out_dir / f"{safe(ds)}_attack_success.png"),
            f"{ds}: F1 per entity type": per_type_f1(ds, v, out_dir / f"{safe(ds)}_per_type_f1.png"),
            f"{ds}: calibration": calibration(ds, v, intervals, out_dir / f"{safe(ds)}_calibration.png"),
            f"{ds}: reliability": reliability(ds, data["runs"], out_dir / f"{safe(ds)}_reliability.png"),
            f"{ds}: clean vs robust trade-off": trade_off(ds, task, data.get("tradeoff"), out_dir / f"{safe(ds)}_tradeoff.png"),
            f"{ds}: search history": search_history(ds, data.get("search"), out_dir / f"{safe(ds)}_search_history.png"),
        }
        for e in data.get("distillation") or []:
            key = f"student beside teacher: {ds}: {e['student']} <- {e['teacher']}"
            figures[key] = student_beside_teacher(ds, e, out_dir / f"{safe(ds)}_{safe(e['student'])}_{safe(e['teacher'])}.png")
        if summary.get("reference"):
            figures[f"since the reference: {ds}"] = since_reference(ds, summary["reference"]["comparisons"],
                                                                   out_dir / f"{safe(ds)}_since_reference.png")
        made.update({k: str(p) for k, p in figures.items() if p is not None})
    return made
