"""Existing models (config `existing_models`): labels renamed and checked against the dataset's,
the task read from the saved architecture, a fingerprint that follows the files, and the DAG-time
checks that name the entry and the fix."""

from __future__ import annotations

import json
import os

import pytest

from experiments.environment import environment_problems
from robustflow.errors import ConfigError
from models.existing import fingerprint, load_model, model_spec, saved_task
from models.labels import relabel
from robustflow.tasks import task_for
from conftest import minimal_config
from tiny_models import build_tiny_bert

CORPUS = ["a good film", "a bad film", "great acting", "dull plot"]


@pytest.fixture(scope="module")
def hub_style_classifier(tmp_path_factory):
    """A classifier whose labels are named the way hub models often are: LABEL_0, LABEL_1."""
    folder = tmp_path_factory.mktemp("existing")
    return build_tiny_bert(folder, CORPUS, head="cls", num_labels=2, id2label={0: "LABEL_0", 1: "LABEL_1"},
                           label2id={"LABEL_0": 0, "LABEL_1": 1}, whole_words=True)


def clean_report(tmp_path, labels):
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"labels": labels}))
    return path


def test_label_map_renames_the_models_labels_to_the_datasets(tmp_path, hub_style_classifier):
    spec = model_spec(str(hub_style_classifier), {"label_map": {"LABEL_0": "neg", "LABEL_1": "pos"}})
    trained = load_model(task_for("classification"), spec, clean_report(tmp_path, ["neg", "pos"]))
    assert trained.id2label == {0: "neg", 1: "pos"} and trained.label2id == {"neg": 0, "pos": 1}


def test_labels_that_do_not_match_name_both_sides_and_the_fix(tmp_path, hub_style_classifier):
    spec = model_spec(str(hub_style_classifier), {})
    with pytest.raises(ConfigError) as err:
        load_model(task_for("classification"), spec, clean_report(tmp_path, ["neg", "pos"]))
    message = str(err.value)
    assert "the dataset has 'neg', 'pos', which the model cannot predict" in message
    assert "the model predicts 'LABEL_0', 'LABEL_1', which the dataset does not have" in message
    assert str(hub_style_classifier) in message and "label_map" in message


@pytest.mark.parametrize("label_map, expected", [
    ({"LABEL_0": "neg", "LABEL_1": "neg"}, r"several model labels become 'neg'"),
    ({"LABEL_7": "neg"}, r"`label_map` names 'LABEL_7', which the model does not have"),
    ({"LABEL_0": "neg"}, r"the model predicts 'LABEL_1', which the dataset does not have"),
])
def test_label_maps_that_cannot_work_are_refused(label_map, expected):
    with pytest.raises(ConfigError, match=expected):
        relabel({0: "LABEL_0", 1: "LABEL_1"}, label_map, ["neg", "pos"], "model m")


def test_ner_labels_are_checked_as_iob2_tags():
    task = task_for("ner")
    tags = {0: "O", 1: "B-PER", 2: "I-PER", 3: "B-LOC", 4: "I-LOC"}
    assert relabel(tags, {}, task.model_labels(["LOC", "PER"]), "m") == tags
    with pytest.raises(ConfigError, match=r"the dataset has 'B-ORG', 'I-ORG', which the model cannot predict"):
        relabel(tags, {}, task.model_labels(["LOC", "ORG", "PER"]), "m")


def test_the_task_comes_from_the_saved_architecture(tmp_path, hub_style_classifier):
    assert saved_task(hub_style_classifier) == "classification"
    tagger = build_tiny_bert(tmp_path / "tagger", CORPUS, head="ner", num_labels=3, whole_words=True)
    assert saved_task(tagger) == "ner"
    assert saved_task(build_tiny_bert(tmp_path / "mlm", CORPUS, whole_words=True)) is None  # no task head


def test_dag_checks_name_a_missing_folder_and_a_model_of_another_task(tmp_path, validated):
    tagger = build_tiny_bert(tmp_path / "tagger", CORPUS, head="ner", num_labels=3, whole_words=True)
    source = tmp_path / "train.csv"
    source.write_text("text,label\na good film,pos\n")
    config = minimal_config(source={"files": {"train": str(source)}})
    config.update(model={"name_or_path": str(tagger)}, existing_models={
        "gone": {"name_or_path": str(tmp_path / "no" / "such" / "model")}, "tagger": {"name_or_path": str(tagger)}})
    problems = "\n".join(environment_problems(validated(config)))
    assert f"`existing_models.gone.name_or_path`: the model folder {tmp_path / 'no' / 'such' / 'model'} does not exist" \
        in problems
    assert (f"`existing_models.tagger.name_or_path`: {tagger} is a ner model (its config.json architecture), but the "
            "experiment's `task` is classification") in problems


def test_the_fingerprint_follows_the_files(tmp_path, hub_style_classifier):
    first = fingerprint(str(hub_style_classifier))
    assert fingerprint(str(hub_style_classifier)) == first
    weights = next(p for p in hub_style_classifier.iterdir() if p.suffix == ".safetensors")
    st = weights.stat()
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # the weights replaced
    assert fingerprint(str(hub_style_classifier)) != first
    assert fingerprint("owner/model") == "owner/model"  # a hub id stands for itself
