"""The trained variants of an experiment, (trainset, method), in one place: the rules that make
their jobs, the config checks (gates name them) and the report agree on them."""

from __future__ import annotations

# The built-in training methods; each but none has its settings block `train.<method>`.
PERTURBATION_METHODS = ("fgm", "pgd", "freelb", "ascc")
BUILT_IN_METHODS = ("none", *PERTURBATION_METHODS)
SEARCH = "search"  # the method name of the search's promoted trial (experiments/search)
DEFENDED = "+"  # `<method>+<defence>`: the method's training with an input defence (`defences:`) in front


def split_method(method: str) -> tuple[str, str | None]:
    """(training method, defence name or None): `none+spelling` -> ("none", "spelling")."""
    base, _, defence = method.partition(DEFENDED)
    return base, defence or None


def trained_variants(config: dict) -> list[tuple[str, str]]:
    """train.methods on train.trainsets (a student only on its own `trainsets` when it names them),
    then the sweep's points on its training sets, then the search's promoted trial on its training set."""
    from robustflow.sweep import sweep_points

    train = config["train"]
    students = (config.get("distil") or {}).get("students") or {}

    def trains_on(trainset: str, method: str) -> bool:
        own = (students.get(split_method(method)[0]) or {}).get("trainsets")
        return own is None or trainset in own

    runs = [(t, m) for t in train["trainsets"] for m in train["methods"] if trains_on(t, m)]
    if config.get("sweep"):
        points = sweep_points(config["sweep"], config["seed"])
        runs += [(t, p) for t in config["sweep"]["trainsets"] for p in points if (t, p) not in runs]
    if config.get("search"):
        runs.append((config["search"]["trainset"], SEARCH))
    return runs
