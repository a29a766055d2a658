"""Input defences (models/defences): the spelling corrector, its dictionary, the defence saved
with a model, and that training, prediction and attacks all see the defended input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.defences import Defence
from models.defences.dictionary import dictionary, file_frequencies
from models.defences.spelling import WORD, NEXT_KEY, PICK_A_LETTER, SpellingCorrector, adjacent_keys, one_edit
from robustflow.errors import ResourceError
from robustflow.tasks import task_for

FREQUENCIES = {"the": 100, "good": 50, "god": 5, "film": 40, "terrible": 10, "acting": 8, "couldn't": 7, "could": 9,
               "film's": 3, "plot": 6, "dull": 4, "a": 90, "and": 80, "nadal": 1}
SPELLING = {"spelling": {"dictionary": "pyspellchecker", "training_words": True, "keep_capitalized": "auto"}}


def test_one_edit_is_every_damerau_neighbour_with_the_chance_of_its_edit():
    edits = one_edit("abc")
    assert edits["xabc"] == edits["abcx"] == edits["ab'c"] == 1.0  # the typo lost a letter: no letter to pick
    assert edits["bac"] == edits["acb"] == 1.0  # the typo swapped two neighbours
    assert edits["xbc"] == PICK_A_LETTER and edits["bc"] == PICK_A_LETTER  # it typed x for a / added an a
    assert edits["sbc"] == NEXT_KEY  # s is next to a on the keyboard
    assert "abc" not in edits and "cba" not in edits and "abcde" not in edits
    assert adjacent_keys("a", "s") and adjacent_keys("g", "y") and adjacent_keys("s", "x") and adjacent_keys("x", "s")
    assert not adjacent_keys("a", "x") and not adjacent_keys("a", "p") and not adjacent_keys("g", "r")


def test_misspelt_words_become_the_most_probable_known_word_one_edit_away():
    fix = SpellingCorrector(FREQUENCIES, keep_capitalized=False)
    assert fix.text("teh film is terible , the acting godo .") == "the film is terrible , the acting good ."
    assert fix.text("gdo") == "god"  # the only known word one edit away, however rare
    assert fix.text("couldnt") == "couldn't"  # an apostrophe is a letter the typo lost
    assert fix.text("the flim's plto") == "the film's plot"  # a swap inside a word with an apostrophe
    assert fix.text("zzzzzz , a   dlul\tfilm!") == "zzzzzz , a   dull\tfilm!"  # no candidate: kept; spacing kept
    assert fix.text("x") == "a" and fix.text("q") == "a"  # single letters too ("n" from "in"): here "a" is the only neighbour
    assert fix.text("Teh FILM") == "The FILM" and fix.text("TEH") == "THE"  # uncased text: the case is carried over
    assert fix.corrected == 12  # word occurrences changed (the report's count)


def test_the_noisy_channel_prefers_the_edit_a_typist_or_an_attack_makes():
    words = {"there": 150, "their": 100, "and": 10_000, "nd": 2, "god": 80, "good": 100, "thy": 50, "they": 1000}
    fix = SpellingCorrector(words, keep_capitalized=False, protected=frozenset({"thy"}))
    assert fix.text("theri") == "their"  # a swap, although "there" (a substitution) is more frequent
    assert fix.text("nd") == "and"  # a known word 5,000 times less probable than its neighbour is junk
    assert fix.text("god") == "god"  # a real word stays
    assert fix.text("thy") == "thy"  # a training word stays, however rare


def test_cased_text_keeps_names_and_corrects_only_into_ordinary_capitalised_words():
    ordinary = {"Group": 25, "MONDAY": 6, "Monday": 190, "Extras": 9, "Total": 3}  # how often training uses them outside entities
    fix = SpellingCorrector(FREQUENCIES, keep_capitalized=True, cased=ordinary)
    assert fix.text("Teh film by Nadl . teh NADL plto") == "Teh film by Nadl . the NADL plot"  # names stay
    assert fix.words(["Grup", "MNODAY", "Mondya", "cExtras", "Totl", "Hilde", "Nadl-Godo", "godo-flim"]) == [
        "Group", "MONDAY", "Monday", "Extras", "Totl", "Hilde", "Nadl-Godo", "good-film"]
    # an all-caps typo keeps its shape; "Total" is too rare in training to vouch for "Totl"
    assert fix.words(["rGoup", "oGrup", "Grp"]) == ["Group", "oGrup", "Grp"]  # a garbled case is an edit; one edit only
    assert fix.text("Film") == "Film" and fix.text("Godd") == "Godd"  # known in lower case, or no ordinary form near
    uncased = SpellingCorrector(FREQUENCIES, keep_capitalized=False)
    assert uncased.text("by Nadl") == "by Nadal"


def test_only_words_the_training_split_writes_in_lower_case_are_protected():
    words, training = dictionary("pyspellchecker", ["Te", "Te", "nd", "the"])
    assert "nd" in training and "te" not in training and words["te"] > 2  # the name "Te" is no word "te"
    fix = SpellingCorrector(words, keep_capitalized=True, protected=training)
    assert fix.text("te") == "the" and fix.text("nd") == "nd"


def test_a_training_word_outnumbered_by_its_neighbour_is_not_protected():
    words, training = dictionary("pyspellchecker", ["o"] + ["of"] * 100 + ["lbs"] * 2 + ["lb"] * 18 + ["c"] * 2 + ["a"] * 3000)
    assert "o" not in training  # once against "of" 100 times: a typo in the data
    assert "lbs" in training  # twice against "lb" 18 times: the domain's word
    assert "c" in training  # "a" is far more common, but a substitution away (1/26): the cricket scores' "c"
    fix = SpellingCorrector(words, keep_capitalized=False, protected=training)
    assert fix.words(["o", "lbs", "c"]) == ["to", "lbs", "c"]  # "to" is the commonest word one lost letter away


def test_pieces_of_tokens_with_digits_or_dots_are_no_words():
    task = task_for("ner")
    rows = [{"id": f"s{i}", "tokens": ["the", "32nd", "n.a", "in", "1990s"], "tags": ["O"] * 5} for i in range(6)]
    defence = Defence.build("spelling", SPELLING, task, rows)
    assert {"nd", "n", "s"}.isdisjoint(defence.spelling.protected) and "the" in defence.spelling.protected
    assert defence.words(["88th", "n.a", "2nd", "nd", "n"]) == ["88th", "n.a", "2nd", "and", "in"]


def test_cased_typos_of_ordinary_words_are_corrected_at_any_length_when_garbled():
    words = dict(FREQUENCIES, officials=5000, officals=1, it=900)  # frequency lists hold junk ("officals")
    fix = SpellingCorrector(words, keep_capitalized=True, cased={"Officials": 10, "It": 40})
    assert fix.words(["Officals", "tI", "Ti"]) == ["Officials", "It", "Ti"]  # "Ti" is a Title-case short word: kept


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcdefgo'TGH .,-", min_size=0, max_size=8), min_size=0, max_size=12))
def test_word_lists_keep_their_length_and_their_common_words(words):
    fix = SpellingCorrector(FREQUENCIES, keep_capitalized=True)
    out = fix.words(words)
    assert len(out) == len(words)
    for before, after in zip(words, out):
        whole_word = WORD.fullmatch(before) is not None
        if before in ("the", "good", "a", "and", "film") or (whole_word and any(c.isupper() for c in before)):
            assert after == before  # common words stay, and so do capitalised ones in cased text
        if not any(c.isalpha() for c in before):
            assert after == before


def test_the_dictionary_joins_the_package_the_training_words_and_word_lists(tmp_path):
    words, training = dictionary("pyspellchecker", ["zorblat", "Zorblat", "the"])
    assert len(words) > 100_000 and words["zorblat"] == 2 and words["the"] > 1_000_000
    assert training == {"zorblat", "the"}
    listing = tmp_path / "words.txt"
    listing.write_text("# my domain\nkinase\t40\nexon\nexon 2\n", encoding="utf-8")
    assert file_frequencies(str(listing)) == {"kinase": 40, "exon": 3}
    listing.write_text("kinase\t40\nbad line here\n", encoding="utf-8")
    with pytest.raises(ResourceError, match=r"words.txt, line 2: 'bad line here'"):
        file_frequencies(str(listing))
    with pytest.raises(ResourceError, match="does not exist"):
        dictionary(str(tmp_path / "missing.txt"))


def test_a_defence_is_built_from_the_training_rows_and_saved_with_the_model(tmp_path):
    task = task_for("classification")
    rows = [{"id": "r1", "text": "the zorblat film", "label": "pos"}, {"id": "r2", "text": "a dull plot", "label": "neg"},
            {"id": "r2~typos", "parent_id": "r2", "text": "a dlul plot", "label": "neg"}]  # an augmented copy
    defence = Defence.build("spelling", SPELLING, task, rows)
    assert not defence.spelling.keep_capitalized  # lower-cased training text: nothing to protect
    assert defence.text("the zorblta flim") == "the zorblat film"  # a training word is known
    assert "dlul" not in defence.spelling.frequencies and defence.text("dlul") == "dull"  # a derived row's typo is not
    defended = defence.rows(task, [{"id": "t1", "text": "teh plto", "label": "neg"}])
    assert defended == [{"id": "t1", "text": "the plot", "label": "neg"}]
    defence.save(tmp_path)
    assert json.loads((tmp_path / "defence" / "defence.json").read_text())["settings"] == SPELLING
    loaded = Defence.load(tmp_path)
    assert loaded.name == "spelling" and loaded.spelling.frequencies == defence.spelling.frequencies
    assert loaded.spelling.cased == defence.spelling.cased == {}  # lower-cased training text
    assert loaded.spelling.protected == defence.spelling.protected == {"the", "zorblat", "film", "a", "dull", "plot"}
    assert loaded.text("the zorblta flim") == "the zorblat film"
    assert Defence.load(tmp_path / "elsewhere") is None
    dictionary_file = tmp_path / "defence" / "dictionary.tsv"
    dictionary_file.write_text(dictionary_file.read_text() + "broken line\n")
    with pytest.raises(ResourceError, match=r"dictionary.tsv, line \d+: 'broken line'"):
        Defence.load(tmp_path)
    cased = Defence.build("spelling", SPELLING, task, [{"id": "r", "text": "Nadal won", "label": "pos"}])
    assert cased.spelling.keep_capitalized


def test_a_ner_defence_learns_capitalised_words_from_outside_the_entities_only(tmp_path):
    task = task_for("ner")
    rows = [{"id": f"s{i}", "tokens": ["Group", "B", ":", "Hilde", "won"], "tags": ["O", "O", "O", "B-PER", "O"]}
            for i in range(6)]
    defence = Defence.build("spelling", SPELLING, task, rows)
    assert defence.spelling.cased == {"Group": 6, "B": 6}  # "Hilde" is a name: never a correction target
    assert defence.words(["Grup", "Hlde"]) == ["Group", "Hlde"]
    defence.save(tmp_path)
    assert Defence.load(tmp_path).spelling.cased == {"Group": 6, "B": 6}
    cased_file = tmp_path / "defence" / "cased.tsv"
    cased_file.write_text(cased_file.read_text() + "Group six\n")
    with pytest.raises(ResourceError, match=r"cased.tsv, line 3: 'Group six' is not `word<TAB>count`"):
        Defence.load(tmp_path)


def test_ner_rows_keep_their_tags_and_token_count():
    task = task_for("ner")
    defence = Defence("spelling", SPELLING, SpellingCorrector(FREQUENCIES, keep_capitalized=True))
    row = {"id": "s1", "tokens": ["Teh", "Nadl", "plto", "was", "godo", "."], "tags": ["O", "B-PER", "O", "O", "O", "O"]}
    # cased text: capitalised words stay, names above all; lower-case typos are corrected
    assert defence.rows(task, [row]) == [{**row, "tokens": ["Teh", "Nadl", "plot", "was", "good", "."]}]


def test_training_predicting_and_attacking_see_the_defended_input(tmp_path):
    """A tiny model trained behind the defence: its folder holds the defence, load_trained finds it,
    and a misspelt query gets exactly the corrected query's probabilities (prediction and attack
    wrapper alike), which the bare model does not give."""
    from augment.attacks.model_wrapper import FastClassifierWrapper
    from conftest import train_config
    from robust_train.predict import predict
    from robust_train.trainer import train
    from models.trained import load_trained
    from tiny_models import build_tiny_bert

    texts = ["the film is good", "a dull plot", "terrible acting", "a good film", "the plot is dull", "good acting"]
    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "neg" if any(w in t for w in ("dull", "terrible"))
             else "pos"} for i, t in enumerate(texts * 4)]
    base = build_tiny_bert(tmp_path / "base", texts, head="cls", num_labels=2, whole_words=True)
    task = task_for("classification")
    defence = Defence("spelling", SPELLING, SpellingCorrector(FREQUENCIES, keep_capitalized=False))
    metrics = train(task, rows, rows[:6], ["neg", "pos"], str(base), train_config(epochs=1, batch_size=8, lr=1e-3),
                    tmp_path / "model", tmp_path / "ckpt", test_rows=rows[:6], defence=defence)
    assert metrics["defence"] == {"name": "spelling", "rows": len(rows), "rows_changed": 0, "words_changed": 0}
    trained = load_trained(task, tmp_path / "model")
    assert trained.defence is not None and trained.defence.text("teh flim") == "the film"
    typo = [{"id": "q", "text": "teh flim is godo", "label": "pos"}]
    fixed = [{"id": "q", "text": "the film is good", "label": "pos"}]
    args = (trained.model, trained.tokenizer, typo, task, trained.label2id, trained.id2label, 32, 4)
    _, defended = predict(*args, defence=trained.defence)
    _, clean = predict(*args[:2], fixed, *args[3:])
    _, bare = predict(*args)
    assert defended == clean and bare != clean
    wrapper = FastClassifierWrapper(trained.model, trained.tokenizer, 32, batch_size=4, defence=trained.defence)
    bare_wrapper = FastClassifierWrapper(trained.model, trained.tokenizer, 32, batch_size=4)
    assert (wrapper(["teh flim is godo"]) == bare_wrapper(["the film is good"])).all()


def test_a_missing_word_list_stops_the_dag_with_the_key_and_the_fix(tmp_path, validated):
    from conftest import minimal_config
    from experiments.environment import defence_resource_problems

    cfg = minimal_config()
    cfg["defences"] = {"mine": {"spelling": {"dictionary": str(tmp_path / "nowhere.txt")}}, "unused": {"spelling": {
        "dictionary": str(tmp_path / "also_missing.txt")}}}
    cfg["train"] = {"methods": ["none", "none+mine"]}
    problems = defence_resource_problems(validated(cfg))
    assert len(problems) == 1 and "`defences.mine.spelling.dictionary`" in problems[0] and "nowhere.txt" in problems[0]
    (tmp_path / "nowhere.txt").write_text("kinase\n")
    assert defence_resource_problems(validated(cfg)) == []


def test_a_method_naming_an_unknown_defence_is_a_config_error(validated):
    from conftest import minimal_config
    from robustflow.errors import ConfigError

    cfg = minimal_config()
    cfg["defences"] = {"spelling": {"spelling": {}}}
    cfg["train"] = {"methods": ["none", "fgm+speling"]}
    with pytest.raises(ConfigError, match=r"'fgm\+speling' names the defence 'speling'.*configured: spelling"):
        validated(cfg)
    cfg["train"] = {"methods": ["nothing+spelling"]}
    with pytest.raises(ConfigError, match="train.methods"):
        validated(cfg)
