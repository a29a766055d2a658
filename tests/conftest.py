from __future__ import annotations

import copy
import dataclasses
import os
import shutil
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


# --- The tiny chains, run once per session --------------------------------------------------------
# Each whole chain (training, attacks, evaluation, report) costs minutes on 2 cores, so the checks
# that read one share one run; a check that writes (gates, compare, existing models, tracking,
# exports) gets its own copy, so no check sees another's changes and the byte-identity check
# compares the untouched first run.


@dataclasses.dataclass(frozen=True)
class ChainRun:
    workdir: Path
    config: dict

    @property
    def results(self) -> Path:
        return self.workdir / "results"

    def copy_to(self, where: Path) -> "ChainRun":
        """A copy Snakemake sees as complete (modification times kept: nothing reruns)."""
        shutil.copytree(self.workdir, where, symlinks=True)
        return ChainRun(where, copy.deepcopy(self.config))


def classification_chain_config() -> dict:
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["train"].update(methods=["none", "fgm"], trainsets=["clean", "adversarial"], epochs=6, patience=0)
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 2,
                     "generate": {"max_examples": 12}, "evaluate": {"max_examples": 8}}
    cfg["evaluate"] = {"suites": {"typos_10": {"type": "keyboard", "word_p": 0.1, "max_changes": 100},
                                  "typos_30": {"type": "keyboard", "word_p": 0.3, "max_changes": 100},
                                  "synonyms": {"type": "synonym", "word_p": 0.3, "max_changes": 100}}}
    return cfg


def ner_chain_config() -> dict:
    cfg = absolutise(repo_config("tiny_ner"))
    cfg["defences"] = {"spelling": {"spelling": {}}}
    cfg["train"].update(methods=["none", "none+spelling"], trainsets=["clean", "adversarial"], epochs=4, patience=0)
    cfg["attack"].update(shards=2, generate={"recipes": ["deepwordbug", "mentions"], "max_examples": 8},
                         evaluate={"max_examples": 6})
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.3, "max_changes": 100},
                                  "mentions": {"type": "mention_replace", "word_p": 1.0, "max_changes": 100}}}
    return cfg


def _run_chain(tmp_path_factory, name: str, config: dict) -> ChainRun:
    workdir = tmp_path_factory.mktemp(name)
    run_snakemake(workdir, config)
    return ChainRun(workdir, config)


@pytest.fixture(scope="session")
def classification_chain(tmp_path_factory) -> ChainRun:
    """The tiny classification chain (2 trainsets x none/fgm, DeepWordBug, 3 suites), run once; read only."""
    return _run_chain(tmp_path_factory, "classification_chain", classification_chain_config())


@pytest.fixture(scope="session")
def ner_chain(tmp_path_factory) -> ChainRun:
    """The tiny NER chain (2 trainsets x none/none+spelling, 2 attacks, 2 suites), run once; read only."""
    return _run_chain(tmp_path_factory, "ner_chain", ner_chain_config())


@pytest.fixture
def classification_chain_copy(classification_chain, tmp_path) -> ChainRun:
    """A private copy of the classification chain, for a check that writes."""
    return classification_chain.copy_to(tmp_path / "chain")
