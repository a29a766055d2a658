"""The report job: summary.json, the plots, the HTML page."""

from __future__ import annotations

import logging

from report.compute import build_compute
from report.example_browser import browse_rows
from report.gates import check_gates, junit_xml
from report.html import render
from report.plots import make_plots
from report.reference import since_reference
from report.summary import build_summary
from robustflow.atomic import write_json, write_text
from robustflow.tasks import task_for

log = logging.getLogger(__name__)

CAPTIONS = {
    "clean vs under attack": "Clean test metric and the metric on the attacked test rows after each recipe, per "
                             "variant, with bootstrap intervals.",
    "degradation vs noise rate": "Metric on the perturbation suites of one type at increasing rates (0 = clean test).",
    "attack success per recipe": "Share of correctly predicted examples whose prediction the attack flipped.",
    "F1 per entity type": "Clean test F1 per entity type (seqeval, strict IOB2).",
    "calibration": "Expected calibration error on the clean test split before and after temperature scaling, with "
                   "bootstrap intervals.",
    "reliability": "Accuracy against confidence per bin before (dashed) and after (solid) temperature scaling.",
    "search history": "Each search trial's objective value on dev by trial number, the best feasible value so far, "
                      "and the trial whose settings were promoted.",
}


def caption_for(name: str) -> str:
    return CAPTIONS.get(name.split(": ", 1)[-1], name)


def build_report(config: dict, datasets: dict, benchmarks: list[str], out_html: str, out_summary: str,
                 plots_dir: str, out_compute_html: str | None = None, out_compute_json: str | None = None,
                 out_gates: str | None = None, out_junit: str | None = None, out_outcomes: str | None = None,
                 code: dict | None = None) -> dict:
    """The report (results/report: the same bytes for the same config and seed), its comparison with
    the reference run when `compare.reference` names one, the robustness gates' results when asked,
    and the compute-cost page beside the benchmarks (timings of this run). ``code``: the code
    versions of the stages the report reads, recorded for a later run's comparison."""
    summary, outcomes = build_summary(config, datasets, code)
    reference = (config.get("compare") or {}).get("reference")
    if reference:
        summary["reference"] = since_reference(summary, outcomes, reference, config["report"], config["seed"])
        log.info("since the reference run (%s): %s", reference, summary["reference"]["summary"][0])
    summary["gates"] = check_gates(config["gates"], summary)
    plots = make_plots(summary, plots_dir)
    write_json(out_summary, summary)
    if out_outcomes:
        write_json(out_outcomes, outcomes)
    task = task_for(config["task"])
    browse = {name: browse_rows(task, spec["runs"]) for name, spec in datasets.items()}
    write_text(out_html, render(summary, plots, {n: caption_for(n) for n in plots}, browse))
    if out_gates:
        write_json(out_gates, summary["gates"])
        write_text(out_junit, junit_xml(summary["gates"]))
    log.info("report: %d dataset(s), %d plots", len(datasets), len(plots))
    if out_compute_html:
        runs = [{"dataset": name, **run} for name, spec in datasets.items() for run in spec["runs"]]
        teachers: dict = {}
        for name, data in summary["datasets"].items():
            for e in data.get("distillation") or []:
                teachers.setdefault((name, e["student"]), []).append(e["teacher"])
        build_compute(benchmarks, runs, out_compute_html, out_compute_json, teachers)
    return summary
