"""Entity tagging schemes: parse tags, detect IOB1/IOB2/BIOES/BILOU, convert to IOB2, validate and repair.

IOB2 is the one scheme inside robustflow: seqeval's strict mode and most models expect it, while
corpora ship others (CoNLL-2003 is IOB1: `I-` starts an entity, `B-` only separates two adjacent
entities of one type).
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from robustflow.errors import visible

_TAG = re.compile(r"^(?:O|([BIESLU])-(\S.*))$")
SCHEMES = ("iob1", "iob2", "bioes", "bilou")
_PREFIXES = {"iob1": {"O", "B", "I"}, "iob2": {"O", "B", "I"}, "bioes": {"O", "B", "I", "E", "S"}, "bilou": {"O", "B", "I", "L", "U"}}


def parse_tag(tag: str) -> tuple[str, str | None]:
    """'B-PER' -> ('B', 'PER'); 'O' -> ('O', None). Raises ValueError on anything else."""
    m = _TAG.match(tag)
    if m is None:
        raise ValueError(
            f"tag '{visible(tag)}' is not O or a prefix B/I/E/S/L/U, a dash and a type (e.g. B-PER); "
            "map it with `label_map` if the file uses another spelling"
        )
    return ("O", None) if m.group(1) is None else (m.group(1), m.group(2))


def entity_type(tag: str) -> str | None:
    return parse_tag(tag)[1]


def _continues(prev: str, etype: str) -> bool:
    """Whether a tag after ``prev`` can continue an entity of ``etype`` (IOB view)."""
    return prev in (f"B-{etype}", f"I-{etype}")


def detect_scheme(sentences: Iterable[Sequence[str]]) -> str:
    """Guess the scheme of a corpus from its tag sequences.

    E/S prefixes mean BIOES, L/U mean BILOU. Otherwise a majority vote on how entities start:
    IOB1 when more start with I- than with B- (real IOB1 corpora hold a few B- starts: CoNLL-2003
    train has 2), IOB2 otherwise (its few I- starts are then invalid IOB2, which the cleaning stage
    reports and repairs, rather than the whole file being reinterpreted).
    """
    return scheme_evidence(sentences)["scheme"]


def scheme_evidence(sentences: Iterable[Sequence[str]]) -> dict:
    """The counts behind :func:`detect_scheme`, for the ingest report."""
    prefixes: set[str] = set()
    i_starts = b_starts = 0
    for tags in sentences:
        prev = "O"
        for tag in tags:
            prefix, etype = parse_tag(tag)
            prefixes.add(prefix)
            if prefix == "I" and not _continues(prev, etype):
                i_starts += 1
            elif prefix == "B" and not _continues(prev, etype):
                b_starts += 1
            prev = tag
    if prefixes & {"E", "S"}:
        scheme = "bioes"
    elif prefixes & {"L", "U"}:
        scheme = "bilou"
    else:
        scheme = "iob1" if i_starts > b_starts else "iob2"
    return {"scheme": scheme, "entities_starting_with_I": i_starts, "entities_starting_with_B": b_starts,
            "prefixes": sorted(prefixes)}


def to_iob2(tags: Sequence[str], scheme: str) -> list[str]:
    """Convert one sentence's tags from ``scheme`` to IOB2 (lossless for valid input)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; expected one of {SCHEMES}")
    allowed = _PREFIXES[scheme]
    out: list[str] = []
    prev = "O"
    for tag in tags:
        prefix, etype = parse_tag(tag)
        if prefix not in allowed:
            raise ValueError(f"tag {tag!r} does not belong to scheme {scheme} (prefixes {'/'.join(sorted(allowed))})")
        if prefix == "O":
            new = "O"
        elif scheme == "iob1":
            new = tag if prefix == "B" or _continues(prev, etype) else f"B-{etype}"
        elif scheme in ("bioes", "bilou"):
            new = f"B-{etype}" if prefix in ("B", "S", "U") else f"I-{etype}"
        else:
            new = tag
        out.append(new)
        prev = new
    return out


def invalid_positions(tags: Sequence[str]) -> list[int]:
    """Positions where IOB2 is broken: an I-X not preceded by B-X or I-X, or a non-IOB2 prefix."""
    bad = []
    prev = "O"
    for i, tag in enumerate(tags):
        prefix, etype = parse_tag(tag)
        if prefix not in ("O", "B", "I") or (prefix == "I" and not _continues(prev, etype)):
            bad.append(i)
        prev = tag
    return bad


def repair(tags: Sequence[str]) -> list[str]:
    """Make IOB2 valid the way conlleval reads it: an I-X that starts an entity becomes B-X."""
    return to_iob2(tags, "iob1")


def spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entity spans (type, start, end-exclusive) of a valid IOB2 sequence."""
    result = []
    start = etype = None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, t = parse_tag(tag)
        if start is not None and (prefix != "I" or t != etype):
            result.append((etype, start, i))
            start = etype = None
        if prefix == "B" or (prefix == "I" and start is None):
            start, etype = i, t
    return result
