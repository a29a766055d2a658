# Config validation and the helpers the rules share: input and parameter functions, the code
# version of each rule's script (no lambdas inside rules).
import re
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

REPO = Path(workflow.basedir)
sys.path.insert(0, str(REPO))  # this checkout's packages, whatever else is installed

from experiments import job_params
from experiments.codedeps import code_digest
from experiments.environment import environment_problems
from experiments.locks import record_owner, release_stale_lock
from models.existing import model_spec
from robustflow.config import validate_config
from models.devices import local_gpus
from robustflow.errors import ConfigError
from robustflow.numerics import pin_numerics
from robustflow.sweep import sweep_points
from robustflow.variants import BUILT_IN_METHODS, SEARCH, split_method, trained_variants

pin_numerics()  # before any job starts: jobs inherit it, on a cluster node too (it re-reads this file)

# A run killed with -9 leaves its lock: removed here when its process is gone (experiments/locks.py),
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
# The search's promoted trial trains as the method `search` (experiments/search, rules/search.smk).
SEARCH_BLOCK = config["search"]
# Input defences (models/defences): a method `<method>+<defence>` trains with one in front;
# defences compose (`none+spelling+smooth`).
DEFENCES = config["defences"]
# Distillation (robust_train/distil.py): a student is a method of its own; its teacher's outputs on
# the training rows are the teach job's (rules/train.smk).
STUDENTS = config["distil"]["students"]
TEACHERS = config["distil"]["teachers"]
METHOD_RE = "(?:{})(?:\\+(?:{}))*".format(
    "|".join(
        [
            *BUILT_IN_METHODS,
            *map(re.escape, SWEEP),
            *([SEARCH] if SEARCH_BLOCK else []),
            *map(re.escape, STUDENTS),
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
    teacher="|".join(map(re.escape, TEACHERS)) or "(?!)",
    # The model a job attacks or evaluates: trained here (trainset/method/seedN) or existing/<name>.
    model=rf"(?:clean|augmented|adversarial|online|repaired)/(?:{METHOD_RE})/seed\d+"
    + "".join(f"|existing/{re.escape(name)}" for name in EXISTING),


def code_version(script):
    """A digest of the code `workflow/scripts/<script>.py` runs: the script and every project module
    it imports, transitively (experiments/codedeps.py). As a parameter, it reruns the rule's jobs when
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
    return job_params.search_best(config, dataset)


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
    return job_params.search_params(config)


def teacher_input(wildcards):
    """A student's teacher outputs on its training rows (the teach job); nothing for other methods."""
    teacher = job_params.student_teacher(config, wildcards.method)
    if teacher is None:
        return []
    return "results/teach/{}/{}/{}/seed{}.json".format(
        wildcards.dataset, wildcards.trainset, teacher, wildcards.seed
    )


def teacher_models(wildcards):
    return job_params.teacher_model_dirs(
        config, wildcards.dataset, wildcards.teacher, int(wildcards.seed)
    )


def teach_params(wildcards):
    return job_params.teach_params(
        config, wildcards.dataset, wildcards.teacher, int(wildcards.seed)
    )


def train_params(wildcards):
    """The training settings this job uses (experiments/job_params.py)."""
    return job_params.train_params(config, wildcards.trainset, wildcards.method, SWEEP)


# The baseline (plain fine-tuning, clean split, first seed) makes the adversarial training rows;
# the reference model's adversarial test examples are the transfer set (experiments/job_params.py).
BASELINE = job_params.baseline(config)
BASELINE_DIR = job_params.run_model(BASELINE)
REFERENCE = job_params.reference(config)
REFERENCE_DIR = job_params.run_model(REFERENCE)


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
    return job_params.model_runs(config)


run_model = job_params.run_model


run_path = job_params.run_path


def evaluation_targets():
    return [
        f"results/evaluate/{run_path(ds, run)}.json"
        for ds in DATASETS
        for run in model_runs(ds)
    ]


def report_datasets():
    """Per dataset, the files the report reads, by role (experiments/job_params.py)."""
    return job_params.report_datasets(config)


def report_inputs(wildcards):
    return job_params.report_input_files(config)


def report_stages():
    """The scripts whose outputs the report reads (experiments/job_params.py)."""
    return job_params.report_stages(config)


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
        if train_targets():
            targets.append("results/report/cards")
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
    """What the track job logs (experiments/job_params.py, experiments/tracking/job.py)."""
    return job_params.track_spec(
        config, {"train": code_version("train"), "evaluate": code_version("evaluate")}
    )


def track_inputs(wildcards):
    return job_params.track_input_files(track_spec())
