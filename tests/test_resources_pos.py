"""The offline part-of-speech tagger that the part-of-speech check of word swaps uses (setup.sh
trains it; without it this test fails, as the attacks would)."""

from __future__ import annotations

from augment.resources.pos_tagger import coarse, tag_words


def test_the_tagger_tags_lower_cased_movie_reviews():
    assert tag_words(tuple("this is the best american movie about troubled teens".split())) == (
        "DET", "VERB", "DET", "ADJ", "ADJ", "NOUN", "ADP", "ADJ", "NOUN")
    assert tag_words(tuple("she quickly wrote a funny book".split()))[1] == "ADV"


def test_coarse_classes():
    assert [coarse(t) for t in ("NNS", "VBD", "MD", "JJR", "RBS", "PRP$", "IN", "CD", ".")] == [
        "NOUN", "VERB", "VERB", "ADJ", "ADV", "PRON", "ADP", "NUM", "X"]


def test_reading_tagged_corpus_lines(tmp_path):
    from augment.resources.pos_training import read_tagged

    path = tmp_path / "c.txt"
    path.write_text("The/DT Film/NN ./.\n\nRuns/VBZ fast/RB\n")
    assert read_tagged(path) == [[("the", "DT"), ("film", "NN"), (".", ".")], [("runs", "VBZ"), ("fast", "RB")]]
