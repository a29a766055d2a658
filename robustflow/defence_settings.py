"""The settings of input defences, without the defences themselves: how defence names compose
and what each defence draws its substitutions from. Config validation, the rules and the report
read these; they import nothing else, so a change to a defence's code reruns only the jobs that
run it (experiments/codedeps.py), not the report."""

from __future__ import annotations

from robustflow.candidate_sources import SMOOTHING_SOURCES, SPELLING_SOURCE
from robustflow.errors import ConfigError

PARTS = ("spelling", "smoothing")  # the order a defence applies its parts in
JOIN = "+"


def combined_settings(defences: dict, name: str) -> dict:
    """The settings of a (possibly composed) defence name: `spelling+smooth` merges the blocks of
    `defences.spelling` and `defences.smooth`; each part may come from one block only, and the
    names must follow the order the parts apply in (normalising before smoothing)."""
    merged, order = {}, []
    for part_name in name.split(JOIN):
        if part_name not in defences:
            raise ConfigError(f"`train.methods`: the defence {part_name!r} (in {name!r}) is not in `defences` "
                              f"(configured: {', '.join(sorted(defences)) or 'none'}). Fix: add `defences.{part_name}` "
                              "or correct the name")
        for part, block in defences[part_name].items():
            if part in merged:
                raise ConfigError(f"`train.methods`: {name!r} has two `{part}` blocks (in {part_name!r} and an "
                                  "earlier name). Fix: compose defences with different parts")
            merged[part] = block
            order.append(PARTS.index(part))
    if order != sorted(order):
        raise ConfigError(f"`train.methods`: {name!r} names its parts out of order. Fix: name the spelling "
                          "defence before the smoothing one (e.g. spelling+smooth): text is normalised first, then "
                          "smoothed")
    return merged


def declared_sources(settings: dict) -> list[str]:
    """Where a defence's substitutions come from, in the vocabulary of the attacks' candidate sources
    (robustflow/candidate_sources.py): the report credits a defence only under attacks that draw from
    none of them. The spelling corrector replaces a word by a dictionary word one edit away: it
    draws on no attack's candidate set."""
    sources = []
    if settings.get("spelling"):
        sources.append(SPELLING_SOURCE)
    if settings.get("smoothing"):
        sources.append(SMOOTHING_SOURCES[settings["smoothing"]["source"]])
    return sources
