"""A word's other noun and verb forms (resources/word_forms.py), from WordNet's lemmatiser and the
packaged English word list, as substitution-set training reads them."""

import pytest

from resources.word_forms import regular_forms, word_forms


@pytest.fixture(scope="module")
def forms():
    return word_forms("the word-forms tests")


def test_regular_and_irregular_forms_of_nouns_and_verbs(forms):
    assert forms("film") == ["filmed", "filming", "films"]
    assert forms("films") == ["film", "filmed", "filming"]  # from any form, the lemma's others
    assert set(forms("win")) == {"wins", "winning", "won"}  # doubling, and WordNet's irregular past
    assert forms("stories") == ["story"] and forms("story") == ["stories"]
    assert set(forms("try")) == {"tried", "tries", "trying"}
    assert set(forms("die")) == {"died", "dies", "dying"}
    assert {"foot"} <= set(forms("feet"))


def test_no_rule_invents_a_word_and_adjectives_keep_their_degree(forms):
    made = set(forms("make")) | set(forms("see")) | set(forms("lecture"))
    assert {"made", "making", "seen", "lecturing"} <= made
    assert not made & {"makeed", "maked", "seeed", "seing", "lectureing"}
    assert "greater" not in forms("great") and "better" not in forms("good")  # a comparative changes a degree
    assert forms("the") == [] and forms("quickly") == []


def test_spelling_rules():
    assert regular_forms("watch", "n") == {"watches", "watchs"}  # the word list keeps the real one
    assert regular_forms("stop", "v") >= {"stops", "stopped", "stopping"}
    assert "lecturing" in regular_forms("lecture", "v") and "lectured" in regular_forms("lecture", "v")
