"""Adversarial training correctness on tiny models built in-process (no downloads)."""

from __future__ import annotations

import pytest
import torch

from conftest import perturbation
from robust_train.adversarial import adversarial_step, perturbed_embeddings, project
from robust_train.data import collate
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert

CLASSIFICATION, NER = task_for("classification"), task_for("ner")

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early",
         "the script is clever and moving", "bad", "a fine film", "terrible ending to a good story"] * 2
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg"] * 2


@pytest.fixture(scope="module")
def tiny_cls(tmp_path_factory):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = build_tiny_bert(tmp_path_factory.mktemp("cls"), TEXTS, head="cls", num_labels=2,
                           hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return AutoTokenizer.from_pretrained(path), lambda: AutoModelForSequenceClassification.from_pretrained(path)


def batch_of(tokenizer, rows):
    enc = CLASSIFICATION.encode(rows, tokenizer, {"neg": 0, "pos": 1}, max_length=32)
    return collate(enc.features, tokenizer.pad_token_id)


ROWS = [{"id": str(i), "text": t, "text_pair": None, "label": l} for i, (t, l) in enumerate(zip(TEXTS, LABELS))]
METHODS = [perturbation("none"), perturbation("fgm", epsilon=0.5),
           perturbation("pgd", epsilon=0.5, alpha=0.2, steps=3), perturbation("freelb", epsilon=0.5, alpha=0.2, steps=2),
           perturbation("pgd", epsilon=0.05, alpha=0.03, steps=2, norm="linf")]


def run_step(model, batch, cfg, scale=1.0):
    def loss_fn():
        return model(**batch).loss

    shape = torch.Size([*batch["input_ids"].shape, model.get_input_embeddings().embedding_dim])
    return adversarial_step(model, loss_fn, shape, batch["attention_mask"], cfg, scale=scale)


def grads(model):
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


@pytest.mark.parametrize("cfg", METHODS, ids=lambda c: f"{c.method}-{c.norm}")
def test_gradient_accumulation_2x8_equals_batch_16(tiny_cls, cfg):
    tokenizer, make = tiny_cls
    torch.manual_seed(0)
    full = make()
    run_step(full, batch_of(tokenizer, ROWS), cfg)
    torch.manual_seed(0)
    halves = make()
    for part in (ROWS[:8], ROWS[8:]):
        run_step(halves, batch_of(tokenizer, part), cfg, scale=0.5)
    a, b = grads(full), grads(halves)
    assert a.keys() == b.keys() and len(a) > 10
    for name in a:
        torch.testing.assert_close(a[name], b[name], rtol=1e-4, atol=1e-6, msg=name)


@pytest.mark.parametrize("cfg", METHODS[1:], ids=lambda c: f"{c.method}-{c.norm}")
def test_embeddings_are_bit_exact_after_a_step_and_when_the_forward_raises(tiny_cls, cfg):
    tokenizer, make = tiny_cls
    model = make()
    weights = model.get_input_embeddings().weight.detach().clone()
    run_step(model, batch_of(tokenizer, ROWS[:4]), cfg)
    assert torch.equal(model.get_input_embeddings().weight, weights)
    assert not model.get_input_embeddings()._forward_hooks

    def broken():
        raise RuntimeError("forward failed")

    with pytest.raises(RuntimeError):
        adversarial_step(model, broken, torch.Size([1, 3, 32]), torch.ones(1, 3), cfg)
    assert not model.get_input_embeddings()._forward_hooks
    assert torch.equal(model.get_input_embeddings().weight, weights)


def test_none_matches_a_plain_reference_loop(tiny_cls):
    tokenizer, make = tiny_cls
    batch = batch_of(tokenizer, ROWS[:8])
    torch.manual_seed(0)
    ours = make()
    run_step(ours, batch, perturbation("none"))
    torch.manual_seed(0)
    ref = make()
    ref(**batch).loss.backward()
    for (n, p), (_, q) in zip(ours.named_parameters(), ref.named_parameters()):
        assert torch.equal(p.grad, q.grad), n


def test_ascent_steps_leave_parameter_gradients_untouched(tiny_cls):
    """PGD's gradients = clean loss + final adversarial loss, nothing from the K-1 inner ascents."""
    tokenizer, make = tiny_cls
    batch = batch_of(tokenizer, ROWS[:8])
    cfg = perturbation("pgd", epsilon=0.5, alpha=0.2, steps=4)
    torch.manual_seed(0)
    model = make()
    deltas = []
    original = project

    def spy(delta, *args):
        out = original(delta, *args)
        deltas.append(out.detach().clone())
        return out

    import robust_train.adversarial as adv
    adv.project = spy
    try:
        run_step(model, batch, cfg)
    finally:
        adv.project = original
    torch.manual_seed(0)
    ref = make()
    ref(**batch).loss.backward()
    with perturbed_embeddings(ref, deltas[-1]):
        ref(**batch).loss.backward()
    assert len(deltas) == cfg.steps
    for (n, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-5, atol=1e-7, msg=n)


@pytest.mark.parametrize("norm, eps", [("l2", 0.3), ("linf", 0.01)])
def test_pgd_keeps_delta_within_epsilon_and_off_padding(norm, eps):
    torch.manual_seed(0)
    delta = torch.randn(4, 6, 8) * 5
    mask = torch.tensor([[1] * 6, [1] * 3 + [0] * 3, [1] * 5 + [0], [1, 0, 0, 0, 0, 0]])
    out = project(delta, eps, norm, mask)
    size = out.flatten(1).norm(dim=1) if norm == "l2" else out.flatten(1).abs().amax(dim=1)
    assert (size <= eps + 1e-6).all()
    assert (out[mask == 0] == 0).all()


def test_skips_the_attack_when_the_gradient_is_not_usable(tiny_cls):
    tokenizer, make = tiny_cls
    model = make()
    batch = batch_of(tokenizer, ROWS[:2])

    def constant_loss():  # no gradient reaches delta
        model(**batch)
        return torch.tensor(1.0, requires_grad=True) * 1.0

    stats = adversarial_step(model, constant_loss, torch.Size([*batch["input_ids"].shape, 32]), batch["attention_mask"],
                             perturbation("fgm"))
    assert stats.skipped and stats.adv_loss is None


@pytest.mark.parametrize("cfg", METHODS[1:], ids=lambda c: f"{c.method}-{c.norm}")
def test_steps_under_bf16_autocast_keep_fp32_perturbations_and_gradients(tiny_cls, cfg):
    """The GPU path runs the forward under autocast (bf16); CPU autocast has the same dtype rules:
    the hook adds an fp32 delta to the embedding output, ascents and parameter grads stay fp32 and
    finite, and the step's losses are close to the fp32 ones."""
    tokenizer, make = tiny_cls
    batch = batch_of(tokenizer, ROWS)
    stats = {}
    for precision in ("fp32", "bf16"):
        torch.manual_seed(0)
        model = make()
        shape = torch.Size([*batch["input_ids"].shape, model.get_input_embeddings().embedding_dim])

        def loss_fn(model=model, precision=precision):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                return model(**batch).loss.float()

        stats[precision] = adversarial_step(model, loss_fn, shape, batch["attention_mask"], cfg)
        assert not stats[precision].skipped and stats[precision].adv_loss is not None
        assert all(p.grad.dtype == torch.float32 and torch.isfinite(p.grad).all()
                   for p in model.parameters() if p.grad is not None)
    assert stats["bf16"].clean_loss == pytest.approx(stats["fp32"].clean_loss, rel=0.05)
    assert stats["bf16"].adv_loss == pytest.approx(stats["fp32"].adv_loss, rel=0.05)
    assert stats["bf16"].delta_norm == pytest.approx(stats["fp32"].delta_norm, rel=0.05)


def test_ner_alignment_labels_first_piece_only(tmp_path):
    from transformers import AutoTokenizer

    path = build_tiny_bert(tmp_path / "t", ["the cat sat", "ann met bo"], head="ner", vocab_size=40)
    tokenizer = AutoTokenizer.from_pretrained(path)
    labels = NER.model_labels(["PER"])
    label2id = {l: i for i, l in enumerate(labels)}
    row = {"tokens": ["Catnet", "met", "Bo", "sat"], "tags": ["B-PER", "O", "B-PER", "O"]}  # cat ##n ##e ##t
    enc = NER.encode([row], tokenizer, label2id, max_length=64)
    word_ids, got = enc.word_ids[0], enc.features[0]["labels"]
    assert sum(1 for w in word_ids if w == 0) > 1  # "Catnet" splits into several pieces
    firsts = {w: i for i, w in reversed(list(enumerate(word_ids))) if w is not None}
    for i, (w, lab) in enumerate(zip(word_ids, got)):
        if w is None or firsts[w] != i:
            assert lab == -100
        else:
            assert lab == label2id[row["tags"][w]]
    short = NER.encode([row], tokenizer, label2id, max_length=4)
    assert short.truncated_words >= 1
