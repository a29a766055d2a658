"""The experiment config: validated against workflow/schemas/config.schema.yaml (the one source of
defaults), checked for combinations the schema cannot express, every problem reported at once."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from robustflow.config.checks import semantic_problems
from robustflow.config.schema import check, deep_merge, load_schema, unquoted_off
from robustflow.errors import ConfigError
from robustflow.tasks import task_for

SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def validate_config(config: dict, schema_path: str | Path = SCHEMA, origin: str = "config") -> dict:
    """Validate ``config`` in place, filling defaults; raise ConfigError listing every problem.

    A dataset's own ``cleaning`` is merged over the global one first, so each dataset carries its
    complete effective cleaning settings (and changing one dataset's override reruns only its jobs).
    """
    schema = load_schema(schema_path)
    unquoted_off(config)
    # On a copy: errors are reported at the user's own key paths, and no defaults are filled into
    # a dataset's override (they would beat the global settings in the merge).
    check(copy.deepcopy(config), schema, origin)
    for ds in config["datasets"].values():
        ds["cleaning"] = deep_merge(config.get("cleaning") or {}, ds.get("cleaning") or {})
    check(config, schema, origin)  # now fills the defaults
    if config["evaluate"]["suites"] is None:
        config["evaluate"]["suites"] = copy.deepcopy(task_for(config["task"]).default_suites)
        check(config, schema, origin)  # fills the suites' augmenter defaults
    if config["train"]["seeds"] is None:
        config["train"]["seeds"] = [config["seed"]]
    problems = semantic_problems(config)
    if problems:
        raise ConfigError(f"invalid config ({origin}):\n" + "\n".join(f"  - {p}" for p in problems))
    return config


def load_config(path: str | Path, schema_path: str | Path = SCHEMA) -> dict:
    """Read a YAML config file and validate it (for tests and tools outside Snakemake)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            config = yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"config file {path}: expected a mapping of keys at the top level, got {type(config).__name__}")
    return validate_config(config, schema_path, origin=str(path))


def default_config(task: str = "classification") -> dict:
    """Every default of the schema, on a one-dataset config (tests, benchmarks, library use)."""
    return validate_config({"task": task, "datasets": {"d": {"source": {"files": {"train": "train.file"}}}}})


def augmenter_settings(kind: str, task: str = "classification", **settings) -> dict:
    """One augmenter's settings of type ``kind`` with the schema's defaults filled, validated as the
    workflow validates them (tests, benchmarks, library use)."""
    config = {"task": task, "datasets": {"d": {"source": {"files": {"train": "train.file"}}}},
              "augment": {"augmenters": {"a": {"type": kind, **settings}}}}
    return validate_config(config)["augment"]["augmenters"]["a"]
