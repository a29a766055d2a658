"""Rules the schema cannot express: combinations of settings, and what each task, augmenter type
and attack recipe allows (read from the task objects and the two registries)."""

from __future__ import annotations

from robustflow.augmenter_types import type_problem
from robustflow.recipes import RECIPES, option_names, types_with
from robustflow.tasks import task_for


def dataset_problems(config: dict) -> list[str]:
    problems, task = [], task_for(config["task"])
    for name, ds in config["datasets"].items():
        split = ds["split"]
        if split["dev"] + split["test"] >= 1:
            problems.append(f"`datasets.{name}.split`: dev ({split['dev']}) + test ({split['test']}) must be below 1")
        problems += task.dataset_problems(name, ds)
        length = ds["cleaning"]["length"]
        for low, high in (("min_chars", "max_chars"), ("min_tokens", "max_tokens")):
            if length[low] is not None and length[high] is not None and length[low] > length[high]:
                problems.append(f"`datasets.{name}.cleaning.length`: {low} ({length[low]}) exceeds {high} ({length[high]})")
    return problems


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


def augmenter_problems(task: str, augmenters: dict, prefix: str) -> list[str]:
    problems = []
    for name, aug in augmenters.items():
        where = f"`{prefix}.{name}"
        why_not = type_problem(aug["type"], task)
        if why_not:
            problems.append(f"{where}.type`: {why_not}")
        for block in ("backtranslation", "glove", "mlm"):
            if block in aug and aug["type"] != block:
                problems.append(f"{where}.{block}`: only for type {block} (this one is {aug['type']})")
        if aug["type"] == "backtranslation":
            problems += _backtranslation_problems(where, aug["backtranslation"])
        if aug["min_changes"] > aug["max_changes"]:
            problems.append(f"{where}`: min_changes ({aug['min_changes']}) exceeds max_changes ({aug['max_changes']})")
    return problems


def augment_problems(config: dict) -> list[str]:
    augmenters = config["augment"]["augmenters"]
    problems = augmenter_problems(config["task"], augmenters, "augment.augmenters")
    for name in config["augment"]["merge"]["use"] or []:
        if name not in augmenters:
            problems.append(f"`augment.merge.use`: {name!r} is not a configured augmenter "
                            f"(configured: {', '.join(sorted(augmenters)) or 'none'})")
    if "augmented" in config["train"]["trainsets"] and not augmenters:
        problems.append("`train.trainsets`: 'augmented' needs at least one augmenter in `augment.augmenters`")
    if "repaired" in config["train"]["trainsets"]:
        if not config["evaluate"]["suites"]:
            problems.append("`train.trainsets`: 'repaired' needs perturbation suites in `evaluate.suites` (the "
                            "baseline's results on them size the repair)")
        if config["train"]["methods"] and "none" not in config["train"]["methods"]:
            problems.append("`train.trainsets`: 'repaired' is sized by the baseline (clean/none): add 'none' to "
                            "`train.methods`")
    return problems


def attack_problems(config: dict) -> list[str]:
    """Recipe types the task has, options of the right type, and the recipe lists of generate and
    evaluate (null fills in every configured recipe)."""
    problems, attack, task = [], config["attack"], config["task"]
    recipes = attack["recipes"]
    for name, recipe in recipes.items():
        where, known = f"`attack.recipes.{name}", RECIPES[recipe["type"]]
        if task not in known.tasks:
            usable = sorted(t for t, r in RECIPES.items() if task in r.tasks)
            problems.append(f"{where}.type`: {recipe['type']} does not exist for task {task}; use one of {', '.join(usable)}")
        for option, why in known.required.items():
            if option not in recipe:
                problems.append(f"{where}.{option}`: {why}")
        for option in option_names():
            if option in recipe and option not in known.options:
                problems.append(f"{where}.{option}`: only for {', '.join(types_with(option))} (this one is {recipe['type']})")
    for part in ("generate", "evaluate"):
        names = attack[part]["recipes"]
        for name in names or []:
            if name not in recipes:
                problems.append(f"`attack.{part}.recipes`: {name!r} is not a configured recipe "
                                f"(configured: {', '.join(sorted(recipes)) or 'none'})")
        if names is None:
            attack[part]["recipes"] = list(recipes)
    problems += _online_problems(config)
    if "adversarial" in config["train"]["trainsets"] and not attack["generate"]["recipes"]:
        problems.append("`train.trainsets`: 'adversarial' needs at least one recipe in `attack.recipes` "
                        "(and `attack.generate.recipes` not empty)")
    return problems


ONLINE_TYPES = ("deepwordbug", "pwws", "glove_swap")  # robust_train/online_attack.py


def _online_problems(config: dict) -> list[str]:
    """`train.online.recipes` name configured recipes of types the online search runs (null fills in
    those of attack.evaluate that it can run)."""
    online, recipes = config["train"]["online"], config["attack"]["recipes"]
    if online["recipes"] is None:
        online["recipes"] = [r for r in config["attack"]["evaluate"]["recipes"] or []
                             if recipes[r]["type"] in ONLINE_TYPES]
        if "online" in config["train"]["trainsets"] and not online["recipes"]:
            return ["`train.trainsets`: 'online' needs a recipe of type " + ", ".join(ONLINE_TYPES)
                    + " in `attack.evaluate.recipes` or in `train.online.recipes`"]
        return []
    problems = []
    for name in online["recipes"]:
        if name not in recipes:
            problems.append(f"`train.online.recipes`: {name!r} is not a configured recipe "
                            f"(configured: {', '.join(sorted(recipes)) or 'none'})")
        elif recipes[name]["type"] not in ONLINE_TYPES:
            problems.append(f"`train.online.recipes`: {name!r} is a {recipes[name]['type']} recipe; the online search "
                            f"runs {', '.join(ONLINE_TYPES)}")
    return problems


def sweep_problems(config: dict) -> list[str]:
    from robustflow.sweep import grid_problems

    sweep = config.get("sweep")
    if not sweep:
        return []
    problems = grid_problems(sweep)
    robust, recipes = sweep["choose"]["robust"], config["attack"]["evaluate"]["recipes"]
    if robust != "attacks" and robust not in recipes:
        problems.append(f"`sweep.choose.robust`: {robust!r} is neither `attacks` nor an evaluated recipe "
                        f"({', '.join(recipes) or 'none'})")
    if not recipes:
        problems.append("`sweep`: the trade-off needs at least one attack in `attack.evaluate.recipes`")
    for trainset in sweep["trainsets"]:
        if trainset not in config["train"]["trainsets"]:
            problems.append(f"`sweep.trainsets`: {trainset!r} is not in `train.trainsets` (which builds it). Fix: add it there")
    if "none" not in config["train"]["methods"]:
        problems.append("`sweep`: the chosen point is compared with the baseline (clean/none): add 'none' to "
                        "`train.methods`")
    return problems


def search_problems(config: dict) -> list[str]:
    """`search`: its space, its trainset and its attack (filled in: the first evaluated recipe)."""
    from robustflow.search_space import space_problems

    search = config.get("search")
    if not search:
        return []
    problems = space_problems(search["space"])
    objective, recipes = search["objective"], config["attack"]["recipes"]
    if objective["recipe"] is None:
        evaluated = config["attack"]["evaluate"]["recipes"]
        if evaluated:
            objective["recipe"] = evaluated[0]
        elif objective["maximize"] == "under_attack" or objective["min_under_attack"] is not None:
            problems.append("`search.objective`: it is measured under attack, and no recipe is configured. "
                            "Fix: set `search.objective.recipe` to a recipe of `attack.recipes`")
    elif objective["recipe"] not in recipes:
        problems.append(f"`search.objective.recipe`: {objective['recipe']!r} is not in `attack.recipes` "
                        f"({', '.join(sorted(recipes)) or 'none'})")
    if search["trainset"] not in config["train"]["trainsets"]:
        problems.append(f"`search.trainset`: {search['trainset']!r} is not in `train.trainsets` (which builds it). "
                        "Fix: add it there")
    if search["workers"] > search["trials"]:
        problems.append(f"`search.workers` ({search['workers']}) is more than `search.trials` ({search['trials']}): "
                        "a worker would have no trial. Fix: lower workers or raise trials")
    return problems


def defence_problems(config: dict) -> list[str]:
    """Every `<method>+<defence>` in train.methods names configured defences that compose (one
    block per part, normaliser first)."""
    from robustflow.defence_settings import combined_settings
    from robustflow.errors import ConfigError
    from robustflow.variants import split_method

    problems = []
    for method in config["train"]["methods"]:
        defence = split_method(method)[1]
        if not defence:
            continue
        missing = [part for part in defence.split("+") if part not in config["defences"]]
        if missing:
            problems.append(f"`train.methods`: {method!r} names the defence {missing[0]!r}, which is not in `defences` "
                            f"(configured: {', '.join(sorted(config['defences'])) or 'none'}). Fix: add "
                            f"`defences.{missing[0]}` (e.g. {{spelling: {{}}}}) or correct the name")
            continue
        try:
            settings = combined_settings(config["defences"], defence)
        except ConfigError as exc:
            problems.append(str(exc))
            continue
    return problems


def compare_problems(config: dict) -> list[str]:
    """`compare.reference` holds an earlier run's report (a regression gate names the same problem)."""
    from robustflow.errors import ConfigError
    from robustflow.reference_run import report_folder

    reference = config["compare"].get("reference")
    if not reference or any(g["metric"] == "regression" for g in config["gates"].values()):
        return []
    try:
        report_folder(reference)
    except ConfigError as e:
        return [str(e)]
    return []


def semantic_problems(config: dict) -> list[str]:
    from robustflow.config.distil_checks import distil_problems
    from robustflow.gate_metrics import gate_problems  # after attack_problems: it fills attack.evaluate.recipes

    problems = (dataset_problems(config) + augment_problems(config)
                + augmenter_problems(config["task"], config["evaluate"]["suites"], "evaluate.suites")
                + attack_problems(config))
    return (problems + defence_problems(config) + gate_problems(config) + compare_problems(config)
            + sweep_problems(config) + search_problems(config) + distil_problems(config))
