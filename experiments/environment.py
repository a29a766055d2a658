"""Checks of what the config points at on this machine, run when the DAG is built: configured
source files must exist (or Snakemake would plan on stale outputs of a file that is gone), and
model references must resolve (a missing folder would otherwise be tried as a hub id, and fail
only in the training job, after cleaning and augmentation, or retry the network for a minute).

Kept apart from `validate_config`: a config can be valid on one machine and point at files that
only exist on another (tests and library use validate configs with placeholder paths)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from models.existing import task_problem
from models.pretrained import BUILTIN

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def source_file_problems(config: dict) -> list[str]:
    problems = []
    for name, ds in config["datasets"].items():
        for split, path in (ds["source"].get("files") or {}).items():
            p = Path(path).expanduser()
            if not p.exists():
                problems.append(f"`datasets.{name}.source.files.{split}`: {path} does not exist (relative paths start "
                                f"at the working directory {Path.cwd()}). Fix: correct the path, or remove the split "
                                "to carve it from train")
            elif p.is_dir():
                problems.append(f"`datasets.{name}.source.files.{split}`: {path} is a directory; point at the file inside it")
    return problems


def model_references(config: dict) -> Iterator[tuple[str, str]]:
    """(key, model name or path) of every model the config names."""
    yield "model.name_or_path", config["model"]["name_or_path"]
    for name, entry in config.get("existing_models", {}).items():
        yield f"existing_models.{name}.name_or_path", entry["name_or_path"]
    for section, augmenters in (("augment.augmenters", config["augment"]["augmenters"]),
                                ("evaluate.suites", config["evaluate"]["suites"] or {})):
        for name, aug in augmenters.items():
            if "mlm" in aug:
                yield f"{section}.{name}.mlm.model", aug["mlm"]["model"]
            marian = (aug.get("backtranslation") or {}).get("marian", {}).get("models", {})
            for pivot, pair in marian.items():
                for direction in ("forward", "backward"):
                    yield f"{section}.{name}.backtranslation.marian.models.{pivot}.{direction}", pair[direction]
    for name, recipe in config["attack"]["recipes"].items():
        for option in ("mlm", "embedding_model"):
            if recipe.get(option):
                yield f"attack.recipes.{name}.{option}", recipe[option]


def looks_like_path(name: str) -> bool:
    """A name meant as a local folder: it starts with . / or ~, holds a backslash or more than one
    slash, ends with a slash, or its first part is a folder here (`results/...`). `org/name`
    with nothing local behind it is a hub id."""
    if name.startswith((".", "/", "~")) or "\\" in name or name.count("/") > 1 or name.endswith("/"):
        return True
    return "/" in name and Path(name.split("/")[0]).is_dir()


def _offline_flag() -> str | None:
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on"):
            return var
    return None


def _cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


@lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub's host answers a TCP connection within ``timeout`` s (once per process)."""
    from urllib.parse import urlparse

    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def model_problem(key: str, name: str) -> str | None:
    if name in BUILTIN:
        module, fix = BUILTIN[name]
        return None if importlib.util.find_spec(module) else f"`{key}`: {name!r} needs the {module} package. Fix: {fix}"
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            return f"`{key}`: {name} is a file; a model is a folder (config.json, weights, tokenizer files)"
        if (path / "adapter_config.json").is_file():  # a LoRA adapter: its base must be loadable too
            base = json.loads((path / "adapter_config.json").read_text(encoding="utf-8")).get("base_model_name_or_path")
            return model_problem(f"{key} (the base model in {path / 'adapter_config.json'})", base) if base else (
                f"`{key}`: {path / 'adapter_config.json'} names no base_model_name_or_path. Fix: add the base model's "
                "folder or hub id there")
        if not (path / "config.json").is_file():
            return (f"`{key}`: {name} is a folder without config.json, so not a saved model. Fix: point at the folder "
                    "`save_pretrained` wrote (or a LoRA adapter folder with adapter_config.json)")
        return None
    if looks_like_path(name):
        return (f"`{key}`: the model folder {name} does not exist (relative paths start at the working directory "
                f"{Path.cwd()}). Fix: correct the path, or use `minilm` or a hub id")
    if not _REPO_ID.match(name):
        return f"`{key}`: {name!r} is neither an existing folder nor a hub id (owner/name). Fix: correct it"
    if _cached(name):
        return None
    offline = _offline_flag() or (None if hub_reachable() else "no connection to the hub")
    if offline:
        return (f"`{key}`: {name!r} is not a local folder, so it is a hub id, and this machine is offline ({offline}) "
                "with no cached copy. Fix: download it where there is network (`save_pretrained` to a folder), copy "
                "the folder here and give its path, or use `minilm`")
    return None


def environment_problems(config: dict) -> list[str]:
    problems = source_file_problems(config)
    problems += [p for key, name in model_references(config) if (p := model_problem(key, name))]
    problems += [p for name, entry in config.get("existing_models", {}).items()
                 if (p := task_problem(f"existing_models.{name}.name_or_path", entry["name_or_path"], config["task"]))]
    problems += tracking_problems(config.get("tracking") or {})
    problems += defence_resource_problems(config)
    return problems


def defence_resource_problems(config: dict) -> list[str]:
    """A spelling defence's dictionary: the word list file, or the package, is here (else every
    defended training job would fail after cleaning and augmentation)."""
    from robustflow.variants import split_method

    used = {part for m in config["train"]["methods"] if split_method(m)[1] for part in split_method(m)[1].split("+")}
    problems = []
    for name in sorted(used & set(config.get("defences") or {})):
        spelling = config["defences"][name].get("spelling")
        if not spelling:
            continue
        source, key = spelling["dictionary"], f"defences.{name}.spelling.dictionary"
        if source == "pyspellchecker":
            if importlib.util.find_spec("spellchecker") is None:
                problems.append(f"`{key}`: pyspellchecker is not installed. Fix: `pip install pyspellchecker==0.9.1` "
                                "(setup.sh installs it), or point `dictionary` at a word list file")
        elif not Path(source).expanduser().is_file():
            problems.append(f"`{key}`: {source} is not a file (relative paths start at the working directory "
                            f"{Path.cwd()}). Fix: point it at a word list (one word a line, optionally `word<TAB>count`)")
    return problems


def tracking_problems(block: dict) -> list[str]:
    """Strict tracking without MLflow installed fails when the DAG is built, not after hours of
    training (lenient tracking warns in the track job instead)."""
    import importlib.util

    if block.get("enabled") and block.get("strict") and importlib.util.find_spec("mlflow") is None:
        return ["tracking.strict is true but MLflow is not installed. Fix: `pip install -e '.[tracking]'` "
                "(setup.sh installs it unless --no-tracking), or set tracking.enabled: false"]
    return []
