from __future__ import annotations

import copy
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
from robustflow.numerics import pin_numerics  # noqa: E402

pin_numerics()  # in-process training in tests, as in the workflow's jobs (before torch is imported)
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
SHARED = REPO.parent / "shared" / "data"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# Local runs: without it each snakemake start waits 9 s for a SLURM controller (tests/cluster/no_controller.conf).
LOCAL_ENV = {**os.environ, "SLURM_CONF": str(REPO / "tests" / "cluster" / "no_controller.conf")}


def minimal_config(task: str = "classification", **dataset) -> dict:
    ds = {"source": {"files": {"train": "train.csv"}}, **dataset}
    return {"task": task, "datasets": {"d": ds}}


@pytest.fixture
def validated():
    """Validate a config dict the way the workflow does and return it."""
    from robustflow.config import validate_config

    def run(config: dict) -> dict:
        return validate_config(copy.deepcopy(config), SCHEMA)
    return run


def defaults(task: str = "classification") -> dict:
    """The schema's defaults on a one-dataset config (the one source of defaults)."""
    from robustflow.config import default_config

    return default_config(task)


def augmenter(kind: str, task: str = "classification", name: str | None = None, **settings):
    """An AugmenterSpec of type `kind` (named `name`, default the type) with the schema's defaults
    filled, as the workflow builds it."""
    from augment.augmenters.spec import AugmenterSpec
    from robustflow.config import augmenter_settings

    return AugmenterSpec.from_config(name or kind, augmenter_settings(kind, task, **settings))


def perturbation(method: str, **settings):
    """An AdversarialConfig for `method`: the schema's defaults of `train.<method>` with `settings` over them."""
    from robust_train.adversarial import AdversarialConfig

    block = None if method == "none" else {**defaults()["train"][method], **settings}
    return AdversarialConfig.from_settings(method, block)


def train_config(seed: int = 13, max_length: int = 128, adversarial=None, **train):
    """A TrainConfig from the schema's `train` and `model` defaults with `train` settings over them."""
    from robust_train.trainer import TrainConfig

    config = defaults()
    cfg = TrainConfig.from_settings({**config["train"], **train}, {**config["model"], "max_length": max_length},
                                    "none", seed)
    return cfg if adversarial is None else dataclasses.replace(cfg, adversarial=adversarial)


def absolutise(config: dict) -> dict:
    """Point a repo config's relative data paths at the repo, so it runs from any directory."""
    config = copy.deepcopy(config)
    for ds in config["datasets"].values():
        files = ds["source"].get("files", {})
        for split, path in files.items():
            files[split] = str((REPO / path).resolve())
    return config


def without_training(config: dict) -> dict:
    """The same experiment up to augmentation (most workflow tests do not need to pay for training)."""
    config = copy.deepcopy(config)
    config.setdefault("train", {})["methods"] = []
    return config


def repo_config(name: str) -> dict:
    """A test config (tests/configs/) or a shipped experiment (workflow/configs/) by name."""
    path = REPO / "tests" / "configs" / f"{name}.yaml"
    if not path.is_file():
        path = REPO / "workflow" / "configs" / f"{name}.yaml"
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def run_snakemake(workdir: Path, config: dict | None, *args: str, check: bool = True,
                  snakefile: Path = REPO / "Snakefile", env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real workflow in ``workdir`` with ``config`` written next to it."""
    cmd = [*SNAKEMAKE, "-s", str(snakefile), "-d", str(workdir), "--cores", "2"]
    if config is not None:
        path = workdir / "config.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        cmd += ["--configfile", str(path)]
    proc = subprocess.run([*cmd, *args], capture_output=True, text=True, cwd=workdir,
                          env=LOCAL_ENV if env is None else env)
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
    return proc
