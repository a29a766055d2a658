"""What the rules hand their jobs, as plain functions of the validated config: a training job's
parameters (a change to any of them reruns it, nothing else does), the search workers'
parameters, the report's input files by role, and what the track job logs.

rules/common.smk keeps the thin input and parameter functions Snakemake calls with wildcards;
the logic behind them lives here, so that it is tested without Snakemake (tests/experiments/test_job_params.py).
"""

from __future__ import annotations

from pathlib import Path

from robustflow.defence_settings import combined_settings
from robustflow.reference_run import reference_files
from robustflow.sweep import point_train_settings, sweep_points
from robustflow.variants import PERTURBATION_METHODS, SEARCH, split_method, trained_variants

SPLITS = ("train", "dev", "test")
ADVERSARIAL_METHODS = set(PERTURBATION_METHODS)
JOB_LISTS = {"methods", "trainsets", "seeds", "online"}  # decide which jobs exist, not what one computes


def sweep_of(config: dict) -> dict:
    """The sweep's points: name -> {method, settings} (robustflow/sweep.py)."""
    return sweep_points(config["sweep"], config["seed"])


def train_params(config: dict, trainset: str, method: str, sweep: dict | None = None) -> dict:
    """The training settings a job uses. Other methods' settings, the online settings (for other
    training sets) and the lists that only decide which jobs exist are left out, so adding a seed or
    a method adds jobs without rerunning the others. ``method`` is the wildcard: `<method>`,
    `<sweep point>`, `search`, each optionally `+<defence>`."""
    sweep = sweep_of(config) if sweep is None else sweep
    train = config["train"]
    base, defence = split_method(method)
    point = sweep.get(base)  # a sweep point: its method, with its settings over train's
    student = config["distil"]["students"].get(base)  # a student: its own method, with the teacher's soft labels
    used = point["method"] if point else student["method"] if student else base
    if base == SEARCH:  # settings from the search's best trial, read by the job
        used = config["search"]["method"]
    settings = point_train_settings(train, point) if point else train
    if student:  # a student's own epochs and lr over train's (only when set: other jobs keep their params)
        settings = {**settings, **{k: student[k] for k in ("epochs", "lr") if student.get(k) is not None}}
        if student.get("method_settings"):  # over train.<method>'s, for this student only
            settings = {**settings, used: {**settings.get(used, {}), **student["method_settings"]}}
    skip = (ADVERSARIAL_METHODS - {used}) | JOB_LISTS
    params = {"settings": {k: v for k, v in settings.items() if k not in skip},
              "model": config["model"], "task": config["task"]}
    if used != method:
        params["method"] = used
    if defence:
        params["defence"] = {"name": defence, "settings": combined_settings(config["defences"], defence)}
    if student:
        params["distil"] = {k: student[k] for k in ("teacher", "temperature", "alpha", "layers")}
        if student["transfer"] == "all":  # only then: students trained before the setting existed keep their jobs
            params["distil"]["transfer"] = "all"
    if trainset == "online":
        online = train["online"]
        params["online"] = {"settings": online, "recipes": {r: config["attack"]["recipes"][r] for r in online["recipes"]}}
    return params


def student_teacher(config: dict, method: str) -> str | None:
    """The teacher's name of a student's method (`<student>` or `<student>+<defence>`), else None."""
    student = config["distil"]["students"].get(split_method(method)[0])
    return student["teacher"] if student else None


def teacher_runs(config: dict, teacher: str, seed: int) -> list[dict]:
    """The models that make up a teacher for a student of ``seed``: each variant at that seed (or at
    every seed with `seeds: all`), or the existing model."""
    spec = config["distil"]["teachers"][teacher]
    if "existing" in spec:
        return [{"trainset": "existing", "method": spec["existing"], "seed": None}]
    seeds = config["train"]["seeds"] if spec["seeds"] == "all" else [seed]
    return [{"trainset": v.partition("/")[0], "method": v.partition("/")[2], "seed": s}
            for v in spec["variants"] for s in seeds]


def teacher_model_dirs(config: dict, dataset: str, teacher: str, seed: int) -> list[str]:
    """The teach job's model inputs (an existing model is not an input: see models.existing.model_spec)."""
    return [f"results/train/{dataset}/{run_model(r)}/model" for r in teacher_runs(config, teacher, seed)
            if r["trainset"] != "existing"]


def teach_params(config: dict, dataset: str, teacher: str, seed: int) -> dict:
    """What the teach job's output depends on: the teacher's models, which rows (the student's sample)."""
    from models.existing import model_spec

    models = []
    for run in teacher_runs(config, teacher, seed):
        if run["trainset"] == "existing":
            entry = config["existing_models"][run["method"]]
            models.append(model_spec(entry["name_or_path"], entry))
        else:
            models.append(model_spec(f"results/train/{dataset}/{run_model(run)}/model"))
    train = config["train"]
    # a student with an unlabelled transfer set needs every training row labelled
    transfer = any(s["teacher"] == teacher and s["transfer"] == "all" for s in config["distil"]["students"].values())
    return {"task": config["task"], "models": models, "max_train_samples": None if transfer else train["max_train_samples"],
            "batch_size": train["eval_batch_size"], "device": train["device"]}


def search_params(config: dict) -> dict:
    """What a search worker depends on: the search block, the training settings the trials start
    from (without the lists that only decide which jobs exist), the model, the objective's attack."""
    search, attack, train = config["search"], config["attack"], config["train"]
    recipe = search["objective"]["recipe"]
    return {
        "search": search,
        "train": {k: v for k, v in train.items() if k not in JOB_LISTS},
        "model": config["model"],
        "task": config["task"],
        "seed": train["seeds"][0],  # the promoted model's seed: it retrains exactly the best trial
        "recipe": {"name": recipe, "settings": attack["recipes"][recipe] if recipe else None},
        "attack": {"batch_size": attack["batch_size"], "device": attack["device"]},
    }


def baseline(config: dict) -> dict:
    """Plain fine-tuning on the clean split with the first seed: it makes the adversarial training
    rows and, when the experiment trains, the transfer set every model is scored on."""
    return {"trainset": "clean", "method": "none", "seed": config["train"]["seeds"][0]}


def reference(config: dict) -> dict:
    """The model whose adversarial test examples are the transfer set and the report's examples:
    the baseline when this experiment trains, else the first existing model."""
    existing = config["existing_models"]
    if config["train"]["methods"] or not existing:
        return baseline(config)
    return {"trainset": "existing", "method": next(iter(existing)), "seed": None}


def model_runs(config: dict) -> list[dict]:
    """Every model the report shows: trained here (each variant and seed), then the existing ones."""
    trained = [{"trainset": t, "method": m, "seed": seed}
               for t, m in trained_variants(config) for seed in config["train"]["seeds"]]
    return trained + [{"trainset": "existing", "method": name, "seed": None} for name in config["existing_models"]]


def run_model(run: dict) -> str:
    """The {model} wildcard of a run: trainset/method/seedN, or existing/<name>."""
    if run["trainset"] == "existing":
        return f"existing/{run['method']}"
    return "{trainset}/{method}/seed{seed}".format(**run)


def run_path(dataset: str, run: dict) -> str:
    return f"{dataset}/{run_model(run)}"


def search_best(config: dict, dataset: str) -> str | None:
    """The search's outcome (rule search_best), or None when the experiment has no search."""
    return f"results/search/{dataset}/best.json" if config["search"] else None


def run_files(config: dict, dataset: str, run: dict) -> dict:
    """A run's files for the report; an existing model has no training metrics or timings."""
    trained = run["trainset"] != "existing"
    path = run_path(dataset, run)
    entry = None if trained else config["existing_models"][run["method"]]
    return {
        **run,
        "evaluation": f"results/evaluate/{path}.json",
        "metrics": f"results/train/{path}/metrics.json" if trained else None,
        "timing": f"benchmarks/train/{path}.timing.json" if trained else None,
        "predict_timing": f"benchmarks/evaluate/{path}.timing.json",  # prediction time on the test split
        "model": None if trained else {"name_or_path": entry["name_or_path"], "label_map": entry["label_map"]},
        "card": None if trained else local_card(entry["name_or_path"]),
        # every attacked test row's record (the report's example browser)
        "attacks": {r: f"results/attack/{dataset}/test/{run_model(run)}/{r}.jsonl"
                    for r in config["attack"]["evaluate"]["recipes"] or []},
    }


def local_card(name_or_path: str) -> str | None:
    """An existing model folder's model card (README.md), when it has one: the report shows its figures."""
    card = Path(name_or_path).expanduser() / "README.md"
    return str(card) if card.is_file() else None


def report_datasets(config: dict) -> dict:
    """Per dataset, the files the report reads (the report job's inputs, by role)."""
    ref, train, attack = reference(config), config["train"], config["attack"]
    ref_dir = run_model(ref)
    spec = {}
    for ds in sorted(config["datasets"]):
        spec[ds] = {
            "baseline": "{trainset}/{method}".format(**ref),  # what every variant is compared with
            "clean_report": f"results/clean/{ds}/report.json",
            "ingest_report": f"results/ingest/{ds}/ingest.json",
            "augment_report": f"results/augment/{ds}/report.json" if config["augment"]["augmenters"] else None,
            "adversarial_report": f"results/adversarial/{ds}/report.json" if "adversarial" in train["trainsets"] else None,
            "repair_report": (f"results/repair/{ds}/report.json"
                              if "repaired" in train["trainsets"] and train["methods"] else None),
            "suite_stats": {s: f"results/suites/{ds}/{s}.json" for s in config["evaluate"]["suites"]},
            "examples": {r: f"results/attack/{ds}/test/{ref_dir}/{r}.jsonl" for r in attack["evaluate"]["recipes"]},
            "runs": [run_files(config, ds, run) for run in model_runs(config)],
            "search": search_best(config, ds),
            "splits": [f"results/clean/{ds}/{s}.parquet" for s in SPLITS],  # the data's fingerprint
        }
    return spec


def report_input_files(config: dict) -> list[str]:
    """Every file report_datasets names: the report job's inputs."""
    files = []
    for spec in report_datasets(config).values():
        files += [spec["clean_report"], spec["ingest_report"], *spec["suite_stats"].values(), *spec["examples"].values()]
        files += [p for p in (spec["augment_report"], spec["adversarial_report"], spec["repair_report"], spec["search"]) if p]
        files += [run[k] for run in spec["runs"] for k in ("evaluation", "metrics", "timing", "predict_timing", "card")
                  if run[k]]
        files += [path for run in spec["runs"] for path in run["attacks"].values()]
        files += spec["splits"]
    reference = (config.get("compare") or {}).get("reference")
    files += reference_files(reference) if reference else []
    return list(dict.fromkeys(files))  # the baseline's attacks are its examples too


def report_stages(config: dict) -> list[str]:
    """The workflow scripts whose outputs the report reads: their code versions are recorded in
    summary.json, so a later run's comparison can say which code changed."""
    stages = ["ingest", "clean"]
    stages += ["augment"] if config["augment"]["augmenters"] else []
    stages += ["perturb_suite"] if config["evaluate"]["suites"] else []
    stages += ["attack_shard"] if config["attack"]["evaluate"]["recipes"] else []
    stages += ["train"] if trained_variants(config) else []
    stages += ["teach"] if any(student_teacher(config, m) for _, m in trained_variants(config)) else []
    return stages + ["evaluate"]


REPORT_FILES = {"html": "results/report/report.html", "summary": "results/report/summary.json",
                "gates": "results/report/gates.json", "plots": "results/report/plots"}
RUN_KEYS = ("trainset", "method", "seed", "evaluation", "metrics", "timing", "model")


def track_spec(config: dict, code: dict) -> dict:
    """What the track job logs (experiments/tracking/job.py): per dataset its clean splits, every
    model's files with its training job's params, the search's record; the report's files (none
    when nothing is evaluated). ``code``: the code versions of the train and evaluate scripts."""
    sweep, runs_of = sweep_of(config), model_runs(config)
    datasets = {}
    for ds in sorted(config["datasets"]):
        runs = []
        for run in runs_of:
            files = run_files(config, ds, run)
            entry = {k: files[k] for k in RUN_KEYS}
            if run["trainset"] != "existing":
                entry["params"] = train_params(config, str(run["trainset"]), str(run["method"]), sweep)
                entry["point"] = sweep.get(split_method(run["method"])[0])
            runs.append(entry)
        datasets[ds] = {"splits": [f"results/clean/{ds}/{s}.parquet" for s in SPLITS], "runs": runs,
                        "search": search_best(config, ds)}
    return {"datasets": datasets, "code": code, "report": dict(REPORT_FILES) if runs_of else None}


def track_input_files(spec: dict) -> list[str]:
    """The files a track spec names (the track job's inputs)."""
    files = []
    for ds in spec["datasets"].values():
        files += ds["splits"] + ([ds["search"]] if ds["search"] else [])
        files += [run[k] for run in ds["runs"] for k in ("evaluation", "metrics", "timing") if run[k]]
    return files + list((spec["report"] or {}).values())
