"""Whether a defended variant shares an attack's candidate source (TextDefender, Li et al. 2021: a
defence that knows the attacker's synonym set proves little). Computed from what each side
declares: the defence's sources, the training method's (ASCC trains inside substitution sets
from a declared source) and the recipe type's, all in robustflow/candidate_sources.py (the report
imports neither stage). A gain under an attack whose source the variant shares is shown but not
credited in "What the evidence says"."""

from __future__ import annotations

from robustflow.candidate_sources import ATTACK_SOURCES, TRAINING_SOURCES
from robustflow.defence_settings import combined_settings, declared_sources
from robustflow.variants import split_method


def defence_of(variant: str, defences: dict) -> dict | None:
    """The combined settings of a variant's defence (`clean/none+spelling` -> its blocks), or None."""
    method = variant.split("/", 1)[-1]
    name = split_method(method)[1]
    if not name or any(part not in defences for part in name.split("+")):
        return None
    return combined_settings(defences, name)


def training_sources(variant: str, config: dict) -> list[str]:
    """Where a variant's training draws substitutions from: `ascc` its `train.ascc.source`. A student
    (`distil.students`) trains with its own `method` (and `method_settings`), and learns what its teacher's variants knew:
    their training's and their defences' sources are its own too."""
    method = split_method(variant.split("/", 1)[-1])[0]
    block = (config.get("train") or {}).get("ascc")
    distil = config.get("distil") or {}
    student = (distil.get("students") or {}).get(method)
    own = student.get("method", "none") if student else method
    if student and own == "ascc" and block:  # the student's own ascc settings, where it has them
        block = {**block, **(student.get("method_settings") or {})}
    sources = [TRAINING_SOURCES[block["source"]]] if own == "ascc" and block else []
    if student:
        for taught_by in ((distil.get("teachers") or {}).get(student["teacher"]) or {}).get("variants") or []:
            sources += variant_sources(taught_by, config)
    return list(dict.fromkeys(sources))


def variant_sources(variant: str, config: dict) -> list[str]:
    """Every candidate source a variant declares: its defence's, then its training's."""
    settings = defence_of(variant, config.get("defences") or {})
    return [*(declared_sources(settings) if settings is not None else []), *training_sources(variant, config)]


def independence(variant: str, recipe: str, config: dict) -> dict | None:
    """{defence, attack, shares} for a variant with a defence or a substitution-trained method under
    a configured recipe (``defence``: every source the variant declares); None for a model that
    declares none, or an unknown recipe."""
    recipe_block = (config.get("attack") or {}).get("recipes", {}).get(recipe)
    sources = variant_sources(variant, config)
    if not sources or recipe_block is None:
        return None
    attack = ATTACK_SOURCES[recipe_block["type"]]
    return {"defence": sources, "attack": attack, "shares": attack in sources}


def recipe_of_figure(figure: str, recipes: dict) -> str | None:
    """The recipe an attack figure belongs to (`under glove`, `glove: attack success`), or None."""
    for name in recipes:
        if figure in (f"under {name}", f"{name}: attack success", f"{name}: clean on the attacked rows"):
            return name
    return None


def table(variants: list[str], config: dict) -> list[dict]:
    """Every defended variant against every evaluated recipe: the report's independence table."""
    recipes = list((config.get("attack") or {}).get("evaluate", {}).get("recipes") or [])
    rows = []
    for variant in variants:
        for recipe in recipes:
            label = independence(variant, recipe, config)
            if label is not None:
                rows.append({"variant": variant, "recipe": recipe, **label})
    return rows
