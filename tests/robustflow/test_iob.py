"""Tagging schemes: detection, conversion to IOB2, validation, repair; properties on random spans."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from robustflow import iob

TYPES = ["PER", "ORG", "LOC"]


@st.composite
def spans_strategy(draw):
    """A sentence length and non-overlapping entity spans (type, start, end), adjacency allowed."""
    n = draw(st.integers(1, 14))
    spans, i = [], 0
    while i < n:
        if draw(st.booleans()):
            length = draw(st.integers(1, min(3, n - i)))
            spans.append((draw(st.sampled_from(TYPES)), i, i + length))
            i += length
        else:
            i += 1
    return n, spans


def encode(n: int, spans, scheme: str) -> list[str]:
    tags = ["O"] * n
    previous_end, previous_type = None, None
    for etype, start, end in spans:
        for i in range(start, end):
            if scheme == "iob2":
                tags[i] = f"{'B' if i == start else 'I'}-{etype}"
            elif scheme == "iob1":  # B- only when the previous token ends an entity of the same type
                adjacent = previous_end == start and previous_type == etype
                tags[i] = f"{'B' if i == start and adjacent else 'I'}-{etype}"
            else:
                single, first, last = ("S", "B", "E") if scheme == "bioes" else ("U", "B", "L")
                if end - start == 1:
                    tags[i] = f"{single}-{etype}"
                else:
                    tags[i] = f"{first if i == start else last if i == end - 1 else 'I'}-{etype}"
        previous_end, previous_type = end, etype
    return tags


@settings(max_examples=300, deadline=None)
@given(spans_strategy(), st.sampled_from(["iob1", "iob2", "bioes", "bilou"]))
def test_every_scheme_converts_to_the_same_iob2_spans(case, scheme):
    n, spans = case
    converted = iob.to_iob2(encode(n, spans, scheme), scheme)
    assert converted == encode(n, spans, "iob2")
    assert iob.invalid_positions(converted) == []
    assert iob.spans(converted) == spans
    assert len(converted) == n


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["O", "B-PER", "I-PER", "I-LOC", "B-LOC"]), max_size=12))
def test_repair_always_gives_valid_iob2_and_keeps_valid_input(tags):
    repaired = iob.repair(tags)
    assert iob.invalid_positions(repaired) == []
    assert len(repaired) == len(tags)
    if not iob.invalid_positions(tags):
        assert repaired == tags
    # repair only changes the prefix of entity-starting I- tags
    assert [iob.entity_type(t) for t in repaired] == [iob.entity_type(t) for t in tags]


def test_detection_of_each_scheme():
    assert iob.detect_scheme([["I-PER", "I-PER", "O", "I-LOC", "B-LOC"]]) == "iob1"
    assert iob.detect_scheme([["B-PER", "I-PER", "O", "B-LOC"]]) == "iob2"
    assert iob.detect_scheme([["S-PER", "O", "B-LOC", "E-LOC"]]) == "bioes"
    assert iob.detect_scheme([["U-PER", "O", "B-LOC", "L-LOC"]]) == "bilou"
    assert iob.detect_scheme([["O", "O"]]) == "iob2"


def test_detection_is_a_majority_vote_so_stray_b_starts_do_not_flip_iob1():
    # CoNLL-2003 train is IOB1 but has two B- tags right after O
    sentences = [["I-PER", "O"]] * 50 + [["O", "B-MISC", "I-MISC"]] * 2
    evidence = iob.scheme_evidence(sentences)
    assert evidence["scheme"] == "iob1"
    assert evidence["entities_starting_with_I"] == 50 and evidence["entities_starting_with_B"] == 2


def test_invalid_positions_and_repair():
    tags = ["O", "I-PER", "B-LOC", "I-ORG"]
    assert iob.invalid_positions(tags) == [1, 3]
    assert iob.repair(tags) == ["O", "B-PER", "B-LOC", "B-ORG"]


@pytest.mark.parametrize("tag", ["PER", "B_PER", "b-PER", "B-", "X-PER", ""])
def test_malformed_tags_are_rejected(tag):
    with pytest.raises(ValueError, match="is not O or a prefix"):
        iob.parse_tag(tag)


def test_declared_scheme_must_match_the_prefixes():
    with pytest.raises(ValueError, match="does not belong to scheme iob2"):
        iob.to_iob2(["S-PER"], "iob2")
    with pytest.raises(ValueError, match="does not belong to scheme bioes"):
        iob.to_iob2(["U-PER"], "bioes")
