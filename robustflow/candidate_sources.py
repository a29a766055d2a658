"""Where attacks and defences draw their edits from, in one vocabulary (TextDefender, Li et al.
2021: a defence that knows the attacker's candidate set proves little). The attack stage, the
defences and the report all read these tables, so the report can label a defended variant x attack
as sharing a source without importing either stage. tests/models/test_smoothing.py checks that every
registered recipe type has an entry here."""

from __future__ import annotations

# attack recipe type (robustflow/recipes.py) -> where its candidate edits come from
ATTACK_SOURCES = {
    "deepwordbug": "random character edits",
    "pruthi": "keyboard typos",
    "pwws": "wordnet synonyms",
    "glove_swap": "glove neighbours",
    "mlm_swap": "masked-LM predictions",
    "embedding_swap": "encoder word-piece embeddings",
    "mention_swap": "training-split entity mentions",
}

# smoothing defence `source` setting (models/defences/smoothing.py) -> its substitutions' source
SMOOTHING_SOURCES = {"mask": "mask token", "wordnet": "wordnet synonyms", "glove": "glove neighbours"}

# substitution-set adversarial training `train.ascc.source` (robust_train/ascc.py) -> its sets' source
# (wordnet_forms: WordNet synonyms and the words' other noun/verb forms, resources/word_forms.py; it
# shares PWWS's WordNet source, so it is credited where plain wordnet is)
TRAINING_SOURCES = {"wordnet": "wordnet synonyms", "glove": "glove neighbours", "wordnet_forms": "wordnet synonyms"}

# the spelling defence replaces a word by a dictionary word one edit away: no attack's candidate set
SPELLING_SOURCE = "dictionary corrections"
