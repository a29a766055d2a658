"""Online adversarial training: attacks on the model being trained, between epochs."""

from __future__ import annotations

import json

import pytest

from robust_train.online_attack import OnlineAttack, OnlineSettings, word_importance
from conftest import train_config
from robust_train.trainer import EpochRows, train
from robustflow import iob
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

WORDS = ("good bad great awful film movie plot story acting boring moving funny dull brilliant terrible "
         "wonderful script actors director scenes music").split()
LABELS = ["negative", "positive"]
CLASSIFICATION, NER = task_for("classification"), task_for("ner")


def sentences(n: int) -> list[str]:
    return [" ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(5 + i % 4)) for i in range(n)]


ROWS = [{"id": f"r{i:02d}", "text": t, "text_pair": None, "label": LABELS[i % 2]} for i, t in enumerate(sentences(24))]
RECIPE = {"query_budget": None, "max_perturbed_ratio": None, "sentence_encoder": "minilm"}


def settings(*types, **kw) -> OnlineSettings:
    online = {"start_epoch": 1, "max_examples": 24, "ratio": 1.0, "max_perturbed_ratio": 0.5, "batch_size": 16, **kw}
    return OnlineSettings.from_config(online, {t: {"type": t, **RECIPE} for t in types})


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = build_tiny_bert(tmp_path_factory.mktemp("cls"), sentences(40) + WORDS, head="cls", num_labels=2,
                             id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)}, seed=3,
                             initializer_range=0.5, whole_words=True)
    return AutoModelForSequenceClassification.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)


def test_online_examples_fool_the_current_model_and_are_deterministic(classifier):
    model, tokenizer = classifier
    label2id = {k: i for i, k in enumerate(LABELS)}
    attack = OnlineAttack(CLASSIFICATION, settings("deepwordbug", "pwws"), seed=5)
    rows, stats = attack(model, tokenizer, label2id, ROWS, 1, 32, "cpu")
    assert rows and stats["adversarial_rows"] == len(rows) and stats["attacked"] == len(ROWS)
    assert rows == attack(model, tokenizer, label2id, ROWS, 1, 32, "cpu")[0]  # same weights, same examples
    assert rows != attack(model, tokenizer, label2id, ROWS, 2, 32, "cpu")[0]  # another epoch draws anew
    import torch

    parents = {r["id"]: r for r in ROWS}
    with torch.inference_mode():
        for row in rows:
            parent = parents[row["parent_id"]]
            assert row["label"] == parent["label"] and row["source"].startswith("online:")
            changed = json.loads(row["params"])["changed_words"]
            assert changed and len(row["text"].split()) == len(parent["text"].split())
            logits = model(**tokenizer([row["text"]], return_tensors="pt")).logits[0]
            assert LABELS[int(logits.argmax())] != row["label"], "an online example fools the model it was made on"
    assert not any(p.grad is not None for p in model.parameters()), "word importance leaves parameter gradients alone"


def test_word_importance_is_one_score_per_word(classifier):
    model, tokenizer = classifier
    scores = word_importance(CLASSIFICATION, model, tokenizer, {k: i for i, k in enumerate(LABELS)}, ROWS[:5], 32, 2, "cpu")
    assert [len(s) for s in scores] == [len(r["text"].split()) for r in ROWS[:5]]
    assert all(v >= 0 for s in scores for v in s) and any(v > 0 for s in scores for v in s)


NER_ROWS = [{"id": f"s{i}", "tokens": t, "tags": g} for i, (t, g) in enumerate([
    (["John", "Smith", "visited", "Paris", "on", "a", "sunny", "day"], ["B-PER", "I-PER", "O", "B-LOC", "O", "O", "O", "O"]),
    (["The", "film", "by", "Acme", "Corp", "was", "boring"], ["O", "O", "O", "B-ORG", "I-ORG", "O", "O"]),
    (["Mary", "went", "to", "Berlin", "and", "Rome", "yesterday"], ["B-PER", "O", "O", "B-LOC", "O", "B-LOC", "O"]),
    (["Globex", "hired", "Anna", "Lee", "in", "London"], ["B-ORG", "O", "B-PER", "I-PER", "O", "B-LOC"]),
] * 3)]
NER_LABELS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]


def test_online_ner_examples_keep_every_gold_entity(tmp_path):
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    folder = build_tiny_bert(tmp_path / "ner", [" ".join(r["tokens"]) for r in NER_ROWS], head="ner",
                             num_labels=len(NER_LABELS), id2label=dict(enumerate(NER_LABELS)),
                             label2id={k: i for i, k in enumerate(NER_LABELS)}, seed=2, initializer_range=0.5,
                             whole_words=True)
    model, tokenizer = AutoModelForTokenClassification.from_pretrained(folder).eval(), AutoTokenizer.from_pretrained(folder)
    attack = OnlineAttack(NER, settings("deepwordbug"), seed=3)
    rows, _ = attack(model, tokenizer, {k: i for i, k in enumerate(NER_LABELS)}, NER_ROWS, 1, 32, "cpu")
    assert rows, "a random tiny tagger is easy to fool"
    parents = {r["id"]: r for r in NER_ROWS}
    for row in rows:
        parent = parents[row["parent_id"]]
        assert row["tags"] == parent["tags"] and len(row["tokens"]) == len(parent["tokens"])
        assert iob.invalid_positions(row["tags"]) == []
        changed = [i for i, (a, b) in enumerate(zip(parent["tokens"], row["tokens"])) if a != b]
        assert changed and all(parent["tags"][i] == "O" for i in changed), "only O words are edited"
    assert rows == attack(model, tokenizer, {k: i for i, k in enumerate(NER_LABELS)}, NER_ROWS, 1, 32, "cpu")[0]


def test_the_trainer_adds_each_epochs_rows_from_its_start_epoch(tmp_path):
    folder = str(build_tiny_bert(tmp_path / "cls", sentences(40) + WORDS, head="cls", num_labels=2, seed=3,
                                 initializer_range=0.5, whole_words=True))
    made = []

    def make(model, tokenizer, label2id, epoch):
        extra = [{**r, "id": f"{r['id']}~{epoch}"} for r in ROWS[:6]]
        made.append(epoch)
        return extra, {"epoch": epoch, "adversarial_rows": len(extra)}

    cfg = train_config(epochs=3, batch_size=4, lr=1e-3, max_length=32, patience=0, seed=5)
    plain = train("classification", ROWS, ROWS[:8], LABELS, folder, cfg, tmp_path / "a", tmp_path / "ca")
    online = train("classification", ROWS, ROWS[:8], LABELS, folder, cfg, tmp_path / "b", tmp_path / "cb",
                   epoch_rows=EpochRows(make, start_epoch=1, max_rows=6))
    assert made == [1, 2] and [s["epoch"] for s in online["online"]] == [1, 2]
    assert plain["steps"] == 3 * 6 and online["steps"] == 6 + 2 * 8  # 24 rows, then 24 + 6 a epoch, batches of 4
    assert "online" not in plain


def test_the_schedule_is_sized_by_the_most_rows_an_epoch_can_add():
    # one example per attacked row and recipe at most, and the ratio's cap
    assert settings("deepwordbug", max_examples=300).max_rows(3000) == 300
    assert settings("deepwordbug", "glove_swap", max_examples=300).max_rows(600) == 600
    assert settings("deepwordbug", "glove_swap", max_examples=300, ratio=0.5).max_rows(600) == 300
