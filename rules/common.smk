# Config validation and the helpers the rules share: input and parameter functions, the code
# version of each rule's script (no lambdas inside rules).
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

REPO = Path(workflow.basedir)
sys.path.insert(0, str(REPO))  # this checkout's packages, whatever else is installed

from robustflow.codedeps import code_digest
from robustflow.config import validate_config
from robustflow.config.environment import environment_problems
from robustflow.defence_settings import combined_settings
from robustflow.devices import local_gpus
from robustflow.errors import ConfigError
from robustflow.existing_models import model_spec
from robustflow.sweep import point_train_settings, sweep_points
from robustflow.variants import SEARCH, split_method, trained_variants

from robustflow.locks import record_owner, release_stale_lock
from robustflow.numerics import pin_numerics

pin_numerics()  # before any job starts: jobs inherit it, on a cluster node too (it re-reads this file)

# A run killed with -9 leaves its lock: removed here when its process is gone (robustflow/locks.py),
# so the rerun needs no --unlock. Only the main process (jobs re-read the Snakefile too).
if workflow.is_main_process:
    released = release_stale_lock()
    if released:
        print(f"robustflow: {released}", file=sys.stderr)
    record_owner()

SPLITS = ["train", "dev", "test"]
ENV = str(REPO / "workflow" / "envs" / "robustflow.yaml")
# Errors name the file the config came from (--config overrides come on top of it).
CONFIG_ORIGIN = ", ".join(map(str, workflow.configfiles)) or "config"

try:
    validate_config(
        config, REPO / "workflow" / "schemas" / "config.schema.yaml", CONFIG_ORIGIN
    )
    # What the config points at, checked when the DAG is built: a missing source file would let
    # Snakemake plan on stale outputs, a missing model folder fail only in the training job.
    problems = environment_problems(config)
    if problems:
        raise ConfigError(
            f"config ({CONFIG_ORIGIN}) points at what is not here:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

DATASETS = sorted(config["datasets"])
AUGMENTERS = list(config["augment"]["augmenters"])  # config order = merge order
MERGED = config["augment"]["merge"]["use"] or AUGMENTERS
ATTACK = config["attack"]
RECIPES = list(ATTACK["recipes"])
SUITES = list(config["evaluate"]["suites"])
EXISTING = config["existing_models"]  # name -> entry: evaluated, never trained
# Sweep points: name -> {method, settings}; each trains as a method of its own (robustflow/sweep.py).
SWEEP = sweep_points(config["sweep"], config["seed"])
# The search's promoted trial trains as the method `search` (robustflow/search, rules/search.smk).
SEARCH_BLOCK = config["search"]
# Input defences (robustflow/defences): a method `<method>+<defence>` trains with one in front;
# defences compose (`none+spelling+smooth`).
DEFENCES = config["defences"]
METHOD_RE = "(?:{})(?:\\+(?:{}))*".format(
    "|".join(
        [
            "none",
            "fgm",
            "pgd",
            "freelb",
            *map(re.escape, SWEEP),
            *([SEARCH] if SEARCH_BLOCK else []),
        ]
    ),
    "|".join(map(re.escape, DEFENCES)) or "(?!)",
)


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    augmenter="|".join(map(re.escape, AUGMENTERS)) or "(?!)",
    trainset="clean|augmented|adversarial|online|repaired",
    method=METHOD_RE,
    seed=r"\d+",
    split="|".join(SPLITS),
    attack_split="train|test",
    recipe="|".join(map(re.escape, RECIPES)) or "(?!)",
    suite="|".join(map(re.escape, SUITES)) or "(?!)",
    shard=r"\d+",
    worker=r"\d+",
    # The model a job attacks or evaluates: trained here (trainset/method/seedN) or existing/<name>.
    model=rf"(?:clean|augmented|adversarial|online|repaired)/(?:{METHOD_RE})/seed\d+"
    + "".join(f"|existing/{re.escape(name)}" for name in EXISTING),


def code_version(script):
    """A digest of the code `workflow/scripts/<script>.py` runs: the script and every project module
    it imports, transitively (robustflow/codedeps.py). As a parameter, it reruns the rule's jobs when
    that code changes, and only then; the job display keeps showing the data inputs."""
    return code_digest(REPO / "workflow" / "scripts" / f"{script}.py", REPO)


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def source_inputs(wildcards):
    """Files an ingest job reads: the dataset's files, the fetched built-in file, or none (hub)."""
    source = dataset_config(wildcards)["source"]
    if "builtin" in source:
        return {"fetched": f"results/fetch/{wildcards.dataset}/source.dat"}
    return {f"source_{split}": path for split, path in source.get("files", {}).items()}


def ingest_params(wildcards):
    """What ingest depends on: the dataset's settings except those only cleaning reads."""
    ds = {
        k: v
        for k, v in dataset_config(wildcards).items()
        if k not in ("cleaning", "labels")
    }
    return {"dataset": ds, "task": config["task"], "seed": config["seed"]}


def clean_params(wildcards):
    ds = dataset_config(wildcards)
    return {"cleaning": ds["cleaning"], "labels": ds["labels"], "task": config["task"]}


def builtin_name(wildcards):
    return dataset_config(wildcards)["source"]["builtin"]


def augmenter_params(wildcards):
    """Only this augmenter's settings: changing another augmenter does not rerun this job."""
    return augmentation_params(config["augment"]["augmenters"][wildcards.augmenter])


def augmentation_params(settings):
    return {
        "settings": settings,
        "task": config["task"],
        "seed": config["seed"],
        "resources": {
            "cache": str(
                Path(config["cache_dir"]).expanduser() / "translations.sqlite"
            ),
            "model": config["model"]["name_or_path"],
        },
    }


def merge_inputs(wildcards):
    clean = {
        split: f"results/clean/{wildcards.dataset}/{split}.parquet" for split in SPLITS
    }
    rows = {
        f"rows_{name}": f"results/augment/{wildcards.dataset}/{name}.parquet"
        for name in MERGED
    }
    stats = {
        f"stats_{name}": f"results/augment/{wildcards.dataset}/{name}.json"
        for name in AUGMENTERS
    }
    return {**clean, **rows, **stats}


def merge_params(wildcards):
    return {
        "merge": config["augment"]["merge"],
        "used": MERGED,
        "augmenters": AUGMENTERS,
        "task": config["task"],
        "seed": config["seed"],
    }


TRAIN = config["train"]


def trainset_path(dataset, trainset):
    folder = {
        "augmented": "augment",
        "adversarial": "adversarial",
        "repaired": "repair",
    }
    return f"results/{folder.get(trainset, 'clean')}/{dataset}/train.parquet"


def trainset_input(wildcards):
    return trainset_path(wildcards.dataset, wildcards.trainset)


def search_best(dataset):
    """The search's outcome (rule search_best), or None when the experiment has no search."""
    return f"results/search/{dataset}/best.json" if SEARCH_BLOCK else None


def search_best_input(wildcards):
    """The search's outcome, for the training job of its promoted trial (its settings come from it)."""
    if split_method(wildcards.method)[0] != SEARCH:
        return []
    return search_best(wildcards.dataset)


def search_trainset_input(wildcards):
    """The training set the search's trials train on."""
    return trainset_path(wildcards.dataset, SEARCH_BLOCK["trainset"])


def search_worker_outputs(wildcards):
    return expand(
        "results/search/{dataset}/worker{worker}.json",
        dataset=wildcards.dataset,
        worker=range(SEARCH_BLOCK["workers"]),
    )


def search_params(wildcards):
    """What a search worker depends on: the search block, the training settings the trials start
    from (without the lists that only decide which jobs exist), the model, the objective's attack.
    """
    train = {
        k: v
        for k, v in TRAIN.items()
        if k not in ("methods", "trainsets", "seeds", "online")
    }
    recipe = SEARCH_BLOCK["objective"]["recipe"]
    return {
        "search": SEARCH_BLOCK,
        "train": train,
        "model": config["model"],
        "task": config["task"],
        "seed": TRAIN["seeds"][
            0
        ],  # the promoted model's seed: it retrains exactly the best trial
        "recipe": {
            "name": recipe,
            "settings": ATTACK["recipes"][recipe] if recipe else None,
        },
        "attack": {"batch_size": ATTACK["batch_size"], "device": ATTACK["device"]},
    }


def train_params(wildcards):
    """The training settings this job uses. Other methods' settings, the online settings (for other
    training sets) and the lists that only decide which jobs exist (methods, trainsets, seeds: the
    wildcards) are left out, so adding a seed or a method adds jobs without rerunning the others.
    """
    # `<method>+<defence>`: the method's settings, and the defence's.
    base, defence = split_method(wildcards.method)
    # A sweep point: its method, with its settings over train's.
    point = SWEEP.get(base)
    method = point["method"] if point else base
    if base == SEARCH:  # settings from the search's best trial, read by the job
        method = SEARCH_BLOCK["method"]
    train = point_train_settings(TRAIN, point) if point else TRAIN
    skip = ({"fgm", "pgd", "freelb"} - {method}) | {
        "methods",
        "trainsets",
        "seeds",
        "online",
    }
    params = {
        "settings": {k: v for k, v in train.items() if k not in skip},
        "model": config["model"],
        "task": config["task"],
    }
    if method != wildcards.method:
        params["method"] = method
    if defence:
        params["defence"] = {
            "name": defence,
            "settings": combined_settings(DEFENCES, defence),
        }
    if wildcards.trainset == "online":
        online = TRAIN["online"]
        params["online"] = {
            "settings": online,
            "recipes": {r: ATTACK["recipes"][r] for r in online["recipes"]},
        }
    return params


# The baseline: plain fine-tuning on the clean split with the first seed. It makes the adversarial
# training rows and the transfer set every model is scored on.
BASELINE = {"trainset": "clean", "method": "none", "seed": TRAIN["seeds"][0]}
BASELINE_DIR = "{trainset}/{method}/seed{seed}".format(**BASELINE)
# The reference model: its adversarial test examples are the transfer set every model is scored on
# and the report's examples. The baseline when this experiment trains; else the first existing model.
if TRAIN["methods"] or not EXISTING:
    REFERENCE, REFERENCE_DIR = BASELINE, BASELINE_DIR
else:
    REFERENCE = {"trainset": "existing", "method": next(iter(EXISTING)), "seed": None}
    REFERENCE_DIR = f"existing/{REFERENCE['method']}"


def train_gpus(wildcards):
    """`resources: gpu` of a training job. device auto asks for a GPU on a cluster (the node may
    have one) and on a local machine that has one; on a local CPU-only machine it asks for none,
    or the local `gpu=1` limit would run CPU trainings one at a time."""
    gpus = TRAIN["processes"]  # data-parallel training: one GPU per rank
    if TRAIN["device"] != "auto":
        return gpus * int(TRAIN["device"] != "cpu")
    plugin = workflow.executor_plugin
    if plugin is not None and plugin.name not in ("local", "dryrun"):
        return gpus
    return gpus * int(local_gpus() > 0)


def baseline_first(wildcards):
    """Scheduling priority: the baseline's training and attacks feed the adversarial training set
    and every model's transfer score, so on a few cores they run first, not after other variants.
    """
    w = wildcards
    model = (
        w.model
        if "model" in w.keys()
        else "{}/{}/seed{}".format(w.trainset, w.method, w.seed)
    )
    return 10 if model == BASELINE_DIR else 0


def train_priority(wildcards):
    """The baseline first (above); then online adversarial training, the longest job (attacks
    between epochs): started early on a few cores, it does not become the run's tail."""
    return max(baseline_first(wildcards), 5 * (wildcards.trainset == "online"))


def existing_name(model):
    """The `existing_models` name of a {model} wildcard, or None for a model trained here."""
    prefix = "existing/"
    return model[len(prefix) :] if model.startswith(prefix) else None


def trained_model(wildcards):
    """The trained model folder a job reads (an input); none for an existing model (params only)."""
    if existing_name(wildcards.model):
        return []
    return f"results/train/{wildcards.dataset}/{wildcards.model}/model"


def model_params(wildcards):
    name = existing_name(wildcards.model)
    if name:
        return model_spec(EXISTING[name]["name_or_path"], EXISTING[name])
    return model_spec(f"results/train/{wildcards.dataset}/{wildcards.model}/model")


def attack_rows(wildcards):
    split = wildcards.attack_split
    return {
        "rows": f"results/clean/{wildcards.dataset}/{split}.parquet",
        "pools": f"results/clean/{wildcards.dataset}/train.parquet",
        "clean_report": f"results/clean/{wildcards.dataset}/report.json",
    }


def attack_params(wildcards):
    """This recipe's settings and the slice settings of this split (train: generate, test: evaluate)."""
    part = "generate" if wildcards.attack_split == "train" else "evaluate"
    return {
        "settings": ATTACK["recipes"][wildcards.recipe],
        "max_examples": ATTACK[part]["max_examples"],
        "shards": ATTACK["shards"],
        "batch_size": ATTACK["batch_size"],
        "device": ATTACK["device"],
        "task": config["task"],
        "seed": config["seed"],
    }


def attack_shards(wildcards):
    w = wildcards
    return expand(
        "results/attack/{dataset}/{attack_split}/{model}/{recipe}/shard{shard}.jsonl",
        dataset=w.dataset,
        attack_split=w.attack_split,
        model=w.model,
        recipe=w.recipe,
        shard=range(ATTACK["shards"]),
    )


def adversarial_inputs(wildcards):
    return {
        "train": f"results/clean/{wildcards.dataset}/train.parquet",
        **{
            f"records_{r}": f"results/attack/{wildcards.dataset}/train/{BASELINE_DIR}/{r}.jsonl"
            for r in ATTACK["generate"]["recipes"]
        },
    }


def adversarial_params(wildcards):
    return {
        "recipes": ATTACK["generate"]["recipes"],
        "task": config["task"],
        "seed": config["seed"],
    }


def repair_inputs(wildcards):
    ds = wildcards.dataset
    return {
        **{split: f"results/clean/{ds}/{split}.parquet" for split in SPLITS},
        "baseline": f"results/evaluate/{ds}/{BASELINE_DIR}.json",
    }


def repair_params(wildcards):
    """The repair settings and each suite's perturbation (the same settings as its test suite)."""
    suites = config["evaluate"]["suites"]
    return {
        "repair": config["repair"],
        "suites": {
            s: augmentation_params({**suites[s], "n": 1, "fraction": 1.0})
            for s in SUITES
        },
        "task": config["task"],
        "seed": config["seed"],
    }


def suite_params(wildcards):
    suite = config["evaluate"]["suites"][wildcards.suite]
    return augmentation_params({**suite, "n": 1, "fraction": 1.0})


def evaluate_inputs(wildcards):
    w = wildcards
    here = f"results/attack/{w.dataset}/test/{w.model}"
    base = f"results/attack/{w.dataset}/test/{REFERENCE_DIR}"
    recipes = ATTACK["evaluate"]["recipes"]
    return {
        "model": trained_model(w),
        "clean_report": f"results/clean/{w.dataset}/report.json",
        "test": f"results/clean/{w.dataset}/test.parquet",
        "dev": f"results/clean/{w.dataset}/dev.parquet",
        **{f"suite_{s}": f"results/suites/{w.dataset}/{s}.parquet" for s in SUITES},
        **{f"attack_{r}": f"{here}/{r}.jsonl" for r in recipes},
        **{f"transfer_{r}": f"{base}/{r}.jsonl" for r in recipes},
    }


def evaluate_params(wildcards):
    return {
        "suites": SUITES,
        "recipes": ATTACK["evaluate"]["recipes"],
        "ece_bins": config["evaluate"]["ece_bins"],
        "batch_size": config["evaluate"]["batch_size"],
        "device": TRAIN["device"],
        "task": config["task"],
    }


def trained_runs():
    """(trainset, method) of every trained variant (robustflow/variants.py)."""
    return trained_variants(config)


def train_targets():
    return [
        f"results/train/{ds}/{t}/{m}/seed{seed}/metrics.json"
        for ds in DATASETS
        for t, m in trained_runs()
        for seed in TRAIN["seeds"]
    ]


def model_runs(dataset):
    """Every model the report shows: trained here, then the existing ones (`existing_models`)."""
    trained = [
        {"trainset": t, "method": m, "seed": seed}
        for t, m in trained_runs()
        for seed in TRAIN["seeds"]
    ]
    return trained + [
        {"trainset": "existing", "method": name, "seed": None} for name in EXISTING
    ]


def run_model(run):
    """The {model} wildcard of a run."""
    if run["trainset"] == "existing":
        return f"existing/{run['method']}"
    return "{trainset}/{method}/seed{seed}".format(**run)


def run_path(dataset, run):
    return f"{dataset}/{run_model(run)}"


def evaluation_targets():
    return [
        f"results/evaluate/{run_path(ds, run)}.json"
        for ds in DATASETS
        for run in model_runs(ds)
    ]


def report_datasets():
    """Per dataset, the files the report reads (the report job's inputs, by role)."""
    spec = {}
    for ds in DATASETS:
        spec[ds] = {
            # What every variant is compared with: the reference model's variant.
            "baseline": "{trainset}/{method}".format(**REFERENCE),
            "clean_report": f"results/clean/{ds}/report.json",
            "ingest_report": f"results/ingest/{ds}/ingest.json",
            "augment_report": (
                f"results/augment/{ds}/report.json" if AUGMENTERS else None
            ),
            "adversarial_report": (
                f"results/adversarial/{ds}/report.json"
                if "adversarial" in TRAIN["trainsets"]
                else None
            ),
            "repair_report": (
                f"results/repair/{ds}/report.json"
                if "repaired" in TRAIN["trainsets"] and TRAIN["methods"]
                else None
            ),
            "suite_stats": {s: f"results/suites/{ds}/{s}.json" for s in SUITES},
            "examples": {
                r: f"results/attack/{ds}/test/{REFERENCE_DIR}/{r}.jsonl"
                for r in ATTACK["evaluate"]["recipes"]
            },
            "runs": [run_files(ds, run) for run in model_runs(ds)],
            "search": search_best(ds),
        }
    return spec


def run_files(dataset, run):
    """A run's files for the report; an existing model has no training metrics or timings."""
    trained = run["trainset"] != "existing"
    path = run_path(dataset, run)
    return {
        **run,
        "evaluation": f"results/evaluate/{path}.json",
        "metrics": f"results/train/{path}/metrics.json" if trained else None,
        "timing": f"benchmarks/train/{path}.timing.json" if trained else None,
        "model": (
            None
            if trained
            else {
                "name_or_path": EXISTING[run["method"]]["name_or_path"],
                "label_map": EXISTING[run["method"]]["label_map"],
            }
        ),
    }


def report_inputs(wildcards):
    files = []
    for spec in report_datasets().values():
        files += [
            spec["clean_report"],
            spec["ingest_report"],
            *spec["suite_stats"].values(),
            *spec["examples"].values(),
        ]
        files += [
            p
            for p in (
                spec["augment_report"],
                spec["adversarial_report"],
                spec["repair_report"],
                spec["search"],
            )
            if p
        ]
        files += [
            run[k]
            for run in spec["runs"]
            for k in ("evaluation", "metrics", "timing")
            if run[k]
        ]
    return files


def benchmark_files():
    """The benchmark files of this experiment's jobs (the report's compute-cost table)."""
    files = []
    for ds in DATASETS:
        files += [f"benchmarks/ingest/{ds}.tsv", f"benchmarks/clean/{ds}.tsv"]
        files += [f"benchmarks/augment/{ds}/{a}.tsv" for a in AUGMENTERS]
        files += [f"benchmarks/augment/{ds}/merge.tsv"] if AUGMENTERS else []
        files += [f"benchmarks/suites/{ds}/{s}.tsv" for s in SUITES]
        runs = model_runs(ds)
        if REFERENCE == BASELINE and BASELINE not in runs:
            runs.append(BASELINE)
        for run in runs:
            if run["trainset"] != "existing":
                files.append(f"benchmarks/train/{run_path(ds, run)}.tsv")
            files.append(f"benchmarks/evaluate/{run_path(ds, run)}.tsv")
            for r in ATTACK["evaluate"]["recipes"]:
                files += [
                    f"benchmarks/attack/{ds}/test/{run_path(ds, run)[len(ds) + 1:]}/{r}/shard{k}.tsv"
                    for k in range(ATTACK["shards"])
                ]
        for r in (
            ATTACK["generate"]["recipes"] if "adversarial" in TRAIN["trainsets"] else []
        ):
            files += [
                f"benchmarks/attack/{ds}/train/{BASELINE_DIR}/{r}/shard{k}.tsv"
                for k in range(ATTACK["shards"])
            ]
    return files


def all_targets():
    targets = expand("results/clean/{dataset}/report.json", dataset=DATASETS)
    if AUGMENTERS:
        targets += expand("results/augment/{dataset}/report.json", dataset=DATASETS)
    targets += train_targets()
    if evaluation_targets():
        targets += evaluation_targets() + ["results/report/report.html"]
        if config["gates"]:
            targets.append("results/report/gates_passed.txt")
    if SWEEP:
        targets += expand("results/best/{dataset}/choice.json", dataset=DATASETS)
    if TRACKING["enabled"] and evaluation_targets():  # every trained model is evaluated
        targets.append("results/mlflow/logged.json")
    return targets


def best_model_inputs(wildcards):
    """The report's choice, and every trained model of the first seed (any may be the chosen)."""
    seed = TRAIN["seeds"][0]
    return {
        "summary": "results/report/summary.json",
        "models": [
            f"results/train/{wildcards.dataset}/{t}/{m}/seed{seed}/model"
            for t, m in trained_runs()
        ],
    }


TRACKING = config["tracking"]


def report_config():
    """The config the report shows: where runs are logged changes no figure, so changing it does
    not rerun the report (only the track job)."""
    return {k: v for k, v in config.items() if k != "tracking"}


def track_spec():
    """What the track job logs (robustflow/tracking/job.py): per dataset its clean splits, every
    model's files with its training job's params, the search's record; the report's files.
    """
    from types import SimpleNamespace

    datasets = {}
    for ds in DATASETS:
        runs = []
        for run in model_runs(ds):
            files = run_files(ds, run)
            entry = {
                k: files[k]
                for k in (
                    "trainset",
                    "method",
                    "seed",
                    "evaluation",
                    "metrics",
                    "timing",
                    "model",
                )
            }
            if run["trainset"] != "existing":
                w = SimpleNamespace(dataset=ds, **{k: str(v) for k, v in run.items()})
                entry["params"] = train_params(w)
                entry["point"] = SWEEP.get(split_method(run["method"])[0])
            runs.append(entry)
        datasets[ds] = {
            "splits": [f"results/clean/{ds}/{s}.parquet" for s in SPLITS],
            "runs": runs,
            "search": search_best(ds),
        }
    report_files = {
        "html": "results/report/report.html",
        "summary": "results/report/summary.json",
        "gates": "results/report/gates.json",
        "plots": "results/report/plots",
    }
    return {
        "datasets": datasets,
        "code": {"train": code_version("train"), "evaluate": code_version("evaluate")},
        "report": report_files if evaluation_targets() else None,
    }


def track_inputs(wildcards):
    spec, files = track_spec(), []
    for ds in spec["datasets"].values():
        files += ds["splits"] + ([ds["search"]] if ds["search"] else [])
        files += [
            run[k]
            for run in ds["runs"]
            for k in ("evaluation", "metrics", "timing")
            if run[k]
        ]
    return files + list((spec["report"] or {}).values())
