"""The report's tables: every figure with its interval, and its difference to the baseline marked
when the paired test says it is real (report/statistics.py)."""

from __future__ import annotations

import html

from robustflow.tasks import Task


# results/report/report.html -> benchmarks/report/compute.html (timings are kept out of results/).
COMPUTE_LINK = "<a href='../../benchmarks/report/compute.html'>compute cost page</a>"


def esc(x) -> str:
    return html.escape(str(x))


def pct(x, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x * 100:+.1f}" if signed else f"{x * 100:.1f}"


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def interval(stat: dict | None) -> str:
    """`74.5 (71.4–77.5)`: the figure and its interval, in %."""
    if not stat or stat["value"] is None:
        return "–"
    if stat["low"] is None:
        return pct(stat["value"])
    return f"{pct(stat['value'])} <span class='muted'>({pct(stat['low'])}–{pct(stat['high'])})</span>"


def difference(comparison: dict | None) -> str:
    """The difference to the baseline in points: coloured and starred when real, grey otherwise."""
    if comparison is None or comparison["difference"] is None:
        return ""
    if not comparison["real"]:
        return f" <span class='muted'>[{pct(comparison['difference'], signed=True)}]</span>"
    better = (comparison["difference"] > 0) == comparison["higher_is_better"]
    return f" <span class='{'pos' if better else 'neg'}'>[{pct(comparison['difference'], signed=True)}*]</span>"


class Evidence:
    """Look-ups into one dataset's intervals and comparisons."""

    def __init__(self, evidence: dict):
        self.intervals = evidence["intervals"]
        self.compared = {(c["variant"], c["figure"]): c for c in evidence["comparisons"]}

    def cell(self, variant: str, figure: str) -> str:
        return interval(self.intervals[variant].get(figure)) + difference(self.compared.get((variant, figure)))

    def n(self, figure: str) -> str:
        stat = next(iter(self.intervals.values())).get(figure)
        return "" if stat is None else f"<br><span class='muted'>n={stat['n']}</span>"


def seeds_text(seeds: list) -> str:
    """A variant's seeds; an existing model was not trained here, so it has none."""
    return ", ".join(str(s) for s in seeds if s is not None) or "– (existing model)"


def overview_table(task: Task, variants: dict, ev: Evidence) -> str:
    any_v = next(iter(variants.values()))
    attacks, transfer = list(any_v["attacks"]), list(any_v["transfer"])
    figures = ["clean", *(f"under {a}" for a in attacks), *(f"transfer {a}" for a in transfer)]
    headers = ["variant (trainset/method)", "seeds", f"clean {task.metric_name}{ev.n('clean')}"]
    headers += [f"under {esc(a)}{ev.n(f'under {a}')}" for a in attacks]
    headers += [f"transfer {esc(a)}{ev.n(f'transfer {a}')}" for a in transfer]
    rows = [[esc(name), esc(seeds_text(v["seeds"]))] + [ev.cell(name, f) for f in figures]
            for name, v in variants.items()]
    return table(headers, rows, left=2)


def suites_table(variants: dict, order: list[str], ev: Evidence) -> str:
    any_v = next(iter(variants.values()))
    suites = [s for s in order if s in any_v["suites"]] + [s for s in any_v["suites"] if s not in order]
    headers = ["variant"] + [f"{esc(s)}{ev.n(f'suite {s}')}" for s in suites]
    rows = [[esc(name)] + [ev.cell(name, f"suite {s}") + f"<br><span class='muted'>drop "
                           f"{pct(v['suites'][s]['drop']['mean'])}</span>" for s in suites]
            for name, v in variants.items()]
    return table(headers, rows)


def repair_table(repair: dict, variants: dict, ev: Evidence, baseline: str) -> str:
    """Targeted repair, per suite: how badly the baseline failed it, the rows it got, and the suite's
    metric and pass rate before (baseline) and after (each repaired variant), the difference tested."""
    repaired = [name for name in variants if name.startswith("repaired/")]
    rows = []
    for suite, plan in repair["suites"].items():
        before = variants[baseline]["suites"][suite]
        cells = [esc(suite), pct(plan["failure"]), pct(plan["share"]), str(plan["produced"]),
                 ev.cell(baseline, f"suite {suite}"), pct(before["pass_rate"]["mean"])]
        for name in repaired:
            cells += [ev.cell(name, f"suite {suite}"), pct(variants[name]["suites"][suite]["pass_rate"]["mean"])]
        rows.append(cells)
    measure = "1 − pass rate" if repair["measure"] == "pass_rate" else "drop"
    headers = ["suite", f"baseline failure ({measure})", "share of new rows", "rows added",
               f"before: {esc(baseline)}", "pass rate before"]
    for name in repaired:
        headers += [f"after: {esc(name)}", "pass rate after"]
    return table(headers, rows)


def attacks_table(variants: dict, ev: Evidence) -> str:
    rows = []
    for name, v in variants.items():
        for recipe, a in v["attacks"].items():
            rows.append([esc(name), esc(recipe), str(ev.intervals[name][f"under {recipe}"]["n"]),
                         ev.cell(name, f"{recipe}: clean on the attacked rows"), ev.cell(name, f"under {recipe}"),
                         ev.cell(name, f"{recipe}: attack success"), pct(a["mean_perturbed_ratio"]["mean"]),
                         "–" if a["mean_queries"]["mean"] is None else f"{a['mean_queries']['mean']:.0f}"])
    return table(["variant", "recipe", "rows attacked", "clean on those rows", "under attack", "success rate",
                  "words changed %", "queries / example"], rows, left=2)


def calibration_table(variants: dict, ev: Evidence) -> str:
    rows = [[esc(name), ev.cell(name, "ECE"), f"{v['temperature']['mean']:.2f}",
             ev.cell(name, "ECE after temperature scaling")] for name, v in variants.items()]
    return table(["variant", f"ECE{ev.n('ECE')}", "temperature (fitted on dev)", "ECE after scaling"], rows)


def findings_html(evidence: dict) -> str:
    compared = evidence["comparisons"]
    if evidence["baseline"] is None:
        return "<p class='muted'>No baseline in this experiment: nothing is compared.</p>"
    level = f"{evidence['settings']['confidence']:.0%}"
    out = (f"<p>Baseline: <b>{esc(evidence['baseline'])}</b> (plain fine-tuning on the clean split, first seed; in an "
           "evaluation-only experiment, the first of <code>existing_models</code>).</p>")
    if evidence["findings"]:
        items = "".join(f"<li>{esc(line)}</li>" for line in evidence["findings"])
        out += f"<ul>{items}</ul>"
    else:
        out += (f"<p>No variant differs from the baseline on any figure: no difference's {level} interval "
               f"excludes zero with a Holm-adjusted p-value below {evidence['settings']['alpha']} "
               f"({len(compared)} comparisons).</p>")
    if evidence.get("worst_cases"):
        items = "".join(f"<li><b>{esc(name)}</b>: a row counts as robust only if both {esc(plain)} (querying the "
                        f"deployed model) and {esc(adaptive)} (scoring candidates by the defence's expectation) failed "
                        "on it</li>" for name, (plain, adaptive) in evidence["worst_cases"].items())
        out += ("<p>Randomised defences are judged by the worse of a plain and an adaptive attack, row by row; the "
                f"findings above use only that worst case, never one of its halves:</p><ul>{items}</ul>")
    if evidence.get("not_credited"):
        items = "".join(f"<li>{esc(line)}</li>" for line in evidence["not_credited"])
        out += ("<p>Not credited: real differences under an attack whose candidate source the variant's defence "
                "or training (ascc's substitution sets) draws on too (it was built for that attacker's word set, so "
                f"the gain says little about other attackers):</p><ul>{items}</ul>")
    if evidence.get("independence"):
        rows = [[esc(r["variant"]), esc(r["recipe"]), esc(", ".join(r["defence"])), esc(r["attack"]),
                 "<b>yes: not credited</b>" if r["shares"] else "no"] for r in evidence["independence"]]
        out += ("<p>Independence of each defence (and each method trained inside substitution sets) from each "
                "attack, from their declared candidate sources:</p>"
                + table(["variant", "attack", "defence / training draws on", "attack draws on", "shared"], rows))
    if evidence.get("not_established"):
        items = "".join(f"<li>{esc(line)}</li>" for line in evidence["not_established"])
        out += (f"<p>Not established: the interval excludes zero and p is below {evidence['settings']['alpha']}, "
                f"but not after correcting for the {len(compared)} comparisons (a larger attacked slice "
                f"would tell):</p><ul>{items}</ul>")
    rows = [[esc(c["variant"]), esc(c["figure"]), pct(c["difference"], signed=True),
             "–" if c["low"] is None else f"{pct(c['low'], True)} to {pct(c['high'], True)}", str(c["n"]),
             esc(c["test"]), f"{c['p']:.3g}", f"{c['p_adjusted']:.3g}", "yes" if c["real"] else ""]
            for c in compared]
    return out + ("<details><summary>every comparison with the baseline</summary>"
                  + table(["variant", "figure", "difference (points)", f"{level} interval", "rows", "test", "p",
                           "Holm-adjusted p", "real"], rows, left=2) + "</details>")


def tradeoff_table(tradeoff: dict) -> str:
    """Every trained variant's clean and robust figure, on the Pareto front or not, eligible or not."""
    rows = []
    points = tradeoff["points"]
    order = sorted(points, key=lambda n: (-points[n]["robust"]["value"], n))
    for name in order:
        p = points[name]
        mark = " (chosen)" if name == tradeoff["chosen"] else " (baseline)" if name == tradeoff["baseline"] else ""
        rows.append([f"{esc(name)}{mark}", interval(p["clean"]), interval(p["robust"]),
                     "yes" if p["pareto"] else "", "yes" if p["eligible"] else "no"])
    robust = tradeoff["rule"]["robust"]
    return table(["variant", "clean", "robust (" + ("mean over the attacks" if robust == "attacks" else f"under {robust}") + ")",
                  "Pareto front", f"clean ≥ {pct(tradeoff['clean_floor'])}"], rows)


def search_table(search: dict) -> str:
    """Every trial of the study: its settings, dev figures, objective, state; the promoted one marked."""
    rows = []
    for t in search["table"]:
        v = t["values"]
        settings = ", ".join(f"{esc(k)}={esc(f'{x:.4g}' if isinstance(x, float) else x)}" for k, x in sorted(t["settings"].items()))
        mark = " (promoted)" if t["number"] == search["best"]["number"] else ""
        rows.append([f"{t['number']}{mark}", esc(t["state"].lower()), settings, pct(v.get("dev")),
                     pct(v.get("under_attack")), pct(t["value"]) if t["value"] is not None else "",
                     "yes" if t["feasible"] else "no"])
    return table(["trial", "state", "settings", "clean dev", "dev under attack", "objective", "feasible"], rows)
