"""Validate the experiment config against the JSON schema, fill its defaults, explain errors.

Every error names the key path, the bad value and what is allowed, and all of them are reported
at once, so a user fixes the config in one pass instead of one error per run.
"""

from __future__ import annotations

import copy
import difflib
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import yaml

from augment.common.errors import ConfigError


def _with_defaults(validator_class):
    """A validator that inserts each missing property's `default` before descending into it."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def properties(validator, props, instance, schema) -> Iterator[jsonschema.ValidationError]:
        if isinstance(instance, dict):
            for name, subschema in props.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": properties})


_Validator = _with_defaults(jsonschema.Draft202012Validator)


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def key_path(error: jsonschema.ValidationError) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p}]" for p in error.absolute_path]
    return ".".join(parts).replace(".[", "[") or "<top level>"


def _allowed_keys(schema: dict) -> list[str]:
    return sorted(schema.get("properties", {}))


def explain(error: jsonschema.ValidationError) -> str:
    """One line a user can act on: where, what was found, what is allowed."""
    where = f"`{key_path(error)}`"
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties":
        allowed = _allowed_keys(error.schema)
        extra = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        hints = []
        for key in extra:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hints.append(f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return f"{where}: {'; '.join(hints) or 'unknown key'}; allowed keys: {', '.join(allowed)}"
    if kind == "enum":
        return f"{where}: {value!r} is not allowed; allowed: {', '.join(map(repr, expected))}"
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{where}: expected {wanted}, got {value!r} ({type(value).__name__})"
    if kind == "required":
        return f"{where}: {error.message.split(' is a required')[0]} is required but missing"
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{where}: {value!r} violates {kind} {expected!r}"
    if kind == "oneOf" and isinstance(error.schema.get("oneOf"), list):
        choices = [b["required"][0] for b in error.schema["oneOf"] if "required" in b]
        if choices:
            present = [c for c in choices if isinstance(value, dict) and c in value]
            return f"{where}: set exactly one of {', '.join(choices)} (found: {', '.join(present) or 'none'})"
        return f"{where}: {value!r} matches none of the allowed forms ({error.schema.get('description', '')})"
    if "propertyNames" in error.relative_schema_path:
        return (f"{where}: name {value!r} is not allowed: start with a letter or digit, then letters, digits, "
                "'_', '.' or '-' (the name becomes a folder and a wildcard value)")
    return f"{where}: {error.message}"


def deep_merge(base: dict, override: dict) -> dict:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _unquoted_off(node: Any) -> None:
    """YAML 1.1 reads an unquoted `off` as False; `action: off` means the rule is off."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and value is False:
                node[key] = "off"
            else:
                _unquoted_off(value)
    elif isinstance(node, list):
        for item in node:
            _unquoted_off(item)


def _check(instance: Any, schema: dict, origin: str) -> None:
    errors = sorted(_Validator(schema).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n".join(f"  - {explain(e)}" for e in errors)
        raise ConfigError(f"invalid config ({origin}):\n{lines}\nSee the key descriptions in workflow/schemas/config.schema.yaml.")


def _check_semantics(config: dict, origin: str, schema: dict) -> None:
    """Rules the schema cannot express."""
    problems = []
    for name, ds in config["datasets"].items():
        split = ds["split"]
        if split["dev"] + split["test"] >= 1:
            problems.append(f"`datasets.{name}.split`: dev ({split['dev']}) + test ({split['test']}) must be below 1")
        fmt = ds["source"]["format"]
        if config["task"] == "ner" and ds["columns"]["text_pair"] is not None:
            problems.append(f"`datasets.{name}.columns.text_pair`: pairs are for classification, not NER; remove it")
        if config["task"] == "classification" and fmt == "conll":
            problems.append(f"`datasets.{name}.source.format`: conll is an NER format but task is classification")
        if config["task"] == "classification" and ds["cleaning"]["unknown_labels"]["action"] == "repair":
            problems.append(f"`datasets.{name}.cleaning.unknown_labels.action`: repair only exists for NER (unknown "
                            "entities become O); for classification use drop, fail or off")
        length = ds["cleaning"]["length"]
        for low, high in (("min_chars", "max_chars"), ("min_tokens", "max_tokens")):
            if length[low] is not None and length[high] is not None and length[low] > length[high]:
                problems.append(f"`datasets.{name}.cleaning.length`: {low} ({length[low]}) exceeds {high} ({length[high]})")
    problems += _augment_problems(config, schema)
    problems += _augmenter_problems(config["task"], config["evaluate"]["suites"], "evaluate.suites", schema)
    problems += _attack_problems(config)
    if "augmented" in config["train"]["trainsets"] and not config["augment"]["augmenters"]:
        problems.append("`train.trainsets`: 'augmented' needs at least one augmenter in `augment.augmenters`")
    if problems:
        raise ConfigError(f"invalid config ({origin}):\n" + "\n".join(f"  - {p}" for p in problems))


# Augmenters that move, drop or insert tokens: they cannot keep one NER tag per token.
NER_UNSAFE = {"word_swap": "swaps words across positions", "word_delete": "deletes words",
              "backtranslation": "rewrites whole sentences (no token alignment survives translation)",
              "eda": "inserts, swaps and deletes words"}
NER_ONLY = {"mention_replace"}


def _backtranslation_problems(where: str, bt: dict) -> list[str]:
    problems = []
    if bt["min_length_ratio"] >= bt["max_length_ratio"]:
        problems.append(f"{where}.backtranslation`: min_length_ratio ({bt['min_length_ratio']}) must be below "
                        f"max_length_ratio ({bt['max_length_ratio']})")
    if bt["backend"] == "marian":
        missing = [p for p in bt["pivots"] if p not in bt["marian"]["models"]]
        if missing:
            problems.append(f"{where}.backtranslation.marian.models`: no models for pivot(s) {missing}; give "
                            "{forward: <en->pivot model folder or hub id>, backward: <pivot->en>} for each pivot")
    return problems


def _augmenter_problems(task: str, augmenters: dict, prefix: str, schema: dict) -> list[str]:
    problems = []
    types = schema["$defs"]["augmenter"]["properties"]["type"]["enum"]
    for name, aug in augmenters.items():
        where = f"`{prefix}.{name}"
        if task == "ner" and aug["type"] in NER_UNSAFE:
            safe = sorted(set(types) - set(NER_UNSAFE))
            problems.append(f"{where}.type`: {aug['type']} {NER_UNSAFE[aug['type']]}, which breaks NER labels; "
                            f"label-safe types for NER: {', '.join(safe)}")
        if task != "ner" and aug["type"] in NER_ONLY:
            problems.append(f"{where}.type`: {aug['type']} replaces entity mentions and needs task: ner")
        for block in ("backtranslation", "glove", "mlm"):
            if block in aug and aug["type"] != block:
                problems.append(f"{where}.{block}`: only for type {block} (this one is {aug['type']})")
        if aug["type"] == "backtranslation":
            problems += _backtranslation_problems(where, aug["backtranslation"])
        if aug["min_changes"] > aug["max_changes"]:
            problems.append(f"{where}`: min_changes ({aug['min_changes']}) exceeds max_changes ({aug['max_changes']})")
    return problems


def _augment_problems(config: dict, schema: dict) -> list[str]:
    augmenters = config["augment"]["augmenters"]
    problems = _augmenter_problems(config["task"], augmenters, "augment.augmenters", schema)
    for name in config["augment"]["merge"]["use"] or []:
        if name not in augmenters:
            problems.append(f"`augment.merge.use`: {name!r} is not a configured augmenter "
                            f"(configured: {', '.join(sorted(augmenters)) or 'none'})")
    return problems



# Recipe types per task: classification recipes are TextAttack searches; NER uses robustflow's own
# label-preserving search (robust_train has no TextAttack goal for token labels).
RECIPE_TASKS = {"deepwordbug": {"classification", "ner"}, "pwws": {"classification", "ner"},
                "glove_swap": {"classification", "ner"}, "pruthi": {"classification"}, "mlm_swap": {"classification"},
                "mention_swap": {"ner"}}
RECIPE_OPTIONS = {"max_edit_distance": {"deepwordbug"}, "max_candidates": {"glove_swap", "mlm_swap", "mention_swap"},
                  "min_cos_sim": {"glove_swap"}, "max_words": {"pruthi"}, "mlm": {"mlm_swap"}}


def _attack_problems(config: dict) -> list[str]:
    problems, attack, task = [], config["attack"], config["task"]
    recipes = attack["recipes"]
    for name, recipe in recipes.items():
        where = f"`attack.recipes.{name}"
        if task not in RECIPE_TASKS[recipe["type"]]:
            usable = sorted(t for t, tasks in RECIPE_TASKS.items() if task in tasks)
            problems.append(f"{where}.type`: {recipe['type']} does not exist for task {task}; use one of {', '.join(usable)}")
        if recipe["type"] == "mlm_swap" and "mlm" not in recipe:
            problems.append(f"{where}.mlm`: mlm_swap needs a masked LM: a local folder (e.g. bert-base-uncased saved "
                            "with save_pretrained) or a hub id when online")
        for option, types in RECIPE_OPTIONS.items():
            if option in recipe and recipe["type"] not in types:
                problems.append(f"{where}.{option}`: only for {', '.join(sorted(types))} (this one is {recipe['type']})")
    for part in ("generate", "evaluate"):
        names = attack[part]["recipes"]
        for name in names or []:
            if name not in recipes:
                problems.append(f"`attack.{part}.recipes`: {name!r} is not a configured recipe "
                                f"(configured: {', '.join(sorted(recipes)) or 'none'})")
        if names is None:
            attack[part]["recipes"] = list(recipes)
    if "adversarial" in config["train"]["trainsets"] and not attack["generate"]["recipes"]:
        problems.append("`train.trainsets`: 'adversarial' needs at least one recipe in `attack.recipes` "
                        "(and `attack.generate.recipes` not empty)")
    return problems


# Perturbation suites when the config names none: character noise at three rates, synonym swaps,
# and per task a sentence-level paraphrase (classification) or entity-mention swaps (NER).
DEFAULT_SUITES = {
    "classification": {
        "typos_5": {"type": "keyboard", "word_p": 0.05, "max_changes": 100},
        "typos_10": {"type": "keyboard", "word_p": 0.10, "max_changes": 100},
        "typos_20": {"type": "keyboard", "word_p": 0.20, "max_changes": 100},
        "synonyms": {"type": "synonym", "word_p": 0.2, "max_changes": 100},
        "paraphrase": {"type": "backtranslation", "backtranslation": {"backend": "apertium", "pivots": ["spa"]}},
    },
    "ner": {
        "typos_5": {"type": "keyboard", "word_p": 0.05, "max_changes": 100},
        "typos_10": {"type": "keyboard", "word_p": 0.10, "max_changes": 100},
        "typos_20": {"type": "keyboard", "word_p": 0.20, "max_changes": 100},
        "synonyms": {"type": "synonym", "word_p": 0.2, "max_changes": 100},
        "mentions": {"type": "mention_replace", "word_p": 1.0, "max_changes": 100},
    },
}


def validate_config(config: dict, schema_path: str | Path, origin: str = "config") -> dict:
    """Validate ``config`` in place, filling defaults; raise ConfigError listing every problem.

    A dataset's own ``cleaning`` is merged over the global one first, so each dataset carries its
    complete effective cleaning settings (and changing one dataset's override reruns only its jobs).
    """
    schema = load_schema(schema_path)
    _unquoted_off(config)
    # On a copy: errors are reported at the user's own key paths, and no defaults are filled into
    # a dataset's override (they would beat the global settings in the merge).
    _check(copy.deepcopy(config), schema, origin)
    for ds in config["datasets"].values():
        ds["cleaning"] = deep_merge(config.get("cleaning") or {}, ds.get("cleaning") or {})
    _check(config, schema, origin)  # now fills the defaults
    if config["evaluate"]["suites"] is None:
        config["evaluate"]["suites"] = copy.deepcopy(DEFAULT_SUITES[config["task"]])
        _check(config, schema, origin)  # fills the suites' augmenter defaults
    if config["train"]["seeds"] is None:
        config["train"]["seeds"] = [config["seed"]]
    _check_semantics(config, origin, schema)
    return config


def load_config(path: str | Path, schema_path: str | Path) -> dict:
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
