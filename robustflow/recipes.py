"""Every attack recipe type in one place: the tasks it attacks, its own options with their
defaults, and what it is. The attack stage declares its recipes here, in the ground floor, so that
config validation reads them without importing the stage (the builders in augment/attacks, the
README table and the checks all read this table).

Defaults of the options every recipe shares (query_budget, max_perturbed_ratio, sentence_encoder)
live in the schema; the type-specific ones live here, so that an option given to a type that does
not use it can be reported instead of silently ignored. Word-substitution types carry the validity
constraints of augment/attacks/constraints.py: no antonym swaps, and (glove_swap, mlm_swap,
embedding_swap, as TextFooler and BAE) a minimum sentence similarity in a window around each swap.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

BOTH = frozenset({"classification", "ner"})
CLASSIFICATION = frozenset({"classification"})
# A window of 15 words as TextFooler. At the MiniLM cosine that accepts about what TextFooler's USE
# threshold accepts (0.8), label-flipping swaps ("best" -> "only", "check it out" -> "without it
# out") still passed; 0.9 with the part-of-speech check removes most (docs/results.md).
# same_polarity (AFINN) is for sentiment tasks only: off unless a config turns it on.
VALID_SWAPS = {"block_antonyms": True, "same_pos": True, "min_similarity": 0.9, "similarity_window": 15,
               "same_polarity": False}
# An adaptive attack on a smoothed model (models/defences/smoothing.py): the search scores each
# candidate by the mean over this many perturbed copies of its own (a better estimate of the
# defence's expectation), and the outcome is judged by the deployed defended model. None: the search
# queries the deployed model itself, as for any model.
ADAPTIVE = {"eot_copies": None}


@dataclass(frozen=True)
class Recipe:
    tasks: frozenset
    options: dict  # option -> default (None: the user must give it)
    summary: str  # its candidate source is declared in robustflow/candidate_sources.py (the report reads it)
    required: dict = None  # option -> what to tell a user who left it out

    def __post_init__(self):
        object.__setattr__(self, "required", self.required or {})


RECIPES: dict[str, Recipe] = {
    "deepwordbug": Recipe(BOTH, {"max_edit_distance": 30, **ADAPTIVE},
                          "character swaps, substitutions, deletions and insertions (Gao et al. 2018)"),
    "pruthi": Recipe(CLASSIFICATION, {"max_words": 1, **ADAPTIVE}, "keyboard typos in a few words (Pruthi et al. 2019)"),
    "pwws": Recipe(BOTH, {**VALID_SWAPS, "min_similarity": None, **ADAPTIVE},
                   "WordNet synonyms, greedy by weighted saliency (Ren et al. 2019)"),
    "glove_swap": Recipe(BOTH, {"max_candidates": 50, "min_cos_sim": 0.5, **VALID_SWAPS, **ADAPTIVE},
                         "nearest GloVe neighbours, greedy by deletion importance (TextFooler-style)"),
    "mlm_swap": Recipe(CLASSIFICATION, {"max_candidates": 50, "mlm": None, **VALID_SWAPS, **ADAPTIVE},
                       "masked-LM replacements, greedy by deletion importance (BAE-R-style)",
                       required={"mlm": "mlm_swap needs a masked LM: a local folder (e.g. bert-base-uncased saved "
                                        "with save_pretrained) or a hub id when online"}),
    "embedding_swap": Recipe(CLASSIFICATION, {"max_candidates": 50, "min_cos_sim": 0.4, "embedding_model": "minilm",
                                              **VALID_SWAPS, **ADAPTIVE},
                             "nearest whole words in a transformer's word-piece input embeddings, greedy by deletion "
                             "importance (TextFooler's search, the encoder's own neighbours)"),
    "mention_swap": Recipe(frozenset({"ner"}), {"max_candidates": 50, **ADAPTIVE},
                           "a whole entity mention for another of the same type from the training split"),
}


@dataclass(frozen=True)
class RecipeSettings:
    """One configured recipe with its type's defaults filled; options of other types stay None."""

    type: str
    query_budget: int | None
    max_perturbed_ratio: float | None
    sentence_encoder: str  # for min_similarity
    max_edit_distance: int | None = None
    max_candidates: int | None = None
    min_cos_sim: float | None = None
    max_words: int | None = None
    mlm: str | None = None
    embedding_model: str | None = None
    block_antonyms: bool | None = None
    same_pos: bool | None = None
    same_polarity: bool | None = None
    min_similarity: float | None = None
    similarity_window: int | None = None
    eot_copies: int | None = None

    @classmethod
    def from_config(cls, settings: dict) -> "RecipeSettings":
        return cls(**{**RECIPES[settings["type"]].options, **settings})


SHARED = ("type", "query_budget", "max_perturbed_ratio", "sentence_encoder")


def option_names() -> list[str]:
    """Type-specific options (the RecipeSettings fields after the shared ones)."""
    return [f.name for f in fields(RecipeSettings) if f.name not in SHARED]


def types_with(option: str) -> list[str]:
    return sorted(name for name, recipe in RECIPES.items() if option in recipe.options)
