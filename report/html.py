"""The report as one HTML file with inline CSS and images: it opens offline, from anywhere."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from report.tables import (COMPUTE_LINK, Evidence, attacks_table, calibration_table, esc, findings_html, overview_table,
                           pct, repair_table, search_table, suites_table, table, tradeoff_table)
from report.example_browser import SCRIPT as BROWSER_SCRIPT
from report.example_browser import browser_html, changed_positions
from report.model_card import measured_here
from report.distillation_html import distillation_html
from report.reference_html import reference_html
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
.browser label{margin-right:.8rem;font-size:.9rem} table.examples td{font-size:.84rem}
td.outcome-success{color:#b3261e;font-weight:600} table.examples sub{font-size:.62rem;margin-left:1px}
table.examples td:last-child{white-space:nowrap}
.scroll{overflow-x:auto} .example{margin:.5rem 0 .9rem;padding:.5rem .7rem;border-left:3px solid #9aa4b5;background:#fafbfc;font-size:.9rem}
"""


def highlight(words: list[str], changed: set[int], cls: str) -> str:
    return " ".join(f'<mark class="{cls}">{esc(w)}</mark>' if i in changed else esc(w) for i, w in enumerate(words))


def example_html(task: Task, ex: dict) -> str:
    old, new, outcome = task.example_view(ex)
    changed_old, changed_new = changed_positions(old, new, ex["changed_words"])
    before, after = highlight(old, set(changed_old), "old"), highlight(new, set(changed_new), "new")
    return (f'<div class="example"><div>{before}</div><div>{after}</div>'
            f'<div class="muted">{esc(outcome)}; {ex["queries"]} queries; id {esc(ex["id"])}</div></div>')


def image(path: str, caption: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return f'<figure><img alt="{esc(caption)}" src="data:image/png;base64,{data}"><figcaption>{esc(caption)}</figcaption></figure>'


def cleaning_html(cleaning: dict) -> str:
    rows = [[esc(s), str(c["rows_in"]), str(c["dropped"]), str(c["rows_out"])] for s, c in cleaning["splits"].items()]
    acted = [[esc(rule), esc(split), str(c["dropped"]), str(c["repaired"]),
              esc(", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(c.items())
                            if k not in ("dropped", "repaired") and n) or "–")]
             for rule, splits in cleaning["rules_that_acted"].items() for split, c in splits.items()]
    carved = cleaning.get("carved")
    split_note = ""
    if carved:
        split_note = (f"<p class='muted'>{esc(', '.join(f'{k} {v:.0%}' for k, v in carved['fractions'].items()))} "
                      f"carved from the train source (seed {carved['seed']}"
                      f"{', stratified by label' if carved['stratified'] else ''}) before cleaning; "
                      f"{esc(carved['kept_together'])} ({carved['rows_sharing_a_text']} rows shared a text).</p>")
    notes = "".join(f"<p class='neg'>{esc(n)}</p>" for n in cleaning.get("notes", []))
    return (table(["split", "rows in", "dropped", "rows out"], rows) + split_note + notes
            + (table(["rule", "split", "dropped", "repaired", "inside the rows"], acted, left=2) if acted else ""))


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


def online_html(runs: list[dict]) -> str:
    """What online adversarial training added (its time is on the compute page)."""
    rows = [[esc(f"{r['trainset']}/{r['method']}"), str(r["seed"]),
             esc(", ".join(f"epoch {e['epoch']}: {e['adversarial_rows']} of {e['attacked']}" for e in r["online"])),
             str(sum(e["queries"] for e in r["online"]))]
            for r in runs if r.get("online")]
    if not rows:
        return ""
    return ("<h3>Online adversarial training</h3>"
            + table(["variant", "seed", "adversarial rows added (of rows attacked)", "model queries"], rows, left=3)
            + "<p class='muted'>Before each epoch from <code>train.online.start_epoch</code> the model being trained "
              "is attacked on a seeded sample of its training rows; the examples that fool it join that epoch. "
              f"What it costs against plain training: the {COMPUTE_LINK}.</p>")


def defences_html(runs: list[dict], defences: dict) -> str:
    """Defended variants (`<method>+<defence>`): what the defence is and how much clean text it rewrites."""
    rows = []
    for r in runs:
        d = r.get("defence")
        if not d:
            continue
        train, test = d["train"] or {}, d["test"]
        settings = defences.get(test["name"], {})
        rows.append([esc(f"{r['trainset']}/{r['method']}"), "–" if r["seed"] is None else str(r["seed"]),
                     esc(", ".join(f"{k} ({', '.join(f'{o}: {v}' for o, v in (s or {}).items())})"
                                   for k, s in settings.items())),
                     f"{train.get('rows_changed', '–')} of {train.get('rows', '–')} ({train.get('words_changed', '–')} words)",
                     f"{test['rows_changed']} of {test['rows']} ({test['words_changed']} words)"])
    if not rows:
        return ""
    return ("<h3>Input defences</h3><p>A defended variant is the model with a normaliser in front of it, trained "
            "behind it and saved with it: its training rows, its test rows and every query an attack makes pass "
            "through the normaliser, so the attacks searched against the defended model as a whole, with "
            "the same settings and query access as against any model. The columns show how much clean text the "
            "normaliser rewrote (a defence that rewrites much clean text costs clean accuracy).</p>"
            + table(["variant", "seed", "defence", "clean training rows changed", "clean test rows changed"], rows,
                    left=3))


def existing_html(runs: list[dict]) -> str:
    """Which models were evaluated without being trained here (`existing_models`)."""
    rows = [[esc(f"existing/{r['method']}"), f"<code>{esc(r['model']['name_or_path'])}</code>",
             esc(", ".join(f"{k} → {v}" for k, v in r["model"]["label_map"].items()) or "–")]
            for r in runs if r["trainset"] == "existing"]
    if not rows:
        return ""
    return ("<h3>Existing models</h3><p>Evaluated as they are (not trained by this workflow), on the same rows, "
            "suites and attacks as every other variant.</p>" + table(["variant", "model", "labels renamed"], rows, left=3)
            + cards_html(runs))


def cards_html(runs: list[dict]) -> str:
    """What existing models' own model cards declare, beside what this run measured on the same model."""
    rows = []
    for r in runs:
        card = r.get("card")
        if not card:
            continue
        variant = esc(f"existing/{r['method']}")
        if card["error"]:
            rows.append([variant, f"<em>README.md is not a readable model card: {esc(card['error'])}</em>", "", "", "", ""])
        for res in card["results"]:
            here = measured_here(r["evaluation"], res["config"])
            value = res["value"]
            rows.append([variant, esc(res["name"]), esc(" / ".join(str(x) for x in (res["dataset"], res["split"]) if x)),
                         pct(value) if isinstance(value, (int, float)) and 0 <= value <= 1 else esc(value),
                         esc(res["n"] if res["n"] is not None else "–"), pct(here)])
    if not rows:
        return ""
    return ("<p>What their model cards say (the <code>model-index</code> of the folder's README.md), beside "
            "this run's measurement of the same figure where the card names one measured here (robustflow's "
            "cards do: clean, suite/…, attack/…); other figures were measured on the card author's data.</p>"
            + table(["variant", "the card's figure", "dataset / split", "card, %", "rows", "measured here, %"], rows,
                    left=3))


def truncation_html(runs: list[dict]) -> str:
    """Words `model.max_length` cut off (NER: they are not trained on, and predicted O in test)."""
    rows = [[esc(f"{r['trainset']}/{r['method']}"), "–" if r["seed"] is None else str(r["seed"]),
             str(r["truncation"]["train_words"]),
             str(r["truncation"]["test"].get("words", 0)), str(r["truncation"]["test"].get("sentences", 0)),
             str(r["truncation"]["test"].get("entity_words", 0))]
            for r in runs if r["truncation"]["train_words"] or r["truncation"]["test"].get("words")]
    if not rows:
        return ""
    return ("<h3>Words cut by max_length</h3><p class='neg'>Some sentences are longer than <code>model.max_length</code> "
            "sub-word pieces: their last words are not trained on, and in the test split they are predicted O, so "
            "gold entities among them count as missed. Raise <code>model.max_length</code> to keep them.</p>"
            + table(["variant", "seed", "train words cut", "test words cut (predicted O)", "test sentences cut",
                     "of which gold entity words"], rows, left=1))


THRESHOLD = {"min": "≥ ", "max": "≤ ", "regression": "worse than the reference by ≤ "}


def _gate_row(r: dict) -> list[str]:
    signed = "+" if r["bound"] == "regression" else ""
    return [esc(r["gate"]), esc(r["dataset"]), esc(r["variant"]), esc(r["metric"] + (f" {r['of']}" if r["of"] else "")),
            "–" if r["value"] is None else f"{100 * r['value']:{signed}.1f}"
            + (f" ({100 * r['low']:{signed}.1f} to {100 * r['high']:{signed}.1f})" if r["low"] is not None else ""),
            THRESHOLD[r["bound"]] + f"{100 * r['threshold']:.1f}",
            "<span class='pos'>pass</span>" if r["passed"] else "<span class='neg'><b>FAIL</b></span>"]


GATE_HEADERS = ["gate", "dataset", "variant", "figure", "value % (interval)", "threshold %", "result"]


def gates_html(results: list[dict]) -> str:
    """Every gate's result; a regression gate's passing figures (one per variant and figure) folded away."""
    failed = sum(not r["passed"] for r in results)
    shown = [r for r in results if r["bound"] != "regression" or not r["passed"]]
    folded = [r for r in results if r["bound"] == "regression" and r["passed"]]
    verdict = (f"<p class='neg'><b>{failed} of {len(results)} gates failed</b>: the run exits non-zero.</p>" if failed
               else f"<p class='pos'>all {len(results)} gates passed.</p>")
    return (verdict + (table(GATE_HEADERS, [_gate_row(r) for r in shown], left=4) if shown else "")
            + (f"<details><summary>{len(folded)} regression checks passed (every gated variant and figure)</summary>"
               + table(GATE_HEADERS, [_gate_row(r) for r in folded], left=4) + "</details>" if folded else "")
            + "<p class='muted'>Each gate reads the figure's point value; the interval shows how sure it is. A "
              "regression gate reads the difference to the reference run (points) and fails only when it is worse "
              "than its margin and its interval excludes zero. "
              "The same results are in results/report/junit.xml for CI systems.</p>")




def search_html(search: dict, trainset: str) -> str:
    o, b = search["objective"], search["best"]
    floors = [f"{name} ≥ {pct(o[key])}" for key, name in (("min_clean", "clean dev"), ("min_under_attack", "dev under attack"))
              if o.get(key) is not None]
    counts = ", ".join(f"{n} {state.lower()}" for state, n in search["trials"].items())
    return (f"<h3>Adaptive search (Optuna)</h3><p>Study {esc(search['study'])}: {search['budget']} trials of "
            f"{esc(search['method'])} settings on {search['workers']} worker(s) ({esc(counts)}), maximising dev "
            f"{esc(o['maximize'])}" + (f" under {esc(o['recipe'])} on {o['attacked_rows']} dev rows" if o.get("recipe") else "")
            + (f", subject to {esc(' and '.join(floors))}" if floors else "") + f". Trial {b['number']} was promoted"
            + ("" if b["feasible"] else " (no trial met the floors: the least violating one)")
            + ": its settings trained again as the variant "
            f"{esc(trainset)}/search, evaluated on test above. Dev figures only: "
            "the search never sees test rows.</p>" + search_table(search))


def render(summary: dict, plots: dict[str, str], captions: dict[str, str], browse: dict[str, list] | None = None) -> str:
    """The page; ``browse``: per dataset, every attacked example (report/example_browser.py)."""
    browse = browse or {}
    task = task_for(summary["task"])
    level, alpha = f"{summary['config']['report']['confidence']:.0%}", summary["config"]["report"]["alpha"]
    out = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>robustflow robustness report</title>"
           f"<style>{CSS}</style></head><body><h1>Robustness report</h1>"
           f"<p class='muted'>task: {esc(task.name)} · datasets: {esc(', '.join(summary['datasets']))} · "
           f"figures in % with their {level} bootstrap interval in brackets (over the evaluated rows, and over "
           "seeds where a variant has several); [±x] after a figure: its difference to the baseline "
           "in points on the same rows, coloured and starred (*) when real: Holm-adjusted paired test below "
           f"{alpha} and interval excluding zero · every number is in summary.json</p>"]
    if summary.get("gates"):
        out.append("<h2>Robustness gates</h2>" + gates_html(summary["gates"]))
    if summary.get("reference"):
        out.append(reference_html(summary["reference"], plots, image))
    for ds, data in summary["datasets"].items():
        ev = Evidence(data["evidence"])
        out.append(f"<h2>{esc(ds)}</h2><h3>What the evidence says</h3>" + findings_html(data["evidence"]))
        out.append(existing_html(data["runs"]) + defences_html(data["runs"], summary["config"].get("defences") or {})
                   + "<h3>Every variant at a glance</h3>"
                   + overview_table(task, data["variants"], ev)
                   + distillation_html(ds, data.get("distillation") or [], plots, image))
        out.append("<p class='muted'>under: metric on the attacked test rows after the attack (n: rows attacked, the "
                   "same rows for every model); transfer: metric on the adversarial examples that fooled the "
                   "baseline (0 for the baseline by construction, so not tested against it).</p><h3>Perturbation suites</h3>")
        out.append(suites_table(data["variants"], list(summary["config"]["evaluate"]["suites"]), ev))
        out.append("<p class='muted'>Metric on each suite's perturbed test rows; drop: clean metric minus suite metric "
                   "on the same rows.</p><h3>Attacks</h3>" + attacks_table(data["variants"], ev))
        out.append("<p class='muted'>success rate: share of correctly predicted examples whose prediction the attack "
                   "flipped (NER: whose entity F1 it lowered); words changed: mean over successful attacks.</p>"
                   "<h3>Calibration</h3>" + calibration_table(data["variants"], ev)
                   + "<p class='muted'>Expected calibration error on the clean test split, before and after dividing "
                   "the model's logits by one temperature fitted on the dev split (negative log-likelihood); "
                   "accuracy does not change.</p><h3>Plots</h3>")
        out += [image(path, captions.get(name, name)) for name, path in plots.items() if name.startswith(f"{ds}:")]
        out.append("<h3>Adversarial examples against the baseline</h3>")
        for recipe, examples in data["examples"].items():
            out.append(f"<h4>{esc(recipe)}</h4>" + ("".join(example_html(task, e) for e in examples)
                                                     or "<p class='muted'>no successful attack</p>"))
        if browse.get(ds):
            out.append(f"<h3 id='browse-{esc(ds)}'>Browse every attacked example</h3>" + browser_html(ds, browse[ds]))
        if data.get("repair") and data["evidence"]["baseline"] in data["variants"]:
            r = data["repair"]
            out.append(f"<h3>Targeted repair: before and after</h3><p>{r['repair_rows']} new training rows "
                       f"({r['ratio']:g} per clean training row) went to the perturbation suites the baseline failed, "
                       "each in proportion to its failure (suites below "
                       f"{pct(r['min_failure'])} got none), made by the suite's own perturbation of training rows; "
                       "the repaired model was trained on them with the baseline's originals and evaluated on the "
                       "same suites. [±x]: the paired difference to the baseline, starred when real.</p>"
                       + repair_table(r, data["variants"], ev, data["evidence"]["baseline"]))
        if data.get("tradeoff"):
            t = data["tradeoff"]
            robust = "the mean over the attacks" if t["rule"]["robust"] == "attacks" else f"accuracy under {t['rule']['robust']}"
            out.append(f"<h3>Sweep: the trade-off and the chosen point</h3><p>Chosen: <b>{esc(t['chosen'])}</b>, the "
                       f"highest {esc(robust)} among the trained variants whose clean figure is at least "
                       f"{pct(t['clean_floor'])} (the baseline's minus {pct(t['rule']['max_clean_drop'])} points); its "
                       "model is copied to results/best/. Pareto front: no other variant is at least as good on both "
                       "figures and better on one. The mean's interval is the mean of the recipes' bounds (never "
                       "narrower than its own).</p>" + tradeoff_table(t))
        if data.get("search"):
            out.append(search_html(data["search"], summary["config"]["search"]["trainset"]))
        out.append("<h3>Cleaning</h3>" + cleaning_html(data["cleaning"]) + truncation_html(data["runs"]))
        out.append("<h3>Augmentation and adversarial training data</h3>"
                   + augmentation_html(data["augmentation"], data["adversarial_trainset"]) + online_html(data["runs"]))
    out.append(f"<h2>Compute cost</h2><p>Job times, training throughput and the cost of online adversarial "
               f"training are on the {COMPUTE_LINK} (benchmarks/report/compute.html): they change from run to run, "
               "so they are kept out of results/, whose files are byte-identical for the same config and seed.</p>")
    versions = table(["package", "version"], [[esc(k), esc(v)] for k, v in summary["software"].items()])
    config = esc(yaml.safe_dump(summary["config"], sort_keys=False))
    out.append(f"<h2>Provenance</h2>{versions}<h3>Config (validated, defaults filled)</h3><pre>{config}</pre>")
    if any(browse.values()):
        out.append(BROWSER_SCRIPT)
    out.append("</body></html>")
    return "\n".join(out)
