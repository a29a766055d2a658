"""The offline part-of-speech tagger that the part-of-speech check of word swaps uses (setup.sh
trains it; without it this test fails, as the attacks would)."""

from __future__ import annotations

from resources.pos_tagger import coarse, tag_words


def test_the_tagger_tags_lower_cased_movie_reviews():
    assert tag_words(tuple("this is the best american movie about troubled teens".split())) == (
        "DET", "VERB", "DET", "ADJ", "ADJ", "NOUN", "ADP", "ADJ", "NOUN")
    assert tag_words(tuple("she quickly wrote a funny book".split()))[1] == "ADV"


def test_coarse_classes():
    assert [coarse(t) for t in ("NNS", "VBD", "MD", "JJR", "RBS", "PRP$", "IN", "CD", ".")] == [
        "NOUN", "VERB", "VERB", "ADJ", "ADV", "PRON", "ADP", "NUM", "X"]


def test_reading_tagged_corpus_lines(tmp_path):
    from resources.pos_training import read_tagged

    path = tmp_path / "c.txt"
    path.write_text("The/DT Film/NN ./.\n\nRuns/VBZ fast/RB\n")
    assert read_tagged(path) == [[("the", "DT"), ("film", "NN"), (".", ".")], [("runs", "VBZ"), ("fast", "RB")]]


def test_tagging_from_the_first_change_equals_tagging_the_whole_candidate():
    """The swap check re-tags only from two words before a candidate's first change: on real review
    sentences and random one-, two- and three-word swaps, every tag equals a full tagging's."""
    import random

    from resources.pos_tagger import tags_at

    sentences = [s.split() for s in (
        "the movie's ripe , enrapturing beauty will tempt those willing to probe its inscrutable mysteries .",
        "it's a hoot and a half , and a great way for the american people to see what a candidate is like .",
        "doug liman , the director of bourne , directs the traffic well , gets a nice wintry look .",
        "a well-made 1999 thriller that runs 110 minutes and never once looks at its watch .")]
    pool = "run good film quickly the of beautiful 2004 well-known !digits walked slowly movie a".split()
    rng = random.Random(0)
    for _ in range(300):
        original = tuple(rng.choice(sentences))
        words = list(original)
        changed = sorted(rng.sample(range(len(words)), rng.randint(1, 3)))
        for i in changed:
            words[i] = rng.choice(pool)
        assert tags_at(original, words, changed) == {i: tag_words(tuple(words))[i] for i in changed}
    assert tags_at(original, list(original), [0]) == {0: tag_words(original)[0]}
