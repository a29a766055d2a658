"""Every augmenter type: how it edits, and the tasks whose labels it keeps. Declared in the ground
floor so that config checks read it without importing the augment stage (the augmenter builder
reads it too; the schema's `type` enum lists the same names, tested)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AugmenterType:
    kind: str  # char | substitution | mlm | whole_text | sentence | mentions
    tasks: frozenset = frozenset({"classification", "ner"})
    unsupported: dict = field(default_factory=dict)  # task -> why the type cannot serve it


_NOT_NER = "which breaks NER labels"
_CLASSIFICATION = frozenset({"classification"})

TYPES: dict[str, AugmenterType] = {
    **{name: AugmenterType("char") for name in
       ("keyboard", "ocr", "char_insert", "char_substitute", "char_swap", "char_delete")},
    **{name: AugmenterType("substitution") for name in ("spelling", "synonym", "glove")},
    "mlm": AugmenterType("mlm"),
    "word_swap": AugmenterType("whole_text", _CLASSIFICATION, {"ner": f"swaps words across positions, {_NOT_NER}"}),
    "word_delete": AugmenterType("whole_text", _CLASSIFICATION, {"ner": f"deletes words, {_NOT_NER}"}),
    "eda": AugmenterType("whole_text", _CLASSIFICATION, {"ner": f"inserts, swaps and deletes words, {_NOT_NER}"}),
    "mention_replace": AugmenterType("mentions", frozenset({"ner"}),
                                     {"classification": "replaces entity mentions and needs task: ner"}),
    # NER: entity mentions travel as placeholders and are put back (backtranslation/entity_projection.py).
    "backtranslation": AugmenterType("sentence"),
}


def of_kind(kind: str) -> tuple[str, ...]:
    return tuple(name for name, t in TYPES.items() if t.kind == kind)


def type_problem(name: str, task: str) -> str | None:
    """Why augmenter type ``name`` cannot serve ``task``, with the types that can; None if it can."""
    spec = TYPES[name]
    if task in spec.tasks:
        return None
    usable = sorted(n for n, t in TYPES.items() if task in t.tasks)
    return f"{name} {spec.unsupported[task]}; types for task {task}: {', '.join(usable)}"
