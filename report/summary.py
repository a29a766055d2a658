"""Collect every figure the report shows into one plain dict (written as summary.json)."""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path

from experiments.search.summary import feasible
from experiments.tracking.records import file_digest
from report import adaptive, statistics
from report.aggregate import aggregate, variant_key
from report.choose import trade_off
from report.distillation import distillation_summary
from report.model_card import card_results
from report.outcomes import dataset_outcomes
from report.independence import independence, recipe_of_figure
from report.independence import table as independence_table
from robustflow.tasks import Task, task_for

PACKAGES = ["robustflow", "torch", "transformers", "textattack", "nlpaug", "snakemake", "seqeval", "pandas", "datasets"]


def _load(path) -> dict | None:
    return json.loads(Path(path).read_text()) if path else None


def _jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def software_versions() -> dict:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cleaning_summary(report: dict, ingest: dict | None = None) -> dict:
    dropped = {}
    for rule, info in report["rules"].items():
        for split, counts in info["counts"].items():
            if any(counts.values()):
                dropped.setdefault(rule, {})[split] = counts
    return {"splits": report["splits"], "rules_that_acted": dropped, "notes": report.get("notes", []),
            "carved": (ingest or {}).get("carved")}


def augmentation_summary(report: dict | None) -> dict | None:
    if report is None:
        return None
    per = {name: {k: a[k] for k in ("type", "rows_in", "attempted", "produced", "filtered", "mean_edit_distance",
                                    "mean_changed_token_rate") if k in a} for name, a in report["augmenters"].items()}
    return {"augmenters": per, "merge": report["merge"]}


def example_rows(task: Task, records: list[dict], limit: int) -> list[dict]:
    out = []
    for r in records:
        if r["status"] != "success":
            continue
        base = {"id": r["id"], "changed_words": r["changed_words"], "queries": r["queries"],
                "original_prediction": r["original_prediction"], "perturbed_prediction": r["perturbed_prediction"]}
        out.append({**base, **task.example_fields(r)})
        if len(out) == limit:
            break
    return out


def seed_order(run: dict) -> tuple:
    """Runs by seed; existing models (no seed) after the trained ones, in config order."""
    return run["seed"] is None, run["seed"] or 0


def variants_of(runs: list[dict]) -> dict[str, list[dict]]:
    """variant -> its runs, seeds in order."""
    variants: dict[str, list[dict]] = {}
    for run in sorted(runs, key=seed_order):
        variants.setdefault(variant_key(run), []).append(run)
    return variants


def evidence(runs: list[dict], settings: dict, seed: int, dataset: str, baseline: str = "clean/none",
             config: dict | None = None) -> dict:
    """Intervals per variant and figure, paired comparisons with the baseline, and the real
    differences; with ``config``, a gain of a defended variant under an attack whose candidate source
    its defence shares (report/independence.py) is listed apart and not credited."""
    variants = variants_of(runs)
    compared = statistics.comparisons(variants, baseline, settings, seed, dataset)
    attack = (config or {}).get("attack", {})
    worst = adaptive.pairs(attack.get("recipes") or {}, list((attack.get("evaluate") or {}).get("recipes") or []))
    halves = adaptive.halves(worst)
    # a worst case has its plain half's candidate source
    recipes = {**(attack.get("recipes") or {}), **{name: attack["recipes"][plain] for name, (plain, _) in worst.items()}}
    evaluated = [*((attack.get("evaluate") or {}).get("recipes") or []), *worst]
    labelled = ({**config, "attack": {**attack, "recipes": recipes, "evaluate": {**attack["evaluate"], "recipes": evaluated}}}
                if config else config)
    for c in compared:
        recipe = recipe_of_figure(c["figure"], recipes)
        label = independence(c["variant"], recipe, labelled) if recipe else None
        c["shares_source"] = bool(label and label["shares"])
        # a plain or adaptive attack that has a worst case is shown, but only the worst case is evidence
        c["superseded_by"] = halves.get(recipe) if recipe else None
    credited = [c for c in compared if not c["shares_source"] and not c["superseded_by"]]
    return {"baseline": baseline if baseline in variants else None, "settings": settings,
            "intervals": statistics.variant_statistics(variants, settings, seed, dataset),
            "comparisons": compared, "findings": statistics.findings(credited, settings, baseline),
            "not_credited": statistics.findings([c for c in compared if c["shares_source"] and not c["superseded_by"]],
                                                settings, baseline),
            "worst_cases": {name: list(pair) for name, pair in worst.items()},
            "not_established": statistics.not_established(credited, settings, baseline),
            "independence": independence_table(list(variants), labelled) if config else []}


def dataset_summary(task: Task, spec: dict, name: str, config: dict, examples_per_recipe: int = 5) -> dict:
    runs = []
    attack = config["attack"]
    worst = adaptive.pairs(attack["recipes"], list(attack["evaluate"]["recipes"] or []))
    for run in spec["runs"]:
        evaluation = adaptive.with_worst_cases(_load(run["evaluation"]), worst)
        metrics = _load(run["metrics"]) or {}  # an existing model was not trained here
        runs.append({"trainset": run["trainset"], "method": run["method"], "seed": run["seed"],
                     **({"model": run["model"]} if run.get("model") else {}),
                     "evaluation": evaluation, "best_epoch": metrics.get("best_epoch"), "dev": metrics.get("dev"),
                     "parameters": metrics.get("parameters"),
                     "online": metrics.get("online"),
                     "defence": ({"train": metrics.get("defence"), "test": evaluation.get("defence")}
                                 if evaluation.get("defence") else None),
                     "truncation": {"train_words": metrics.get("truncated_words", 0),
                                    "test": evaluation.get("truncation", {})},
                     **({"card": card_results(run["card"])} if run.get("card") else {})})
    suites = {name: {k: v for k, v in _load(path).items() if k in ("type", "produced", "rows_in", "filtered",
                                                                    "mean_edit_distance", "mean_changed_token_rate",
                                                                    "params")}
              for name, path in spec["suite_stats"].items()}
    baseline = spec.get("baseline", "clean/none")
    found = evidence(runs, config["report"], config["seed"], name, baseline, config)
    distillation = distillation_summary(config, variants_of(runs), found["intervals"], baseline, config["report"],
                                        config["seed"], name, found["comparisons"])
    outcomes = dataset_outcomes(variants_of(runs))
    for run in runs:  # the per-row contributions are in the evaluation files; the summary keeps the figures
        run["evaluation"] = {k: v for k, v in run["evaluation"].items() if k != "rows"}
    sweep = config.get("sweep")
    trained = list(dict.fromkeys(variant_key(r) for r in sorted(runs, key=seed_order) if r["trainset"] != "existing"))
    tradeoff = trade_off(found["intervals"], trained, baseline, sweep["choose"] if sweep else None,
                         list(config["attack"]["evaluate"]["recipes"] or []))
    return {
        "evidence": found,
        "tradeoff": tradeoff,
        "cleaning": cleaning_summary(_load(spec["clean_report"]), _load(spec.get("ingest_report"))),
        "augmentation": augmentation_summary(_load(spec.get("augment_report"))),
        "adversarial_trainset": _load(spec.get("adversarial_report")),
        "repair": _load(spec.get("repair_report")),
        "suites": suites,
        "search": search_summary(_load(spec.get("search"))),
        "distillation": distillation,
        "variants": aggregate(task, runs, baseline),
        "runs": runs,
        "examples": {recipe: example_rows(task, _jsonl(path), examples_per_recipe)
                     for recipe, path in spec["examples"].items()},
        "outcomes": outcomes,  # taken out by build_summary: outcomes.json, not summary.json
    }


def search_summary(best: dict | None) -> dict | None:
    """The Optuna study's trials (experiments/search/summary.py), each marked feasible or not."""
    if not best:
        return None
    table = [{**t, "feasible": t["state"] == "COMPLETE" and feasible(t)} for t in best["table"]]
    return {k: best[k] for k in ("study", "method", "objective", "budget", "workers", "trials", "best")} | {"table": table}


def build_summary(config: dict, datasets: dict, provenance: dict | None = None) -> tuple[dict, dict]:
    """(every figure of the report, the per-row outcomes of the compared figures); no timings
    (report/compute.py has them), so the same config and seed give the same bytes. ``provenance``:
    the code versions of the stages the report reads; the data fingerprints are added here."""
    task = task_for(config["task"])
    summaries = {name: dataset_summary(task, spec, name, config) for name, spec in datasets.items()}
    outcomes = {name: data.pop("outcomes") for name, data in summaries.items()}
    data = {name: file_digest(spec["splits"]) for name, spec in datasets.items() if spec.get("splits")}
    return {
        "task": config["task"],
        "datasets": summaries,
        "software": software_versions(),
        "provenance": {"code": dict(sorted((provenance or {}).items())), "data": data},
        "config": config,
    }, outcomes
