"""Decoder LMs as classifiers and taggers, and LoRA on encoders and decoders: tiny models built
in-process from their config classes, trained for real with FGM and PGD."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from conftest import perturbation, train_config
from robust_train.adversarial import adversarial_step
from robust_train.data import collate
from robust_train.lora import LoraSettings, with_lora
from robust_train.trainer import train
from robustflow.errors import ConfigError
from models.pretrained import load_for_training
from models.trained import load_trained
from robustflow.tasks import task_for
from tiny_models import build_tiny_bert, build_tiny_decoder

TEXTS = ["the film is good", "a dull and tired plot", "wonderful acting all round", "we left early",
         "the script is clever and moving", "bad and boring", "a fine film", "terrible ending"]
CLS = [{"id": f"r{i}", "text": t, "text_pair": None, "label": "pos" if i % 2 == 0 else "neg"} for i, t in enumerate(TEXTS * 3)]
NER = [{"id": f"n{i}", "tokens": ["ann", "met", "bo", "in", "oslo"], "tags": ["B-PER", "O", "B-PER", "O", "B-LOC"]}
       for i in range(12)]
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
CORPUS = TEXTS + ["ann met bo in oslo"]
LORA = LoraSettings(r=4, alpha=8, dropout=0.0, target_modules=None)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {"llama": str(build_tiny_decoder(root / "llama", CORPUS, "llama")),
            "qwen2": str(build_tiny_decoder(root / "qwen2", CORPUS, "qwen2")),
            "mistral": str(build_tiny_decoder(root / "mistral", CORPUS, "mistral")),
            "bert": str(build_tiny_bert(root / "bert", CORPUS, head="mlm"))}


def cfg(method="fgm", **kw):
    settings = {"fgm": dict(epsilon=0.5), "pgd": dict(epsilon=0.5, alpha=0.2, steps=2)}[method]
    base = dict(epochs=2, batch_size=4, lr=1e-3, max_length=32, patience=0, seed=5,
                adversarial=perturbation(method, **settings))
    return train_config(**{**base, **kw})


def logits(trained, texts):
    enc = trained.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        return trained.model(**enc).logits


@pytest.mark.parametrize("arch", ["llama", "qwen2", "mistral"])
def test_a_decoder_without_pad_token_classifies_with_right_padding(models, arch):
    task = task_for("classification")
    tokenizer, model, _, _, _ = load_for_training(task, models[arch], ["neg", "pos"])
    assert tokenizer.pad_token == tokenizer.eos_token and model.config.pad_token_id == tokenizer.eos_token_id
    assert tokenizer.padding_side == "right", "the shipped tokenizer pads left; positions must not shift"
    assert "token_type_ids" not in tokenizer("a fine film")
    model.eval()
    texts = ["a fine film", "the script is clever and moving"]
    alone = [model(**tokenizer(t, return_tensors="pt")).logits for t in texts]
    batch = model(**tokenizer(texts, padding=True, return_tensors="pt")).logits
    for i in range(len(texts)):  # the head pools each row's last real token, not the padding
        assert torch.allclose(batch[i], alone[i][0], atol=1e-5), arch


@pytest.mark.parametrize("method", ["fgm", "pgd"])
def test_a_decoder_classifier_trains_adversarially_and_reloads(models, tmp_path, method):
    metrics = train("classification", CLS, CLS[:8], ["neg", "pos"], models["llama"], cfg(method), tmp_path / "model",
                    tmp_path / "ckpt")
    assert metrics["steps"] == 12 and all(step["adv_loss"] is not None and step["delta_norm"] > 0 for step in metrics["curve"])
    trained = load_trained(task_for("classification"), tmp_path / "model")
    assert trained.tokenizer.pad_token is not None and trained.model.config.pad_token_id is not None
    assert trained.labels == ["neg", "pos"]
    again = train("classification", CLS, CLS[:8], ["neg", "pos"], models["llama"], cfg(method), tmp_path / "again",
                  tmp_path / "ckpt2")
    assert again["curve"] == metrics["curve"], "same seed, same decoder training"


def test_a_decoder_tagger_trains_with_pgd_and_scores_entities(models, tmp_path):
    metrics = train("ner", NER, NER[:4], NER_LABELS, models["qwen2"], cfg("pgd", epochs=3, lr=5e-3), tmp_path / "model",
                    tmp_path / "ckpt", test_rows=NER[:4])
    assert {"f1", "precision", "recall"} <= set(metrics["test"])
    assert metrics["curve"][-1]["clean_loss"] < metrics["curve"][0]["clean_loss"]
    trained = load_trained(task_for("ner"), tmp_path / "model")
    assert type(trained.model).__name__ == "Qwen2ForTokenClassification"


@pytest.mark.parametrize("arch,task_name", [("bert", "classification"), ("llama", "classification"), ("qwen2", "ner")])
def test_lora_trains_adapters_and_head_only_and_fgm_still_gets_gradients(models, arch, task_name):
    task = task_for(task_name)
    labels = ["neg", "pos"] if task_name == "classification" else NER_LABELS
    tokenizer, model, label2id, _, new_modules = load_for_training(task, models[arch], labels)
    assert any(m.endswith(("classifier", "score")) for m in new_modules), new_modules
    model = with_lora(model, task, LORA, also_train=new_modules)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n or any(f"{m}." in n for m in new_modules) for n in trainable), trainable
    assert not any("lora_" not in n and ("query" in n or "q_proj" in n) for n in trainable), "attention weights frozen"
    embeddings = model.get_input_embeddings()
    assert not embeddings.weight.requires_grad, "the embedding layer is frozen under LoRA"
    rows = CLS[:4] if task_name == "classification" else NER[:4]
    features = task.encode(rows, tokenizer, label2id, 32).features
    batch = collate(features, tokenizer.pad_token_id)
    shape = torch.Size([*batch["input_ids"].shape, embeddings.embedding_dim])
    stats = adversarial_step(model, lambda: model(**batch).loss, shape, batch["attention_mask"],
                             perturbation("fgm", epsilon=0.5))
    assert not stats.skipped and stats.delta_norm > 0 and stats.adv_loss != stats.clean_loss
    assert all(p.grad is not None for n, p in model.named_parameters() if "lora_B" in n)
    assert embeddings.weight.grad is None


@pytest.mark.parametrize("arch", ["bert", "llama"])
def test_a_lora_model_is_saved_merged_and_as_an_adapter_and_both_load_alike(models, tmp_path, arch):
    run = dataclasses.replace(cfg("pgd"), lora=LORA)
    metrics = train("classification", CLS, CLS[:8], ["neg", "pos"], models[arch], run, tmp_path / "model", tmp_path / "ckpt",
                    test_rows=CLS[:8])
    adapter = tmp_path / "model" / "adapter"
    assert (adapter / "adapter_config.json").is_file() and (adapter / "adapter_model.safetensors").is_file()
    assert json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"] == models[arch]
    merged_bytes = (tmp_path / "model" / "model.safetensors").stat().st_size
    assert (adapter / "adapter_model.safetensors").stat().st_size < merged_bytes / 2
    assert "lora" not in json.dumps(json.loads((tmp_path / "model" / "config.json").read_text())).lower()
    task = task_for("classification")
    merged, from_adapter = load_trained(task, tmp_path / "model"), load_trained(task, adapter)
    assert from_adapter.labels == merged.labels == ["neg", "pos"]
    texts = ["a fine film", "we left early and bored"]
    assert torch.allclose(logits(merged, texts), logits(from_adapter, texts), atol=1e-5)
    assert metrics["test"]["accuracy"] >= 0.0 and metrics["steps"] == 12


def test_lora_on_unknown_modules_names_the_fix(models):
    task = task_for("classification")
    _, model, _, _, _ = load_for_training(task, models["bert"], ["neg", "pos"])
    with pytest.raises(ConfigError, match=r"model.lora.target_modules"):
        with_lora(model, task, LoraSettings(r=4, alpha=8, dropout=0.0, target_modules=("no_such_proj",)))


@pytest.mark.workflow
def test_the_tiny_workflow_on_a_decoder_with_lora_fgm_and_pgd(tmp_path):
    """The whole chain (augmentation, training, attacks, suites, report) on a tiny Llama with LoRA;
    then its adapter folder, evaluated as an existing model, scores as the merged model did."""
    import csv

    from conftest import REPO, absolutise, repo_config, run_snakemake

    with open(REPO / "data/fixtures/tiny_classification/train.csv", encoding="utf-8") as f:
        corpus = [row["sentence"] for row in csv.DictReader(f)]
    decoder = build_tiny_decoder(tmp_path / "tiny-llama", corpus, "llama", vocab_size=300)
    work = tmp_path / "work"
    work.mkdir()
    cfg = absolutise(repo_config("tiny_classification"))
    cfg["model"] = {"name_or_path": str(decoder), "max_length": 32, "lora": {"r": 4, "alpha": 8}}
    cfg["augment"]["augmenters"] = {"typos": cfg["augment"]["augmenters"]["typos"]}
    cfg["train"].update(methods=["none", "fgm", "pgd"], trainsets=["clean"], lr=1e-3)
    cfg["attack"] = {"recipes": {"deepwordbug": {"type": "deepwordbug"}}, "shards": 1, "evaluate": {"max_examples": 8}}
    cfg["evaluate"] = {"suites": {"typos": {"type": "keyboard", "word_p": 0.2}}}
    run_snakemake(work, cfg)
    res = work / "results"
    for method in ("none", "fgm", "pgd"):
        run = res / f"train/tiny/clean/{method}/seed7"
        assert (run / "model/adapter/adapter_config.json").is_file(), method
        assert json.loads((run / "model/config.json").read_text())["architectures"] == ["LlamaForSequenceClassification"]
        curve = json.loads((run / "metrics.json").read_text())["curve"]
        assert all((step["adv_loss"] is not None) == (method != "none") for step in curve), method
        evaluation = json.loads((res / f"evaluate/tiny/clean/{method}/seed7.json").read_text())
        assert evaluation["attacks"]["deepwordbug"]["examples"] > 0 and "typos" in evaluation["suites"]
    summary = json.loads((res / "report/summary.json").read_text())["datasets"]["tiny"]
    assert set(summary["variants"]) == {"clean/none", "clean/fgm", "clean/pgd"}

    adapter = res / "train/tiny/clean/pgd/seed7/model/adapter"
    cfg["existing_models"] = {"pgd_adapter": {"name_or_path": str(adapter)}}
    run_snakemake(work, cfg)
    merged = json.loads((res / "evaluate/tiny/clean/pgd/seed7.json").read_text())
    from_adapter = json.loads((res / "evaluate/tiny/existing/pgd_adapter.json").read_text())
    assert from_adapter["clean"] == merged["clean"], "the adapter on its base predicts as the merged model"
