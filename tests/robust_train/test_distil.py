"""Distillation: the loss against a hand computation, the soft labels on the first sub-words, a
smaller student, a student that learns its teacher's (not the gold) labels, the teacher's outputs."""

from __future__ import annotations

import json
import math

import pytest
import torch

from conftest import train_config
from robust_train.data import collate
from robust_train.distil import DistilSettings, attach_targets, distillation_loss, keep_layers, kept_layers
from robust_train.trainer import train
from robustflow.tasks import IGNORE, task_for
from tiny_models import build_tiny_bert

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early",
         "the script is clever and moving", "bad and boring", "a fine film", "terrible ending"]


def softmax(xs, t=1.0):
    e = [math.exp(x / t) for x in xs]
    return [v / sum(e) for v in e]


def test_the_loss_equals_a_hand_computed_case():
    logits = torch.tensor([[2.0, 0.0], [0.5, 1.5]])
    labels = torch.tensor([0, 0])
    teacher = torch.tensor([[0.2, 0.8], [0.6, 0.4]])
    mask = torch.tensor([1, 0])  # the second row has no teacher: gold only
    t, alpha = 2.0, 0.25
    # row 1: alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE
    target = softmax([math.log(0.2), math.log(0.8)], t)
    student = softmax([2.0, 0.0], t)
    kl = sum(p * (math.log(p) - math.log(q)) for p, q in zip(target, student)) * t * t
    ce1 = -math.log(softmax([2.0, 0.0])[0])
    ce2 = -math.log(softmax([0.5, 1.5])[0])
    expected = ((alpha * kl + (1 - alpha) * ce1) + ce2) / 2
    assert distillation_loss(logits, labels, teacher, mask, t, alpha).item() == pytest.approx(expected, rel=1e-6)
    # temperature 1, alpha 1: the plain KL to the teacher; a teacher that agrees with the student costs 0
    same = torch.softmax(logits, -1)
    assert distillation_loss(logits, labels, same, torch.ones(2), 1.0, 1.0).item() == pytest.approx(0.0, abs=1e-6)


def test_a_transfer_row_trains_on_the_teacher_alone_whatever_alpha():
    logits = torch.tensor([[2.0, 0.0], [0.5, 1.5]])
    labels = torch.tensor([0, 0])
    teacher = torch.tensor([[0.2, 0.8], [0.6, 0.4]])
    t = 2.0
    target = softmax([math.log(0.6), math.log(0.4)], t)
    student = softmax([0.5, 1.5], t)
    kl2 = sum(p * (math.log(p) - math.log(q)) for p, q in zip(target, student)) * t * t
    ce1 = -math.log(softmax([2.0, 0.0])[0])
    # the first row has no teacher (gold only), the second is a transfer row (its gold label unused)
    for alpha in (0.0, 0.5):
        loss = distillation_loss(logits, labels, teacher, torch.tensor([0, 2]), t, alpha)
        assert loss.item() == pytest.approx((ce1 + kl2) / 2, rel=1e-6)


def test_alpha_zero_is_the_models_own_loss_and_ignored_tokens_count_nowhere(tmp_path):
    path = build_tiny_bert(tmp_path / "ner", TEXTS, head="ner", num_labels=3)
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(path)
    ids = torch.tensor([[2, 10, 11, 12, 3], [2, 13, 14, 3, 0]])
    labels = torch.tensor([[IGNORE, 1, IGNORE, 2, IGNORE], [IGNORE, 0, 1, IGNORE, IGNORE]])
    out = model(input_ids=ids, attention_mask=(ids != 0).long(), labels=labels)
    teacher = torch.rand(2, 5, 3).softmax(-1)
    ones = torch.ones(2, 5)
    assert distillation_loss(out.logits, labels, teacher, ones, 3.0, 0.0).item() == pytest.approx(out.loss.item(), rel=1e-6)
    # what sits on ignored positions (sub-word pieces, padding) changes nothing
    noisy = teacher.clone()
    noisy[labels == IGNORE] = torch.tensor([1.0, 0.0, 0.0])
    assert distillation_loss(out.logits, labels, noisy, ones, 2.0, 0.7).item() == pytest.approx(
        distillation_loss(out.logits, labels, teacher, ones, 2.0, 0.7).item(), rel=1e-6)


def test_ner_soft_labels_sit_on_the_first_sub_word_of_each_word(tmp_path):
    from transformers import AutoTokenizer

    ner = task_for("ner")
    tokenizer = AutoTokenizer.from_pretrained(build_tiny_bert(tmp_path / "t", ["the cat sat", "ann met bo"], head="ner",
                                                              vocab_size=40))
    labels = ner.model_labels(["PER"])
    label2id = {label: i for i, label in enumerate(labels)}
    rows = [{"id": "a", "tokens": ["Catnet", "met", "Bo"], "tags": ["B-PER", "O", "B-PER"]},
            {"id": "b", "tokens": ["sat"], "tags": ["O"]}]
    dists = {"a": [[0.1, 0.7, 0.2], [0.8, 0.1, 0.1], [0.3, 0.3, 0.4]]}  # "b": not labelled (an online row)
    enc = ner.encode(rows, tokenizer, label2id, max_length=64)
    attach_targets(enc.features, rows, enc.word_ids, dists, len(labels))
    word_ids, feature = enc.word_ids[0], enc.features[0]
    assert sum(w == 0 for w in word_ids) > 1  # "Catnet" is several pieces
    firsts = {w: i for i, w in reversed(list(enumerate(word_ids))) if w is not None}
    for i, w in enumerate(word_ids):
        first = w is not None and firsts[w] == i
        assert feature["teacher_mask"][i] == int(first) == int(feature["labels"][i] != IGNORE)
        assert feature["teacher"][i] == (dists["a"][w] if first else [0.0, 0.0, 0.0])
    assert enc.features[1]["teacher_mask"] == [0] * len(enc.features[1]["labels"])
    batch = collate(enc.features, tokenizer.pad_token_id)  # pads with no teacher
    assert batch["teacher"].shape == (2, batch["input_ids"].shape[1], 3)
    assert batch["teacher_mask"].sum().item() == 3


def test_a_student_with_fewer_layers_saves_and_loads_as_the_smaller_model(tmp_path):
    from transformers import AutoModelForSequenceClassification

    assert kept_layers(6, 3) == [1, 3, 5] and kept_layers(6, 1) == [5] and kept_layers(12, 4) == [2, 5, 8, 11]
    path = build_tiny_bert(tmp_path / "m", TEXTS, head="cls", num_labels=2)  # 2 layers
    model = AutoModelForSequenceClassification.from_pretrained(path).eval()
    kept = [model.bert.encoder.layer[1]]
    assert keep_layers(model, 1) == [1]
    assert list(model.bert.encoder.layer) == kept and model.config.num_hidden_layers == 1
    model.save_pretrained(tmp_path / "small")
    again = AutoModelForSequenceClassification.from_pretrained(tmp_path / "small").eval()
    ids = torch.tensor([[2, 10, 11, 3]])
    assert len(again.bert.encoder.layer) == 1
    assert torch.equal(again(input_ids=ids).logits, model(input_ids=ids).logits)


def test_a_student_learns_its_teachers_labels_not_the_gold_ones(tmp_path):
    """With alpha 1 the gold labels play no part: a student of a fixed teacher that disagrees with
    the gold label on half the rows reproduces the teacher's predictions on them."""
    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 else "neg"} for i, t in enumerate(TEXTS)]
    teacher = {r["id"]: ([0.9, 0.1] if i < 4 else [0.1, 0.9]) for i, r in enumerate(rows)}  # neg for the first four
    taught = ["neg" if teacher[r["id"]][0] > 0.5 else "pos" for r in rows]
    dev = [{**r, "label": label} for r, label in zip(rows, taught)]  # the best epoch: the one closest to the teacher
    folder = build_tiny_bert(tmp_path / "cls", TEXTS, head="cls", num_labels=2, seed=1)
    cfg = train_config(epochs=40, batch_size=4, lr=3e-3, max_length=32, patience=0, seed=3, warmup_ratio=0.0)
    distil = DistilSettings(temperature=1.0, alpha=1.0, layers=1, teacher=teacher)
    metrics = train("classification", rows, dev, ["neg", "pos"], str(folder), cfg, tmp_path / "student",
                    tmp_path / "ckpt", test_rows=rows, distil=distil)
    from models.trained import load_trained
    from robust_train.predict import predict

    student = load_trained(task_for("classification"), tmp_path / "student")
    preds, _ = predict(student.model, student.tokenizer, rows, task_for("classification"), student.label2id,
                       student.id2label, 32, 8)
    assert preds == taught
    assert metrics["test"]["accuracy"] == 0.5  # the teacher is wrong on half of them, and so is its student
    assert metrics["distil"]["teacher_rows"] == len(rows) and metrics["distil"]["layers"] == [1]
    assert json.loads((tmp_path / "student/config.json").read_text())["num_hidden_layers"] == 1


def test_a_student_learns_the_teacher_on_transfer_rows_and_the_gold_labels_elsewhere(tmp_path):
    """alpha 0: the sampled rows train on their gold labels only, the transfer rows on the teacher's
    only; the teacher disagrees with the gold label on both kinds, and the student follows each."""
    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 else "neg"} for i, t in enumerate(TEXTS)]
    teacher = {r["id"]: ([0.9, 0.1] if i < 4 else [0.1, 0.9]) for i, r in enumerate(rows)}
    transfer = frozenset(r["id"] for r in rows[:4])
    expected = ["neg"] * 4 + [r["label"] for r in rows[4:]]
    dev = [{**r, "label": label} for r, label in zip(rows, expected)]
    folder = build_tiny_bert(tmp_path / "cls", TEXTS, head="cls", num_labels=2, seed=1)
    cfg = train_config(epochs=40, batch_size=4, lr=3e-3, max_length=32, patience=0, seed=3, warmup_ratio=0.0)
    distil = DistilSettings(temperature=1.0, alpha=0.0, layers=1, teacher=teacher, soft_only=transfer)
    metrics = train("classification", rows, dev, ["neg", "pos"], str(folder), cfg, tmp_path / "student",
                    tmp_path / "ckpt", test_rows=dev, distil=distil)
    assert metrics["test"]["accuracy"] == 1.0  # every row as its own source says, none as the other
    assert metrics["distil"]["transfer_rows"] == 4 and metrics["distil"]["teacher_rows"] == len(rows)


def test_an_ensemble_teacher_labels_each_row_with_its_members_mean_distribution(tmp_path):
    from models.existing import model_spec
    from robust_train.distil import teacher_outputs

    task = task_for("classification")
    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "LABEL_1"} for i, t in enumerate(TEXTS)]
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"labels": ["LABEL_0", "LABEL_1"]}))
    folders = [build_tiny_bert(tmp_path / f"m{seed}", TEXTS, head="cls", num_labels=2, seed=seed) for seed in (1, 2)]
    # one trained here (a folder the rules pass), one as an `existing_models` entry (with its fingerprint)
    specs = [model_spec(str(folders[0])), model_spec(str(folders[1]), {"name_or_path": str(folders[1])})]
    alone = [teacher_outputs(task, [spec], rows, str(report), 4, "cpu") for spec in specs]
    both = teacher_outputs(task, specs, rows, str(report), 4, "cpu")
    assert alone[0] != alone[1]
    for row in rows:
        expected = [(a + b) / 2 for a, b in zip(alone[0][row["id"]], alone[1][row["id"]])]
        assert both[row["id"]] == pytest.approx(expected) and sum(both[row["id"]]) == pytest.approx(1.0)


def test_a_checkpoint_of_another_teachers_labels_is_not_resumed():
    same_rows = {"a": [0.9, 0.1]}
    assert DistilSettings(2.0, 0.5, None, same_rows).fingerprint() == DistilSettings(2.0, 0.5, None, dict(same_rows)).fingerprint()
    assert DistilSettings(2.0, 0.5, None, same_rows).fingerprint() != DistilSettings(2.0, 0.5, None, {"a": [0.8, 0.2]}).fingerprint()
    assert DistilSettings(2.0, 0.5, None, same_rows).fingerprint() != DistilSettings(2.0, 0.7, None, same_rows).fingerprint()


def test_an_ascc_student_trains_inside_substitution_sets_on_transfer_rows_towards_the_teacher(tmp_path):
    """ASCC's adversarial term is the student's own loss on the perturbed rows: on a transfer row the
    teacher's distribution, so the substitution sets of unlabelled rows train too. The teacher
    disagrees with the gold label on the transfer rows, and the student follows it there."""
    from conftest import perturbation

    rows = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 else "neg"} for i, t in enumerate(TEXTS)]
    teacher = {r["id"]: ([0.9, 0.1] if i < 4 else [0.1, 0.9]) for i, r in enumerate(rows)}
    transfer = frozenset(r["id"] for r in rows[:4])
    expected = ["neg"] * 4 + [r["label"] for r in rows[4:]]
    dev = [{**r, "label": label} for r, label in zip(rows, expected)]
    folder = build_tiny_bert(tmp_path / "cls", TEXTS + ["movie", "picture", "dependable", "beneficial"], head="cls",
                             num_labels=2, seed=1)
    ascc = perturbation("ascc", substitutes=4)
    cfg = train_config(epochs=25, batch_size=4, lr=3e-3, max_length=32, patience=0, seed=3, warmup_ratio=0.0,
                       adversarial=ascc)
    distil = DistilSettings(temperature=1.0, alpha=0.0, layers=1, teacher=teacher, soft_only=transfer)
    metrics = train("classification", rows, dev, ["neg", "pos"], str(folder), cfg, tmp_path / "student",
                    tmp_path / "ckpt", test_rows=dev, distil=distil)
    assert metrics["method"] == "ascc" and metrics["distil"]["transfer_rows"] == 4
    attacked = [step for step in metrics["curve"] if not step["attack_skipped"]]
    assert len(attacked) == len(metrics["curve"]) and all(step["delta_norm"] > 0 for step in attacked)
    assert metrics["test"]["accuracy"] == 1.0  # the transfer rows as the teacher says, the others as gold
