"""Adversarial training inside word substitution sets (robust_train/ascc.py), on tiny models built
in-process with a whole-word vocabulary."""

from __future__ import annotations

import pytest
import torch

from conftest import perturbation, train_config
from robust_train.adversarial import adversarial_step, perturbed_embeddings
from robust_train.ascc import SubstituteTable, SubstitutionBatch, combination_delta, label_preserving, worst_combination
from robust_train.data import collate
from robust_train.trainer import substitution_batch
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

CLASSIFICATION, NER = task_for("classification"), task_for("ner")
CORPUS = ["the film is good", "a dull and tired plot", "a fine movie with great acting", "a bad and boring story",
          "the picture was nice", "we left early", "paris is lovely in may"]
SUBSTITUTES = {"good": ["fine", "great", "nice", "bad"], "film": ["movie", "picture"], "dull": ["boring"],
               "plot": ["story", "zebra"]}
ROWS = [{"id": str(i), "text": t, "text_pair": None, "label": "pos" if i % 2 == 0 else "neg"} for i, t in enumerate(CORPUS)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = build_tiny_bert(tmp_path_factory.mktemp("ascc"), CORPUS, head="cls", num_labels=2, whole_words=True,
                           hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return path, AutoTokenizer.from_pretrained(path), lambda: AutoModelForSequenceClassification.from_pretrained(path)


def table_of(tokenizer, k=2):
    ids = range(len(tokenizer))
    return SubstituteTable.build(tokenizer, lambda w: SUBSTITUTES.get(w, []), k, ids, keep=lambda old, new: new != "bad")


def batch_of(tokenizer, texts):
    rows = [{"id": str(i), "text": t, "text_pair": None, "label": "pos"} for i, t in enumerate(texts)]
    return collate(CLASSIFICATION.encode(rows, tokenizer, {"neg": 0, "pos": 1}, 32).features, tokenizer.pad_token_id)


def test_each_word_has_itself_then_its_in_vocabulary_substitutes(tiny):
    _, tokenizer, _ = tiny
    table = table_of(tokenizer)
    tid = tokenizer.convert_tokens_to_ids
    # k=2 keeps the first two kept substitutes; "bad" is refused by keep, "zebra" is not in the vocabulary
    assert table.ids[tid("good")][table.valid[tid("good")]].tolist() == [tid("good"), tid("fine"), tid("great")]
    assert table.ids[tid("plot")][table.valid[tid("plot")]].tolist() == [tid("plot"), tid("story")]
    assert table.valid[tid("the")].tolist() == [True, False, False]
    assert table.continuation[tid("##s")] and not table.continuation[tid("good")]
    assert table.words_with_substitutes() == 4  # good, film, dull, plot


def test_only_whole_words_with_substitutes_are_perturbed(tiny):
    _, tokenizer, _ = tiny
    batch = batch_of(tokenizer, ["the goods film is good", "plot"])
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    assert tokens[:5] == ["[CLS]", "the", "good", "##s", "film"]
    eligible = table_of(tokenizer).eligible(batch["input_ids"], batch["attention_mask"])
    picked = [t for t, e in zip(tokens, eligible[0].tolist()) if e]
    assert picked == ["film", "good"]  # "good" of "goods" is continued by "##s": not a word of its own
    assert eligible[1].tolist()[:3] == [False, True, False] and not eligible[1, 3:].any()  # padding never


def test_a_one_hot_combination_is_the_swapped_sentence(tiny):
    """Weight 1 on a substitute makes the model read the substitute: the same outputs as the text
    with the word swapped."""
    _, tokenizer, make = tiny
    model = make().eval()
    table = table_of(tokenizer)
    batch = batch_of(tokenizer, ["the film is good"])
    ids = batch["input_ids"]
    subs = SubstitutionBatch.of(table, ids, table.eligible(ids, batch["attention_mask"]))
    logits = torch.zeros(subs.ids.shape)
    logits[0, 2, 1] = 1e4  # "film" -> its first substitute, "movie"
    logits[0, 4, 0] = 1e4  # "good" stays itself
    delta = combination_delta(model.get_input_embeddings().weight.detach(), subs, ids, logits)
    with torch.no_grad(), perturbed_embeddings(model, delta):
        perturbed = model(**batch).logits
    with torch.no_grad():
        swapped = model(**batch_of(tokenizer, ["the movie is good"])).logits
    torch.testing.assert_close(perturbed, swapped, rtol=1e-5, atol=1e-6)
    assert (delta[0, [0, 1, 3, 5]] == 0).all()  # [CLS], "the", "is", [SEP]: no substitutes, no change


def test_the_ascent_raises_the_loss_above_the_centroid(tiny):
    _, tokenizer, make = tiny
    torch.manual_seed(0)
    model = make().eval()
    table = table_of(tokenizer)
    batch = batch_of(tokenizer, CORPUS[:4])
    ids = batch["input_ids"]
    subs = SubstitutionBatch.of(table, ids, table.eligible(ids, batch["attention_mask"]))
    embeddings = model.get_input_embeddings().weight.detach()

    def loss_at(delta):
        with torch.no_grad(), perturbed_embeddings(model, delta):
            return model(**batch).loss.item()

    centroid = loss_at(combination_delta(embeddings, subs, ids, torch.zeros(subs.ids.shape)))
    worst = loss_at(worst_combination(model, lambda: model(**batch).loss, subs, ids, steps=1, alpha=0.5))
    assert worst > centroid
    assert all(p.grad is None for p in model.parameters())  # the ascent differentiates the weights only


def test_a_step_trains_on_the_clean_loss_plus_beta_times_the_worst_combination(tiny, monkeypatch):
    _, tokenizer, make = tiny
    table = table_of(tokenizer)
    batch = batch_of(tokenizer, CORPUS)
    ids = batch["input_ids"]
    subs = SubstitutionBatch.of(table, ids, table.eligible(ids, batch["attention_mask"]))
    cfg = perturbation("ascc", steps=2, alpha=1.0, beta=0.5)
    import robust_train.ascc as ascc

    found = []
    original = ascc.worst_combination

    def spy(*args, **kwargs):
        found.append(original(*args, **kwargs))
        return found[-1]

    monkeypatch.setattr(ascc, "worst_combination", spy)
    torch.manual_seed(0)
    model = make()
    shape = torch.Size([*ids.shape, model.get_input_embeddings().embedding_dim])
    stats = adversarial_step(model, lambda: model(**batch).loss, shape, batch["attention_mask"], cfg,
                             substitution=subs, input_ids=ids)
    ref = make()
    ref(**batch).loss.backward()
    with perturbed_embeddings(ref, found[0]):
        (0.5 * ref(**batch).loss).backward()
    for (n, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-7, msg=n)
    assert stats.adv_loss is not None and stats.delta_norm > 0 and not stats.skipped


def test_a_batch_without_substitutes_trains_on_the_clean_loss_only(tiny):
    _, tokenizer, make = tiny
    table = table_of(tokenizer)
    batch = batch_of(tokenizer, ["we left early"])
    ids = batch["input_ids"]
    subs = SubstitutionBatch.of(table, ids, table.eligible(ids, batch["attention_mask"]))
    model = make()
    shape = torch.Size([*ids.shape, model.get_input_embeddings().embedding_dim])
    stats = adversarial_step(model, lambda: model(**batch).loss, shape, batch["attention_mask"],
                             perturbation("ascc"), substitution=subs, input_ids=ids)
    assert stats.skipped and stats.adv_loss is None


def test_a_tagger_keeps_its_entities_words(tiny):
    _, tokenizer, _ = tiny
    table = SubstituteTable.build(tokenizer, lambda w: {"paris": ["film"], "lovely": ["nice"]}.get(w, []), 2,
                                  range(len(tokenizer)))
    labels = NER.model_labels(["LOC"])
    label2id = {label: i for i, label in enumerate(labels)}
    row = {"id": "0", "tokens": ["paris", "is", "lovely"], "tags": ["B-LOC", "O", "O"]}
    batch = collate(NER.encode([row], tokenizer, label2id, 32).features, tokenizer.pad_token_id)
    eligible = substitution_batch(table, batch, NER, label2id).eligible
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0])
    assert [t for t, e in zip(tokens, eligible[0].tolist()) if e] == ["lovely"]  # "paris" is an entity


def test_substitutes_keep_the_label():
    assert label_preserving("film", "movie")
    assert not label_preserving("good", "bad")  # GloVe's nearest neighbour of "good"
    assert not label_preserving("happy", "unhappy")  # a negating prefix


def test_training_with_ascc_attacks_every_step_with_substitutes(tiny, tmp_path):
    """A real training run with WordNet's sets: "film" has "movie" and "picture" in WordNet."""
    from robust_train.trainer import train

    path, _, _ = tiny
    cfg = train_config(epochs=1, batch_size=4, lr=1e-3, device="cpu", adversarial=perturbation("ascc", substitutes=4))
    metrics = train("classification", ROWS, ROWS[:2], ["neg", "pos"], str(path), cfg, tmp_path / "model",
                    tmp_path / "checkpoint")
    assert metrics["method"] == "ascc" and metrics["steps"] == 2
    assert all(step["adv_loss"] is not None and step["delta_norm"] > 0 for step in metrics["curve"])


def test_a_ramp_raises_beta_linearly_over_its_epochs():
    cfg = perturbation("ascc", beta=2.0, ramp_epochs=2)
    assert [cfg.at(p).beta for p in (0, 0.5, 1.0, 2.0, 3.5)] == [0.0, 0.5, 1.0, 2.0, 2.0]
    assert perturbation("ascc", beta=2.0).at(0).beta == 2.0  # no ramp: full beta from the first step
    assert perturbation("pgd").at(0) == perturbation("pgd")


def test_training_under_a_ramp_adds_the_adversarial_term_after_its_first_step(tiny, tmp_path):
    from robust_train.trainer import train

    path, _, _ = tiny
    cfg = train_config(epochs=2, batch_size=4, lr=1e-3, device="cpu",
                       adversarial=perturbation("ascc", substitutes=4, ramp_epochs=1))
    metrics = train("classification", ROWS, ROWS[:2], ["neg", "pos"], str(path), cfg, tmp_path / "model",
                    tmp_path / "checkpoint")
    skipped = [step["attack_skipped"] for step in metrics["curve"]]
    assert skipped[0] and not any(skipped[1:])  # beta 0 at the first step only
    assert metrics["curve"][0]["adv_loss"] is None and metrics["curve"][-1]["adv_loss"] is not None


def test_word_forms_come_first_in_a_words_set_then_its_synonyms():
    from robust_train.ascc import substitutes_of

    film = substitutes_of("wordnet_forms")("film")
    assert film[:3] == ["filmed", "filming", "films"] and "movie" in film[3:]
    assert "films" not in substitutes_of("wordnet")("film")  # a synset lists base forms only


def test_a_vertex_ascent_trains_on_a_real_swapped_sentence(tiny):
    """With `vertices`, each perturbed word is exactly one member of its set: the model reads a
    sentence an attack could write, not a mixture of embeddings."""
    _, tokenizer, make = tiny
    torch.manual_seed(0)
    model = make().eval()
    table = table_of(tokenizer)
    batch = batch_of(tokenizer, ["the film is good"])
    ids = batch["input_ids"]
    subs = SubstitutionBatch.of(table, ids, table.eligible(ids, batch["attention_mask"]))
    embeddings = model.get_input_embeddings().weight.detach()
    delta = worst_combination(model, lambda: model(**batch).loss, subs, ids, steps=2, alpha=2.0, vertex=True)
    swapped = ids.clone()
    for t in range(ids.shape[1]):
        members = [int(m) for m, ok in zip(subs.ids[0, t], subs.valid[0, t]) if ok]
        exact = [m for m in members if torch.allclose(embeddings[ids[0, t]] + delta[0, t], embeddings[m], atol=1e-6, rtol=0)]
        assert len(exact) >= 1, tokenizer.convert_ids_to_tokens([int(ids[0, t])])
        swapped[0, t] = exact[0]
    assert not torch.equal(swapped, ids)  # the ascent moved at least one word off itself
    with torch.no_grad(), perturbed_embeddings(model, delta):
        perturbed = model(**batch).logits
    with torch.no_grad():
        read = model(**{**batch, "input_ids": swapped}).logits
    torch.testing.assert_close(perturbed, read, rtol=1e-5, atol=1e-6)
