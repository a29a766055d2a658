"""The report as one HTML file with inline CSS and images: it opens offline, from anywhere."""

from __future__ import annotations

import base64
import html
from collections import defaultdict
from pathlib import Path

import yaml

from robustflow.tasks import Task, task_for

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1200px;
color:#1d2330;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem} h2{border-bottom:2px solid #d7dbe3;padding-bottom:.2rem;margin-top:2.2rem}
h3{margin-top:1.6rem} table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:.88rem}
th,td{border:1px solid #d7dbe3;padding:.28rem .5rem;text-align:right;vertical-align:top}
th{background:#f1f3f7} td.l,th.l{text-align:left} .neg{color:#b3261e} .pos{color:#1b7f3b} .muted{color:#6b7280}
figure{display:inline-block;margin:.4rem 1rem .8rem 0} figure img{max-width:560px;border:1px solid #e5e7eb}
figcaption{font-size:.82rem;color:#4b5563;max-width:560px}
mark.old{background:#fde2e1;text-decoration:line-through} mark.new{background:#d9f2df}
pre{background:#f6f8fa;padding:.8rem;overflow:auto;font-size:.8rem;max-height:28rem}
.scroll{overflow-x:auto} .example{margin:.5rem 0 .9rem;padding:.5rem .7rem;border-left:3px solid #9aa4b5;background:#fafbfc;font-size:.9rem}
"""


def pct(x, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x * 100:+.1f}" if signed else f"{x * 100:.1f}"


def ms(stat: dict) -> str:
    if stat["mean"] is None:
        return "–"
    return pct(stat["mean"]) + (f" ± {stat['std'] * 100:.1f}" if stat["n"] > 1 else "")


def delta(x) -> str:
    if x is None:
        return ""
    cls = "pos" if x > 0.0005 else "neg" if x < -0.0005 else "muted"
    return f' <span class="{cls}">({pct(x, signed=True)})</span>'


def esc(x) -> str:
    return html.escape(str(x))


def table(headers: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(headers))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
                   for r in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def overview_table(task: Task, variants: dict) -> str:
    any_v = next(iter(variants.values()))
    attacks, transfer = list(any_v["attacks"]), list(any_v["transfer"])
    headers = ["variant (trainset/method)", "seeds", f"clean {task.metric_name}", "ECE"]
    headers += [f"under {esc(a)}" for a in attacks] + [f"transfer {esc(a)}" for a in transfer]
    rows = []
    for name, v in variants.items():
        d = v.get("delta_vs_baseline", {})
        row = [esc(name), esc(", ".join(map(str, v["seeds"]))), ms(v["clean"]) + delta(d.get("clean")), ms(v["ece"])]
        row += [ms(v["attacks"][a]["metric_under_attack"]) + delta(d.get("attacks", {}).get(a)) for a in attacks]
        row += [ms(v["transfer"][a]) for a in transfer]
        rows.append(row)
    return table(headers, rows)


def suites_table(variants: dict, order: list[str]) -> str:
    any_v = next(iter(variants.values()))
    suites = [s for s in order if s in any_v["suites"]] + [s for s in any_v["suites"] if s not in order]
    headers = ["variant"] + [f"{esc(s)}<br><span class='muted'>n={any_v['suites'][s]['n']}</span>" for s in suites]
    rows = []
    for name, v in variants.items():
        d = v.get("delta_vs_baseline", {}).get("suites", {})
        rows.append([esc(name)] + [ms(v["suites"][s]["metric"]) + delta(d.get(s)) +
                                   f"<br><span class='muted'>drop {pct(v['suites'][s]['drop']['mean'])}</span>"
                                   for s in suites])
    return table(headers, rows)


def attacks_table(variants: dict) -> str:
    rows = []
    for name, v in variants.items():
        for recipe, a in v["attacks"].items():
            rows.append([esc(name), esc(recipe), ms(a["clean_metric"]), ms(a["metric_under_attack"]), ms(a["success_rate"]),
                         ms(a["mean_perturbed_ratio"]),
                         "–" if a["mean_queries"]["mean"] is None else f"{a['mean_queries']['mean']:.0f}"])
    return table(["variant", "recipe", "clean on slice", "under attack", "success rate", "words changed %",
                  "queries / example"], rows, left=2)


def highlight(words: list[str], changed: set[int], cls: str) -> str:
    return " ".join(f'<mark class="{cls}">{esc(w)}</mark>' if i in changed else esc(w) for i, w in enumerate(words))


def example_html(task: Task, ex: dict) -> str:
    old, new, outcome = task.example_view(ex)
    if len(old) == len(new):
        changed = {i for i, (a, b) in enumerate(zip(old, new)) if a != b}
        before, after = highlight(old, changed, "old"), highlight(new, changed, "new")
    else:  # a mention of another length: mark the words that differ as sets
        olds, news = {w for pair in ex["changed_words"] for w in pair[0].split()}, {w for pair in ex["changed_words"] for w in pair[1].split()}
        before = highlight(old, {i for i, w in enumerate(old) if w in olds}, "old")
        after = highlight(new, {i for i, w in enumerate(new) if w in news}, "new")
    return (f'<div class="example"><div>{before}</div><div>{after}</div>'
            f'<div class="muted">{esc(outcome)}; {ex["queries"]} queries; id {esc(ex["id"])}</div></div>')


def image(path: str, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}"><figcaption>{esc(caption)}</figcaption></figure>'


def cleaning_html(cleaning: dict) -> str:
    rows = [[esc(s), str(c["rows_in"]), str(c["dropped"]), str(c["rows_out"])] for s, c in cleaning["splits"].items()]
    acted = [[esc(rule), esc(split), str(c["dropped"]), str(c["repaired"])]
             for rule, splits in cleaning["rules_that_acted"].items() for split, c in splits.items()]
    return (table(["split", "rows in", "dropped", "rows out"], rows)
            + (table(["rule", "split", "dropped", "repaired"], acted, left=2) if acted else ""))


def augmentation_html(aug: dict | None, adversarial: dict | None) -> str:
    parts = []
    if aug:
        merge = aug["merge"]["per_augmenter"]
        rows = [[esc(n), esc(a.get("type", "")), str(a["rows_in"]), str(a["produced"]),
                 esc(", ".join(f"{k} {v}" for k, v in sorted(a["filtered"].items())) or "–"),
                 f"{a['mean_edit_distance']:.2f}", pct(a["mean_changed_token_rate"]), str(merge.get(n, {}).get("kept", "–"))]
                for n, a in aug["augmenters"].items()]
        parts.append(table(["augmenter", "type", "rows in", "produced", "filtered", "mean edit distance",
                            "changed tokens %", "kept in merge"], rows, left=2))
    if adversarial:
        rows = [[esc(r), str(n)] for r, n in adversarial["adversarial_rows"].items()]
        parts.append(f"<p>clean+adversarial training set: {adversarial['rows']} rows, the {adversarial['clean_rows']} clean "
                     "rows plus these adversarial ones:</p>"
                     + table(["recipe", "adversarial rows (attacks on train that succeeded against the baseline)"], rows))
    return "".join(parts) or "<p class='muted'>no augmentation configured</p>"


def compute_html(rows: list[dict]) -> str:
    totals = defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        t = totals[r["stage"]]
        t[0] += 1
        t[1] += r["seconds"]
        t[2] = max(t[2], r["max_rss_mb"] or 0)
    table_rows = [[esc(s), str(n), f"{sec:.1f}", f"{rss:.0f}"] for s, (n, sec, rss) in
                  sorted(totals.items(), key=lambda kv: -kv[1][1])]
    return table(["stage", "jobs", "job seconds (sum)", "peak RSS MB"], table_rows)


def render(summary: dict, plots: dict[str, str], captions: dict[str, str]) -> str:
    task = task_for(summary["task"])
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>robustflow robustness report</title>"
           f"<style>{CSS}</style></head><body><h1>Robustness report</h1>"
           f"<p class='muted'>task: {esc(task.name)} · datasets: {esc(', '.join(summary['datasets']))} · "
           "figures are means over seeds (± std when several); differences to the baseline (clean/none) in "
           "percentage points in brackets · every number is in summary.json</p>"]
    for ds, data in summary["datasets"].items():
        out.append(f"<h2>{esc(ds)}</h2><h3>Every variant at a glance</h3>")
        out.append(overview_table(task, data["variants"]))
        out.append("<p class='muted'>All figures in %. under: metric on the attacked test slice after the attack; "
                   "transfer: metric on the adversarial examples that fooled the baseline; ECE: expected calibration "
                   "error on the clean test split.</p><h3>Perturbation suites</h3>")
        out.append(suites_table(data["variants"], list(summary["config"]["evaluate"]["suites"])))
        out.append("<p class='muted'>Metric on each suite's perturbed test rows; drop: clean metric minus suite metric "
                   "on the same rows.</p><h3>Attacks</h3>" + attacks_table(data["variants"]))
        out.append("<p class='muted'>success rate: share of correctly predicted examples whose prediction the attack "
                   "flipped (NER: whose entity F1 it lowered); words changed: mean over successful attacks.</p>"
                   "<h3>Plots</h3>")
        out += [image(path, captions.get(name, name)) for name, path in plots.items() if name.startswith(f"{ds}:")]
        out.append("<h3>Adversarial examples against the baseline</h3>")
        for recipe, examples in data["examples"].items():
            out.append(f"<h4>{esc(recipe)}</h4>" + ("".join(example_html(task, e) for e in examples)
                                                     or "<p class='muted'>no successful attack</p>"))
        out.append("<h3>Cleaning</h3>" + cleaning_html(data["cleaning"]))
        out.append("<h3>Augmentation and adversarial training data</h3>"
                   + augmentation_html(data["augmentation"], data["adversarial_trainset"]))
    out.append("<h2>Compute cost</h2>" + compute_html(summary["compute"]))
    out += [image(path, captions.get(name, name)) for name, path in plots.items() if ":" not in name]
    versions = table(["package", "version"], [[esc(k), esc(v)] for k, v in summary["software"].items()])
    config = esc(yaml.safe_dump(summary["config"], sort_keys=False))
    out.append(f"<h2>Provenance</h2>{versions}<h3>Config (validated, defaults filled)</h3><pre>{config}</pre>")
    out.append("</body></html>")
    return "\n".join(out)
