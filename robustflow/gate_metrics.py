"""The config side of robustness gates (report/gates.py checks them on the report's figures): the
metrics a gate can name and the problems of a `gates:` block the schema cannot state."""

from __future__ import annotations

from robustflow.variants import trained_variants

# metric -> (the option naming what it measures, or None; label of the figure in the evidence, or None)
METRICS = {
    "clean": (None, "clean"),
    "under_attack": ("recipe", "under {}"),
    "attack_success": ("recipe", "{}: attack success"),
    "suite_metric": ("suite", "suite {}"),
    "suite_drop": ("suite", None),
    "pass_rate": ("suite", None),
    "ece": (None, "ECE"),
    "ece_scaled": (None, "ECE after temperature scaling"),
    "regression": (None, None),  # every compared figure against the reference run (report/reference.py)
}
REGRESSION_ONLY = ("margin", "figures")


def gate_problems(config: dict) -> list[str]:
    """What the schema cannot check: the recipe or suite a gate names, min or max, the variants."""
    problems = []
    recipes, suites = config["attack"]["evaluate"]["recipes"] or [], list(config["evaluate"]["suites"] or {})
    variants = {f"{t}/{m}" for t, m in trained_variants(config)}
    variants |= {f"existing/{name}" for name in config.get("existing_models", {})}
    for name, gate in config["gates"].items():
        where, (option, _) = f"`gates.{name}", METRICS[gate["metric"]]
        if option == "recipe" and gate.get("recipe") not in recipes:
            problems.append(f"{where}.recipe`: {gate['metric']} needs one of the evaluated recipes "
                            f"({', '.join(recipes) or 'none'}), got {gate.get('recipe')!r}")
        if option == "suite" and gate.get("suite") not in suites:
            problems.append(f"{where}.suite`: {gate['metric']} needs one of the suites ({', '.join(suites) or 'none'}), "
                            f"got {gate.get('suite')!r}")
        for other in ("recipe", "suite"):
            if other in gate and option != other:
                problems.append(f"{where}.{other}`: {gate['metric']} takes no {other}")
        if gate["metric"] == "regression":
            problems += _regression_problems(where, gate, config, recipes, suites)
        else:
            if ("min" in gate) == ("max" in gate):
                problems.append(f"{where}`: set exactly one of min, max")
            problems += [f"{where}.{key}`: only for metric regression" for key in REGRESSION_ONLY if key in gate]
        for variant in gate["variants"] or []:
            if variant not in variants:
                problems.append(f"{where}.variants`: {variant!r} is not a variant of this experiment ({', '.join(sorted(variants))})")
    return problems


def gated_figures(recipes: list[str], suites: list[str]) -> list[str]:
    """The figures a regression gate can name (those the report compares)."""
    return (["clean", "ECE", "ECE after temperature scaling"] + [f"suite {s}" for s in suites]
            + [f"under {r}" for r in recipes])


def _regression_problems(where: str, gate: dict, config: dict, recipes: list[str], suites: list[str]) -> list[str]:
    from robustflow.errors import ConfigError
    from robustflow.reference_run import report_folder

    problems = [f"{where}.{key}`: a regression gate takes margin, not {key}" for key in ("min", "max") if key in gate]
    reference = (config.get("compare") or {}).get("reference")
    if not reference:
        problems.append(f"{where}`: a regression gate needs `compare.reference: <the accepted run's results/ folder>`")
    else:
        try:
            report_folder(reference)
        except ConfigError as e:
            problems.append(str(e))
    known = gated_figures(recipes, suites)
    for figure in gate.get("figures") or []:
        name = figure.removeprefix("under ")
        worst_case = figure.startswith("under ") and all(half in recipes for half in name.split(" | "))
        if figure not in known and not worst_case:
            problems.append(f"{where}.figures`: {figure!r} is not a figure the report compares ({', '.join(known)})")
    return problems
