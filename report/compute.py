"""The compute-cost page: job times from Snakemake's benchmark files and the training jobs' own
timing files. Timings differ on every run, so they are kept out of results/ (whose files are
byte-identical for the same config and seed) and written beside the benchmarks, with a link
from the report."""

from __future__ import annotations

import csv
import json
import logging
import tempfile
from collections import defaultdict
from pathlib import Path

from report.html import CSS, image
from report.plots import compute as compute_plot
from report.tables import esc, table
from robustflow.atomic import write_json, write_text

log = logging.getLogger(__name__)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def job_costs(benchmarks: list[str]) -> list[dict]:
    """One row per finished job from Snakemake's benchmark files: stage, job, seconds, peak memory."""
    rows = []
    for path in benchmarks:
        p = Path(path)
        if not p.exists():
            continue
        with open(p, encoding="utf-8") as f:
            record = next(csv.DictReader(f, delimiter="\t"), None)
        if record is None:
            continue
        parts = p.with_suffix("").parts
        parts = parts[parts.index("benchmarks") + 1:] if "benchmarks" in parts else parts[-2:]
        rows.append({"stage": parts[0], "job": "/".join(parts[1:]), "seconds": float(record["s"]),
                     "max_rss_mb": _number(record.get("max_rss"))})
    return rows


def training_costs(runs: list[dict]) -> list[dict]:
    """Per training run (dataset, trainset, method, seed, timing: its timing.json), its timings."""
    out = []
    for run in runs:
        p = Path(run["timing"]) if run.get("timing") else None  # an existing model has no training
        if p and p.exists():
            out.append({k: run[k] for k in ("dataset", "trainset", "method", "seed")} | json.loads(p.read_text()))
    return out


def prediction_costs(runs: list[dict]) -> list[dict]:
    """Per evaluated model, its prediction time on the clean test split (evaluate's timing file)."""
    out = []
    for run in runs:
        p = Path(run["predict_timing"]) if run.get("predict_timing") else None
        if p and p.exists():
            out.append({k: run[k] for k in ("dataset", "trainset", "method", "seed")} | json.loads(p.read_text()))
    return out


def prediction_table(rows: list[dict], teachers: dict) -> str:
    """Seconds per 1,000 test rows per variant (mean over its seeds), and for a student, as a share of
    each of its teacher's variants' time. ``teachers``: (dataset, student variant) -> teacher variants."""
    per_variant: dict = defaultdict(list)
    for r in rows:
        per_variant[(r["dataset"], f"{r['trainset']}/{r['method']}")].append(r["seconds_per_1000_rows"])
    mean = {k: sum(v) / len(v) for k, v in per_variant.items()}
    table_rows = []
    for (ds, variant), seconds in mean.items():
        shares = [f"{seconds / mean[(ds, t)]:.0%} of {esc(t)}" for t in teachers.get((ds, variant), []) if mean.get((ds, t))]
        table_rows.append([esc(ds), esc(variant), str(len(per_variant[(ds, variant)])), f"{seconds:.2f}",
                           "; ".join(shares) or "–"])
    return table(["dataset", "variant", "seeds", "seconds per 1,000 test rows", "student's time vs its teacher's"],
                 table_rows, left=2)


def stage_table(rows: list[dict]) -> str:
    totals = defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        t = totals[r["stage"]]
        t[0] += 1
        t[1] += r["seconds"]
        t[2] = max(t[2], r["max_rss_mb"] or 0)
    table_rows = [[esc(s), str(n), f"{sec:.1f}", f"{rss:.0f}"] for s, (n, sec, rss) in
                  sorted(totals.items(), key=lambda kv: -kv[1][1])]
    return table(["stage", "jobs", "job seconds (sum)", "peak RSS MB"], table_rows)


def training_table(runs: list[dict]) -> str:
    """Training time per run, and online adversarial training against plain training of the same
    method and seed (the cost the online attacks add)."""
    plain = {(r["dataset"], r["method"], r["seed"]): r["train_seconds_this_run"] for r in runs if r["trainset"] == "clean"}
    rows = []
    for r in runs:
        base = plain.get((r["dataset"], r["method"], r["seed"]))
        ratio = f"{r['train_seconds_this_run'] / base:.1f}x" if base and r["trainset"] != "clean" else "–"
        attack = sum(r.get("online_attack_seconds") or [])
        rows.append([esc(r["dataset"]), esc(f"{r['trainset']}/{r['method']}"), str(r["seed"]),
                     f"{r['train_seconds_this_run']:.0f}", str(r["epochs_this_run"]),
                     "–" if r["train_samples_per_second"] is None else f"{r['train_samples_per_second']:.1f}",
                     f"{attack:.0f}" if r.get("online_attack_seconds") else "–", ratio])
    return table(["dataset", "variant", "seed", "training seconds (this run)", "epochs this run", "samples/s",
                  "online attack seconds", "vs clean training of the method"], rows, left=2)


def build_compute(benchmarks: list[str], runs: list[dict], out_html: str, out_json: str,
                  teachers: dict | None = None) -> dict:
    """``teachers``: (dataset, student variant) -> its teacher's variants (the prediction-time ratio)."""
    jobs, trainings, predictions = job_costs(benchmarks), training_costs(runs), prediction_costs(runs)
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>robustflow compute cost</title>"
             f"<style>{CSS}</style></head><body><h1>Compute cost</h1>"
             "<p class='muted'>Measured in this run; they change from run to run, so they live here beside "
             "Snakemake's benchmark files and not in results/. A job that did not run this time keeps the timings "
             "of the run that made its outputs.</p><h2>Per stage</h2>", stage_table(jobs)]
    with tempfile.TemporaryDirectory() as tmp:  # the page embeds its figure: one file to open
        plot = compute_plot(jobs, Path(tmp) / "compute_cost.png")
        if plot:
            parts.append(image(str(plot), "Job time from Snakemake's benchmark files, summed per stage."))
    if trainings:
        parts += ["<h2>Training</h2>", training_table(trainings)]
    if predictions:
        parts += ["<h2>Prediction</h2><p class='muted'>The clean test split predicted by each model behind its "
                  "defence (evaluate's first timed pass, batch size evaluate.batch_size, this machine).</p>",
                  prediction_table(predictions, teachers or {})]
    parts.append("</body></html>")
    write_text(out_html, "\n".join(parts))
    summary = {"jobs": jobs, "training": trainings, "prediction": predictions}
    write_json(out_json, summary)
    log.info("compute page: %d benchmarked jobs, %d training runs", len(jobs), len(trainings))
    return summary
