# Config validation and the helpers the rules share (no lambdas inside rules).
import re
from pathlib import Path

from snakemake.exceptions import WorkflowError

from augment.common.config import validate_config
from augment.common.errors import ConfigError

REPO = Path(workflow.basedir)
SPLITS = ["train", "dev", "test"]
ENV = str(REPO / "workflow" / "envs" / "robustflow.yaml")

try:
    validate_config(config, REPO / "workflow" / "schemas" / "config.schema.yaml")
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None

DATASETS = sorted(config["datasets"])
AUGMENTERS = list(config["augment"]["augmenters"])  # config order = merge order
MERGED = config["augment"]["merge"]["use"] or AUGMENTERS


wildcard_constraints:
    dataset="|".join(map(re.escape, DATASETS)),
    augmenter="|".join(map(re.escape, AUGMENTERS)) or "(?!)",
    trainset="clean|augmented",
    method="none|fgm|pgd|freelb",
    seed=r"\d+",
    split="|".join(SPLITS),


def pkg_sources(*paths):
    """Python files of the package code a stage runs: editing them reruns the stage."""
    files = []
    for rel in paths:
        path = REPO / rel
        files += sorted(map(str, path.rglob("*.py"))) if path.is_dir() else [str(path)]
    return files


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
    return {
        "settings": config["augment"]["augmenters"][wildcards.augmenter],
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


def trainset_input(wildcards):
    if wildcards.trainset == "augmented":
        return f"results/augment/{wildcards.dataset}/train.parquet"
    return f"results/clean/{wildcards.dataset}/train.parquet"


def train_params(wildcards):
    """The training settings this job uses. Other methods' settings and the lists that only decide
    which jobs exist (methods, trainsets, seeds: the wildcards) are left out, so adding a seed or a
    method adds jobs without rerunning the others."""
    skip = ({"fgm", "pgd", "freelb"} - {wildcards.method}) | {
        "methods",
        "trainsets",
        "seeds",
    }
    return {
        "settings": {k: v for k, v in TRAIN.items() if k not in skip},
        "model": config["model"],
        "task": config["task"],
    }


def train_targets():
    return expand(
        "results/train/{dataset}/{trainset}/{method}/seed{seed}/metrics.json",
        dataset=DATASETS,
        trainset=TRAIN["trainsets"],
        method=TRAIN["methods"],
        seed=TRAIN["seeds"],
    )


def all_targets():
    targets = expand("results/clean/{dataset}/report.json", dataset=DATASETS)
    if AUGMENTERS:
        targets += expand("results/augment/{dataset}/report.json", dataset=DATASETS)
    return targets + train_targets()
