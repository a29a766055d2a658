"""Every attack recipe type in one place: the tasks it attacks, its own options with their
defaults, and what it is (config checks, the README table and the builders all read this).

Defaults of the options every recipe shares (query_budget, max_perturbed_ratio) live in the
schema; the type-specific ones live here, so that an option given to a type that does not use it
can be reported instead of silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

BOTH = frozenset({"classification", "ner"})
CLASSIFICATION = frozenset({"classification"})


@dataclass(frozen=True)
class Recipe:
    tasks: frozenset
    options: dict  # option -> default (None: the user must give it)
    summary: str
    required: dict = None  # option -> what to tell a user who left it out

    def __post_init__(self):
        object.__setattr__(self, "required", self.required or {})


RECIPES: dict[str, Recipe] = {
    "deepwordbug": Recipe(BOTH, {"max_edit_distance": 30},
                          "character swaps, substitutions, deletions and insertions (Gao et al. 2018)"),
    "pruthi": Recipe(CLASSIFICATION, {"max_words": 1}, "keyboard typos in a few words (Pruthi et al. 2019)"),
    "pwws": Recipe(BOTH, {}, "WordNet synonyms, greedy by weighted saliency (Ren et al. 2019)"),
    "glove_swap": Recipe(BOTH, {"max_candidates": 50, "min_cos_sim": 0.5},
                         "nearest GloVe neighbours, greedy by deletion importance (TextFooler-style)"),
    "mlm_swap": Recipe(CLASSIFICATION, {"max_candidates": 50, "mlm": None},
                       "masked-LM replacements, greedy by deletion importance (BAE-R-style)",
                       required={"mlm": "mlm_swap needs a masked LM: a local folder (e.g. bert-base-uncased saved "
                                        "with save_pretrained) or a hub id when online"}),
    "mention_swap": Recipe(frozenset({"ner"}), {"max_candidates": 50},
                           "a whole entity mention for another of the same type from the training split"),
}


@dataclass(frozen=True)
class RecipeSettings:
    """One configured recipe with its type's defaults filled; options of other types stay None."""

    type: str
    query_budget: int | None
    max_perturbed_ratio: float | None
    max_edit_distance: int | None = None
    max_candidates: int | None = None
    min_cos_sim: float | None = None
    max_words: int | None = None
    mlm: str | None = None

    @classmethod
    def from_config(cls, settings: dict) -> "RecipeSettings":
        return cls(**{**RECIPES[settings["type"]].options, **settings})


def option_names() -> list[str]:
    """Type-specific options (the RecipeSettings fields after the shared ones)."""
    return [f.name for f in fields(RecipeSettings)][3:]


def types_with(option: str) -> list[str]:
    return sorted(name for name, recipe in RECIPES.items() if option in recipe.options)
