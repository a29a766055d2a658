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
}


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
        if ("min" in gate) == ("max" in gate):
            problems.append(f"{where}`: set exactly one of min, max")
        for variant in gate["variants"] or []:
            if variant not in variants:
                problems.append(f"{where}.variants`: {variant!r} is not a variant of this experiment ({', '.join(sorted(variants))})")
    return problems
