"""Randomised-substitution smoothing (models/defences/smoothing.py): deterministic copies, the
vote, training noise, save/load, every prediction and attack query voting over copies, composed
defences, and the independence label computed from declared candidate sources."""

from __future__ import annotations

import random

import numpy as np
import pytest

from robustflow.defence_settings import combined_settings, declared_sources
from models.defences import Defence
from models.defences.smoothing import Smoothing
from robustflow.errors import ConfigError
from robustflow.tasks import task_for

MASK = {"source": "mask", "rate": 0.5, "copies": 6, "aggregate": "mean", "seed": 0}


def test_copies_are_seeded_by_the_text_and_keep_punctuation_numbers_and_spacing():
    s = Smoothing("mask", 0.5, 6, "mean", 0, "[MASK]")
    text = "the film , rated 101 , is  good"
    copies = s.copies(text)
    assert copies == Smoothing("mask", 0.5, 6, "mean", 0, "[MASK]").copies(text)  # a new object: the same copies
    assert len(copies) == 6 and len(set(copies)) > 1
    for c in copies:  # only words are replaced, one for one
        assert c.split(" ")[2::2][:2] == [",", "101"] or "101" in c
        assert len(c.split(" ")) == len(text.split(" ")) and "  " in c
    assert Smoothing("mask", 0.5, 6, "mean", 1, "[MASK]").copies(text) != copies  # the defence's seed counts
    assert all(c == text for c in Smoothing("mask", 1e-9, 3, "mean", 0, "[MASK]").copies(text))
    everything = Smoothing("mask", 1.0, 1, "mean", 0, "[MASK]").copies("it's a good film .")[0]
    assert everything == "[MASK] [MASK] [MASK] [MASK] ."


def test_a_word_swap_changes_each_copy_at_that_word_only():
    """Copies substitute fixed positions: an attacker's swap cannot re-draw the other words' masks."""
    s = Smoothing("mask", 0.5, 8, "mean", 0, "[MASK]")
    before, after = s.copies("the film is good and rather long"), s.copies("the movie is good and rather long")
    assert len(set(before)) > 1
    for x, y in zip(before, after):
        xs, ys = x.split(" "), y.split(" ")
        assert xs[0] == ys[0] and xs[2:] == ys[2:]
        assert (xs[1] == "[MASK]") == (ys[1] == "[MASK]")
    # a text of another length is masked elsewhere
    assert [c.split(" ")[:3] for c in s.copies("the film is good and long")] != [c.split(" ")[:3] for c in before]
    # a synonym source draws its substitute by position and word
    synonyms = {"good": ["fine", "nice", "decent"], "bad": ["poor", "awful"]}
    wn = Smoothing("wordnet", 1.0, 4, "mean", 0, substitutes=lambda w: synonyms.get(w, []))
    assert [c.split()[2] for c in wn.copies("a very good film")] == [c.split()[2] for c in wn.copies("a very good plot")]


def test_synonym_sources_draw_from_their_own_sets():
    rng = random.Random(0)
    synonyms = {"good": ["fine", "nice"], "film": ["movie"]}
    s = Smoothing("wordnet", 1.0, 4, "mean", 0, substitutes=lambda w: synonyms.get(w, []))
    out = s.perturb("a good film", rng)
    assert out.split()[0] == "a" and out.split()[1] in ("fine", "nice") and out.split()[2] == "movie"


def test_the_mean_and_the_vote_equal_a_hand_computed_case():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.45, 0.55]])
    mean = Smoothing("mask", 0.3, 3, "mean", 0, "[MASK]").combine(probs)
    assert np.allclose(mean, [1.75 / 3, 1.25 / 3])  # the mean prefers class 0 ...
    vote = Smoothing("mask", 0.3, 3, "vote", 0, "[MASK]").combine(probs)
    assert vote.argmax() == 1 and np.isclose(vote.sum(), 1)  # ... two of three copies vote 1
    assert np.allclose(vote, [1 / 3, 2 / 3], atol=1e-3)
    tie = Smoothing("mask", 0.3, 2, "vote", 0, "[MASK]").combine(np.array([[0.9, 0.1], [0.4, 0.6]]))
    assert tie.argmax() == 0  # one vote each: the mean (0.65 for class 0) breaks the tie


def test_training_rows_get_fresh_seeded_substitutions_every_epoch():
    task = task_for("classification")
    defence = Defence("smooth", {"smoothing": MASK}, smoothing=Smoothing.from_settings(MASK, "[MASK]"))
    rows = [{"id": f"r{i}", "text": "a rather good and quite moving film about love", "label": "pos"} for i in range(3)]
    e0, e0_again, e1 = (defence.training_rows(task, rows, e) for e in (0, 0, 1))
    assert e0 == e0_again and e0 != e1
    assert len({r["text"] for r in e0}) > 1  # rows with the same text still differ: seeded by id too
    assert all(r["label"] == "pos" and r["id"] == o["id"] for r, o in zip(e1, rows))


def test_defences_compose_one_part_each_normaliser_first():
    defences = {"spelling": {"spelling": {"dictionary": "pyspellchecker"}}, "smooth": {"smoothing": MASK},
                "also": {"spelling": {"dictionary": "x.txt"}}}
    assert combined_settings(defences, "spelling+smooth") == {"spelling": defences["spelling"]["spelling"],
                                                               "smoothing": MASK}
    with pytest.raises(ConfigError, match="out of order"):
        combined_settings(defences, "smooth+spelling")
    with pytest.raises(ConfigError, match="two `spelling` blocks"):
        combined_settings(defences, "spelling+also")
    assert declared_sources(combined_settings(defences, "spelling+smooth")) == ["dictionary corrections", "mask token"]


def test_composing_out_of_order_is_a_config_error_and_a_tagger_may_be_smoothed(validated):
    from conftest import minimal_config

    cfg = minimal_config("ner")
    cfg["defences"] = {"smooth": {"smoothing": {}}}
    cfg["train"] = {"methods": ["none+smooth"]}
    assert validated(cfg)["defences"]["smooth"]["smoothing"]["copies"] == 8
    cfg = minimal_config()
    cfg["defences"] = {"smooth": {"smoothing": {}}, "spelling": {"spelling": {}}}
    cfg["train"] = {"methods": ["none+smooth+spelling"]}
    with pytest.raises(ConfigError, match="out of order"):
        validated(cfg)
    cfg["train"] = {"methods": ["none", "none+spelling+smooth"]}
    config = validated(cfg)
    assert config["defences"]["smooth"] == {"smoothing": {**MASK, "rate": 0.3, "copies": 8}}
    assert "spelling" not in config["defences"]["smooth"]  # no part is filled in that was not asked for


def test_the_independence_label_is_computed_from_the_declared_sources():
    from report.independence import independence, table

    recipes = {"glove": {"type": "glove_swap"}, "pwws": {"type": "pwws"}, "dwb": {"type": "deepwordbug"}}
    config = {"defences": {"wn": {"smoothing": {**MASK, "source": "wordnet"}}, "mask": {"smoothing": MASK},
                           "gl": {"smoothing": {**MASK, "source": "glove"}}},
              "attack": {"recipes": recipes, "evaluate": {"recipes": ["glove", "pwws", "dwb"]}}}
    assert independence("clean/none+wn", "pwws", config)["shares"]  # WordNet synonyms against PWWS: flagged
    assert not independence("clean/none+wn", "glove", config)["shares"]
    assert independence("clean/none+gl", "glove", config) == {"defence": ["glove neighbours"],
                                                            "attack": "glove neighbours", "shares": True}
    assert not any(independence("clean/none+mask", r, config)["shares"] for r in recipes)
    assert independence("clean/none", "glove", config) is None
    # a method trained inside substitution sets declares their source like a defence does
    trained = {**config, "train": {"ascc": {"source": "wordnet"}}}
    assert independence("clean/ascc", "pwws", trained) == {"defence": ["wordnet synonyms"],
                                                         "attack": "wordnet synonyms", "shares": True}
    assert not independence("clean/ascc", "glove", trained)["shares"]
    assert independence("clean/ascc+gl", "pwws", trained)["defence"] == ["glove neighbours", "wordnet synonyms"]
    assert independence("clean/ascc+gl", "glove", trained)["shares"]
    forms = {**config, "train": {"ascc": {"source": "wordnet_forms"}}}  # WordNet's synonyms and lemmatiser
    assert independence("clean/ascc", "pwws", forms)["shares"] and not independence("clean/ascc", "glove", forms)["shares"]
    # a student: its own method's sources, and its teacher's (training and defence)
    students = {**trained, "distil": {"teachers": {"robust": {"variants": ["clean/ascc"]}, "smoothed": {"variants": [
        "clean/none+gl"]}}, "students": {"asccs": {"teacher": "smoothed", "method": "ascc"},
                                        "copy": {"teacher": "robust", "method": "none"},
                                        "plain": {"teacher": "smoothed", "method": "none"}}}}
    assert independence("clean/asccs", "pwws", students) == {"defence": ["wordnet synonyms", "glove neighbours"],
                                                           "attack": "wordnet synonyms", "shares": True}
    assert independence("clean/copy+mask", "pwws", students)["shares"]  # its teacher trained inside WordNet sets
    assert independence("clean/plain", "glove", students)["shares"] and not independence("clean/plain", "pwws", students)["shares"]
    # a student's own ascc settings decide its source, not train.ascc's
    students["distil"]["students"]["gloves"] = {"teacher": "robust", "method": "ascc", "method_settings": {"source": "glove"}}
    assert independence("clean/gloves", "glove", students)["defence"] == ["glove neighbours", "wordnet synonyms"]
    rows = table(["clean/none", "clean/none+wn"], config)
    assert [(r["recipe"], r["shares"]) for r in rows] == [("glove", False), ("pwws", True), ("dwb", False)]


def test_every_attack_recipe_type_declares_its_candidate_source():
    """The report reads attack sources from the ground floor's table, not the attack registry: a new
    recipe type without an entry would otherwise break the report's independence table."""
    from robustflow.recipes import RECIPES
    from robustflow.candidate_sources import ATTACK_SOURCES, SMOOTHING_SOURCES
    from models.defences.smoothing import SOURCES

    assert set(ATTACK_SOURCES) == set(RECIPES)
    assert set(SMOOTHING_SOURCES) == set(SOURCES)


def test_a_gain_under_an_attack_sharing_the_defences_source_is_not_credited():
    """Two variants with the same real gain under pwws: the one smoothing with WordNet synonyms is
    listed apart, the masking one is credited."""
    from report.summary import evidence

    def run(method, correct):
        n = len(correct)
        rows = {"clean": {"measure": "accuracy", "ids": list(range(n)), "rows": [1] * n},
                "ece": {"measure": "ece", "ids": list(range(n)), "rows": [[1.0, 0.9, 1.0]] * n},
                "ece_scaled": {"measure": "ece", "ids": list(range(n)), "rows": [[1.0, 0.9, 1.0]] * n},
                "suites": {}, "transfer": {},
                "attacks": {"pwws": {"metric_under_attack": {"measure": "accuracy", "ids": list(range(n)),
                                                             "rows": correct},
                                     "clean_metric": {"measure": "accuracy", "ids": list(range(n)), "rows": [1] * n},
                                     "success_rate": {"measure": "accuracy", "ids": list(range(n)),
                                                      "rows": [1 - c for c in correct]}}}}
        return {"trainset": "clean", "method": method, "seed": 1, "evaluation": {"rows": rows}}

    weak, strong = [1] * 40 + [0] * 160, [1] * 160 + [0] * 40
    config = {"defences": {"wn": {"smoothing": {**MASK, "source": "wordnet"}}, "mask": {"smoothing": MASK}},
              "attack": {"recipes": {"pwws": {"type": "pwws"}}, "evaluate": {"recipes": ["pwws"]}}}
    settings = {"bootstrap": 200, "confidence": 0.95, "alpha": 0.05}
    found = evidence([run("none", weak), run("none+wn", strong), run("none+mask", strong)], settings, 0, "d",
                     config=config)
    assert any("clean/none+mask" in f and "under pwws" in f for f in found["findings"])
    assert not any("clean/none+wn" in f for f in found["findings"])
    assert any("clean/none+wn" in f and "under pwws" in f for f in found["not_credited"])


TEXTS = ["the film is good", "a dull plot", "terrible acting", "a good film", "the plot is dull", "good acting"]


@pytest.fixture(scope="module")
def smoothed(tmp_path_factory):
    """A tiny classifier trained behind spelling+smoothing (masking), and the defence it trained with."""
    from conftest import train_config
    from robust_train.trainer import train
    from models.defences.spelling import SpellingCorrector
    from tiny_models import build_tiny_bert

    tmp_path = tmp_path_factory.mktemp("smoothed")
    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "neg" if any(w in t for w in ("dull", "terrible"))
             else "pos"} for i, t in enumerate(TEXTS * 4)]
    base = build_tiny_bert(tmp_path / "base", TEXTS, head="cls", num_labels=2, whole_words=True)
    frequencies = {w: 100 for t in TEXTS for w in t.split()}
    settings = {"spelling": {"dictionary": "x", "training_words": False, "keep_capitalized": False},
                "smoothing": {**MASK, "mask_token": None}}
    defence = Defence("spelling+smooth", settings, SpellingCorrector(frequencies, keep_capitalized=False),
                      Smoothing.from_settings(MASK))
    train(task_for("classification"), rows, rows[:6], ["neg", "pos"], str(base),
          train_config(epochs=1, batch_size=8, lr=1e-3), tmp_path / "model", tmp_path / "ckpt", defence=defence)
    return tmp_path / "model", defence, rows


def test_a_smoothed_model_votes_over_its_copies_in_prediction_and_attacks_and_survives_save_load(smoothed):
    """A tiny model trained behind spelling+smoothing: its folder holds both parts; after load the
    prediction is the mean of the copies' probabilities (computed by hand with the bare model), the
    same from predict and from the attack wrapper, which sends every query's copies to the model."""
    from augment.attacks.model_wrapper import FastClassifierWrapper
    from robust_train.predict import predict
    from models.trained import load_trained

    folder, defence, _ = smoothed
    task = task_for("classification")
    trained = load_trained(task, folder)
    loaded = trained.defence
    assert loaded.randomised and loaded.smoothing.mask_token == "[MASK]" and loaded.n_copies == 6
    query = "teh film is godo and the plot is dull"
    copies = loaded.copies(query)
    assert copies == defence.copies(query) and all("teh" not in c for c in copies)  # normalised, then smoothed

    args = (trained.model, trained.tokenizer)
    bare = FastClassifierWrapper(*args, 32, batch_size=4)
    by_hand = bare(copies).mean(axis=0)
    _, smoothed_probs = predict(*args, [{"id": "q", "text": query, "label": "pos"}], task, trained.label2id,
                                trained.id2label, 32, 4, defence=loaded)
    assert np.allclose(smoothed_probs[0], by_hand, atol=1e-5)
    wrapper = FastClassifierWrapper(*args, 32, batch_size=4, defence=loaded)
    calls = []
    model_forward = wrapper._model_forward
    wrapper._model_forward = lambda texts: calls.append(list(texts)) or model_forward(texts)
    out = wrapper([query, "a good film"])
    assert calls == [copies + loaded.copies("a good film")]  # every query reaches the model as its copies
    assert np.allclose(out[0], by_hand, atol=1e-5)
    again = load_trained(task, folder).defence
    assert np.array_equal(FastClassifierWrapper(*args, 32, batch_size=4, defence=again)([query]), out[:1])


def test_an_adaptive_attack_searches_the_expectation_and_the_deployed_model_judges(smoothed):
    """eot_copies: the search queries 24 copies of its own per text; every success fools the deployed
    (6-copy) defended model, every other attempted row is one it classifies correctly."""
    from augment.attacks.model_wrapper import FastClassifierWrapper
    from robustflow.recipes import RecipeSettings
    from augment.attacks.runners import attack_classifier
    from models.trained import load_trained

    folder, _, rows = smoothed
    trained = load_trained(task_for("classification"), folder)
    recipe = RecipeSettings.from_config({"type": "deepwordbug", "query_budget": None, "max_perturbed_ratio": None,
                                         "sentence_encoder": "minilm", "eot_copies": 24})
    deployed = FastClassifierWrapper(trained.model, trained.tokenizer, trained.max_length, 8, defence=trained.defence)
    timings: dict = {}
    records = attack_classifier(rows[:6], "dwb_eot", recipe, trained, 0, 8, "cpu", timings=timings)
    attempted = [r for r in records if r["status"] != "skipped"]
    assert attempted and timings["forward_texts"] > 0
    for r in records:
        truth = trained.labels[int(deployed([r["text"]])[0].argmax())]
        assert (r["status"] == "skipped") == (truth != r["label"])
        after = trained.labels[int(deployed([r["perturbed_text"]])[0].argmax())]
        if r["status"] == "success":
            assert after != r["label"] and r["perturbed_prediction"] == after
        elif r["status"] == "failed":
            assert after == r["label"] and r["perturbed_text"] == r["text"]
    search = trained.defence.with_copies(24)
    assert search.n_copies == 24 and search.copies("a good film")[:6] != trained.defence.copies("a good film")


SENTENCES = [["ann", "met", "the", "good", "film", "crew", "in", "oslo"], ["bo", "saw", "a", "dull", "plot"],
             ["the", "acting", "in", "oslo", "was", "terrible"]]
GOLD = [["B-PER", "O", "O", "O", "O", "O", "O", "B-LOC"], ["B-PER", "O", "O", "O", "O"],
        ["O", "O", "O", "B-LOC", "O", "O"]]


def test_a_tagger_s_copies_substitute_word_for_word_and_never_inside_a_kept_entity():
    s = Smoothing("mask", 0.5, 8, "mean", 0, "[MASK]")
    words, keep = SENTENCES[0], [t != "O" for t in GOLD[0]]
    copies = s.copies_words(words, keep)
    assert copies == Smoothing("mask", 0.5, 8, "mean", 0, "[MASK]").copies_words(words, keep)
    assert all(len(c) == len(words) for c in copies)
    assert all(c[0] == "ann" and c[-1] == "oslo" for c in copies)  # the entities, in every copy
    assert any(c[j] == "[MASK]" for c in copies for j in range(1, 7))
    # the same positions as a text of as many words: one definition of copy k
    free = s.copies_words(words, [False] * len(words))
    assert [" ".join(c) for c in free] == s.copies(" ".join(words))
    assert all(a == b or not k for c, f in zip(copies, free) for a, b, k in zip(c, f, [not x for x in keep]))


def test_a_tagger_trains_on_fresh_substitutions_outside_its_gold_entities():
    defence = Defence("smooth", {"smoothing": MASK}, None, Smoothing.from_settings(MASK, "[MASK]"))
    rows = [{"id": f"s{i}", "tokens": w, "tags": t} for i, (w, t) in enumerate(zip(SENTENCES, GOLD))]
    ner = task_for("ner")
    epochs = [defence.training_rows(ner, rows, epoch) for epoch in range(4)]
    assert epochs[0] == defence.training_rows(ner, rows, 0) and epochs[0] != epochs[1]  # seeded, fresh per epoch
    for trained in epochs:
        for row, original in zip(trained, rows):
            assert row["tags"] == original["tags"] and len(row["tokens"]) == len(original["tokens"])
            assert all(w == o for w, o, t in zip(row["tokens"], original["tokens"], row["tags"]) if t != "O")
    assert any(w == "[MASK]" for trained in epochs for row in trained for w in row["tokens"])


@pytest.fixture(scope="module")
def smoothed_tagger(tmp_path_factory):
    """A tiny tagger trained behind smoothing (masking), and the defence it trained with."""
    from conftest import train_config
    from robust_train.trainer import train
    from tiny_models import build_tiny_bert

    tmp_path = tmp_path_factory.mktemp("smoothed_tagger")
    rows = [{"id": f"s{i}", "tokens": w, "tags": t} for i, (w, t) in enumerate(zip(SENTENCES * 4, GOLD * 4))]
    base = build_tiny_bert(tmp_path / "base", [" ".join(w) for w in SENTENCES], head="ner", whole_words=True)
    defence = Defence("smooth", {"smoothing": {**MASK, "mask_token": None}}, None, Smoothing.from_settings(MASK))
    ner = task_for("ner")
    train(ner, rows, rows[:3], ner.model_labels(["PER", "LOC"]), str(base), train_config(epochs=2, batch_size=4, lr=1e-3),
          tmp_path / "model", tmp_path / "ckpt", defence=defence)
    return tmp_path / "model"


def test_a_smoothed_tagger_votes_per_word_in_prediction_and_attacks_and_survives_save_load(smoothed_tagger):
    """Tags from the normalised sentence decide which words are kept; each copy is tagged by the
    bare model; a word's distribution is the mean over the copies (by hand here), the same from
    predict and from the NER attack's scorer, and again after a second load."""
    from augment.attacks.ner_scorer import NerScorer
    from models.trained import load_trained
    from robust_train.predict import predict

    ner = task_for("ner")
    trained = load_trained(ner, smoothed_tagger)
    defence = trained.defence
    assert defence.randomised and defence.smoothing.mask_token == "[MASK]"
    args = (trained.model, trained.tokenizer)
    rows = [{"id": f"q{i}", "tokens": w, "tags": t} for i, (w, t) in enumerate(zip(SENTENCES, GOLD))]
    bare_tags, _ = predict(*args, rows, ner, trained.label2id, trained.id2label, 32, 4)
    tags, probs = predict(*args, rows, ner, trained.label2id, trained.id2label, 32, 4, defence=defence)
    scorer = NerScorer(*args, 32, 4, "cpu", defence)
    scored = scorer([r["tokens"] for r in rows])
    for row, predicted, got_tags, got_probs, (scorer_tags, scorer_probs) in zip(rows, bare_tags, tags, probs, scored):
        copies = defence.sentence_copies(row["tokens"], [t != "O" for t in predicted])
        assert any(c != row["tokens"] for c in copies)
        copy_rows = [{**row, "tokens": c} for c in copies]
        _, copy_probs = predict(*args, copy_rows, ner, trained.label2id, trained.id2label, 32, 4)
        by_hand = np.mean(np.asarray(copy_probs, dtype=np.float64), axis=0)
        assert np.allclose(got_probs, by_hand, atol=1e-5) and np.allclose(scorer_probs, by_hand, atol=1e-5)
        assert got_tags == scorer_tags == [trained.id2label[int(p.argmax())] for p in by_hand]
    again = load_trained(ner, smoothed_tagger)
    assert predict(again.model, again.tokenizer, rows, ner, again.label2id, again.id2label, 32, 4,
                   defence=again.defence) == (tags, probs)


def test_an_adaptive_attack_on_a_smoothed_tagger_searches_the_expectation_and_the_deployed_tagger_judges(
        smoothed_tagger, monkeypatch):
    """eot_copies for NER: the search scores with 16 copies of its own, the deployed (6-copy) tagger
    judges: skipped where its entity F1 on the sentence is 0, a success only where its F1 fell."""
    from augment.attacks import ner_scorer
    from augment.attacks.ner import sentence_f1
    from augment.attacks.runners import attack_tagger
    from models.trained import load_trained
    from robustflow.recipes import RecipeSettings

    trained = load_trained(task_for("ner"), smoothed_tagger)
    built = []
    original_init = ner_scorer.NerScorer.__init__
    monkeypatch.setattr(ner_scorer.NerScorer, "__init__",
                        lambda self, *a: built.append(a[-1].n_copies) or original_init(self, *a))
    recipe = RecipeSettings.from_config({"type": "deepwordbug", "query_budget": None, "max_perturbed_ratio": None,
                                         "sentence_encoder": None, "eot_copies": 16})
    rows = [{"id": f"a{i}", "tokens": w, "tags": t} for i, (w, t) in enumerate(zip(SENTENCES * 2, GOLD * 2))]
    records = attack_tagger(rows, "dwb_eot", recipe, trained, 0, 4, "cpu")
    assert sorted(built) == [6, 16]  # the deployed tagger and the search's
    monkeypatch.undo()
    deployed = ner_scorer.NerScorer(trained.model, trained.tokenizer, 32, 4, "cpu", trained.defence)
    assert any(r["status"] != "skipped" for r in records)
    for r in records:
        (before, _), = deployed([r["tokens"]])
        f1 = sentence_f1(r["tags"], before)
        assert r["original_prediction"] == before and r["original_f1"] == f1
        assert (r["status"] == "skipped") == (f1 == 0.0)
        (after, _), = deployed([r["perturbed_tokens"]])
        assert r["perturbed_prediction"] == after
        if r["status"] == "success":
            assert sentence_f1(r["perturbed_tags"], after) == r["perturbed_f1"] < f1
        else:
            assert r["perturbed_tokens"] == r["tokens"] and r["perturbed_f1"] == f1
