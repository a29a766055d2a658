"""The parameters and file lists the rules hand their jobs (experiments/job_params.py), without
Snakemake: what reruns a training job, which files the report and the track job read."""

from __future__ import annotations

import copy
import re

import pytest

from experiments import job_params as jp
from robustflow.config import validate_config
from robustflow.errors import ConfigError
from conftest import repo_config


def config_with(**train) -> dict:
    cfg = repo_config("tiny_classification")
    cfg["train"].update(train)
    return validate_config(cfg)


def test_a_training_job_depends_on_its_own_method_settings_only():
    cfg = config_with(methods=["none", "fgm", "pgd"], trainsets=["clean"])
    fgm = jp.train_params(cfg, "clean", "fgm")["settings"]
    assert "fgm" in fgm and "pgd" not in fgm and "freelb" not in fgm
    assert not {"methods", "trainsets", "seeds", "online"} & set(fgm)
    plain = jp.train_params(cfg, "clean", "none")
    assert not {"fgm", "pgd", "freelb"} & set(plain["settings"]) and "method" not in plain


def test_ascc_trains_with_its_own_block_and_adding_it_reruns_nothing():
    before = config_with(methods=["none", "fgm"], trainsets=["clean"])
    cfg = config_with(methods=["none", "fgm", "ascc"], trainsets=["clean"])
    ascc = jp.train_params(cfg, "clean", "ascc")["settings"]
    assert ascc["ascc"] == {"source": "wordnet", "substitutes": 8, "steps": 2, "alpha": 2.0, "beta": 1.0, "ramp_epochs": 0, "vertices": False}
    assert "fgm" not in ascc
    for method in ("none", "fgm"):
        assert "ascc" not in jp.train_params(cfg, "clean", method)["settings"]
        assert jp.train_params(cfg, "clean", method) == jp.train_params(before, "clean", method)


def test_adding_a_seed_or_a_method_changes_no_existing_job():
    before = config_with(methods=["none"], seeds=[1])
    after = config_with(methods=["none", "pgd"], seeds=[1, 2])
    assert jp.train_params(before, "clean", "none") == jp.train_params(after, "clean", "none")
    changed = config_with(methods=["none"], seeds=[1], lr=before["train"]["lr"] * 2)
    assert jp.train_params(changed, "clean", "none") != jp.train_params(before, "clean", "none")


def test_a_sweep_point_trains_its_method_with_its_settings():
    cfg = repo_config("tiny_classification")
    cfg["sweep"] = {"method": "fgm", "grid": {"epsilon": [0.1, 0.5]}}
    cfg = validate_config(cfg)
    sweep = jp.sweep_of(cfg)
    point = next(name for name in sweep if "0.5" in name)
    params = jp.train_params(cfg, "clean", point)
    assert params["method"] == "fgm" and params["settings"]["fgm"]["epsilon"] == 0.5


def test_a_defended_method_carries_its_defence_and_online_its_recipes():
    cfg = repo_config("tiny_classification")
    cfg["defences"] = {"spell": {"spelling": {}}}
    cfg["train"].update(methods=["none+spell"], trainsets=["clean", "online"])
    cfg["train"]["online"] = {"recipes": ["deepwordbug"]}
    cfg["attack"]["recipes"] = {"deepwordbug": {"type": "deepwordbug"}}
    cfg = validate_config(cfg)
    params = jp.train_params(cfg, "clean", "none+spell")
    assert params["method"] == "none" and params["defence"]["name"] == "spell"
    online = jp.train_params(cfg, "online", "none+spell")
    assert list(online["online"]["recipes"]) == ["deepwordbug"]
    assert "online" not in params


def test_the_reference_is_the_baseline_unless_nothing_trains():
    cfg = config_with(methods=["none", "fgm"], seeds=[3])
    assert jp.reference(cfg) == jp.baseline(cfg) == {"trainset": "clean", "method": "none", "seed": 3}
    spec = jp.report_datasets(cfg)["tiny"]
    assert spec["baseline"] == "clean/none"
    assert all("/test/clean/none/seed3/" in path for path in spec["examples"].values())

    only_existing = copy.deepcopy(cfg)
    only_existing["train"]["methods"] = []
    only_existing["existing_models"] = {"theirs": {"name_or_path": "minilm", "label_map": None}}
    assert jp.reference(only_existing) == {"trainset": "existing", "method": "theirs", "seed": None}
    runs = jp.report_datasets(only_existing)["tiny"]["runs"]
    assert [r["method"] for r in runs] == ["theirs"] and runs[0]["metrics"] is None and runs[0]["model"]["name_or_path"] == "minilm"


def test_the_report_reads_every_run_and_only_the_reports_that_exist():
    cfg = config_with(methods=["none", "fgm"], trainsets=["clean"], seeds=[1, 2])
    spec = jp.report_datasets(cfg)["tiny"]
    assert len(spec["runs"]) == 4 and spec["adversarial_report"] is None and spec["repair_report"] is None
    files = jp.report_input_files(cfg)
    assert "results/evaluate/tiny/clean/fgm/seed2.json" in files
    assert "benchmarks/train/tiny/clean/fgm/seed2.timing.json" in files
    # every model's attacked test rows (the example browser) and the clean splits (the data fingerprint)
    assert {"results/attack/tiny/test/clean/fgm/seed2/pwws.jsonl", "results/clean/tiny/train.parquet"} <= set(files)
    assert len(files) == len(set(files))


def test_the_report_reads_the_reference_run_it_is_compared_with(tmp_path):
    cfg = config_with(methods=["none"], trainsets=["clean"])
    kept = tmp_path / "accepted/results/report"
    kept.mkdir(parents=True)
    (kept / "summary.json").write_text("{}")
    cfg["compare"] = {"reference": str(tmp_path / "accepted")}
    assert str(kept.resolve() / "summary.json") in jp.report_input_files(cfg)
    (kept / "outcomes.json").write_text("{}")
    assert str(kept.resolve() / "outcomes.json") in jp.report_input_files(cfg)
    assert jp.report_stages(cfg) == ["ingest", "clean", "augment", "perturb_suite", "attack_shard", "train", "evaluate"]
    cfg["augment"]["augmenters"], cfg["train"]["methods"] = {}, []
    assert jp.report_stages(cfg) == ["ingest", "clean", "perturb_suite", "attack_shard", "evaluate"]


def test_the_track_spec_logs_each_runs_training_params():
    cfg = config_with(methods=["none", "fgm"], trainsets=["clean"])
    spec = jp.track_spec(cfg, {"train": "a", "evaluate": "b"})
    runs = spec["datasets"]["tiny"]["runs"]
    assert [r["params"] for r in runs] == [jp.train_params(cfg, r["trainset"], r["method"]) for r in runs]
    files = jp.track_input_files(spec)
    assert "results/report/summary.json" in files and "results/clean/tiny/test.parquet" in files

    nothing = copy.deepcopy(cfg)
    nothing["train"]["methods"] = []
    assert jp.track_spec(nothing, {})["report"] is None


def distil_config(**student) -> dict:
    cfg = repo_config("tiny_classification")
    cfg["defences"] = {"spell": {"spelling": {}}}
    cfg["train"].update(methods=["none", "none+spell", "small", "small+spell"], trainsets=["clean", "augmented"],
                        seeds=[1, 2])
    cfg["distil"] = {"teachers": {"defended": {"variants": ["clean/none+spell"]},
                                  "ensemble": {"variants": ["clean/none", "clean/none+spell"], "seeds": "all"}},
                     "students": {"small": {"teacher": "defended", "method": "fgm", "layers": 3, **student}}}
    return validate_config(cfg)


def test_a_student_trains_its_own_method_with_its_teachers_settings_and_the_teacher_is_its_own_job():
    cfg = distil_config()
    params = jp.train_params(cfg, "augmented", "small+spell")
    assert params["method"] == "fgm" and "fgm" in params["settings"] and params["defence"]["name"] == "spell"
    assert params["distil"] == {"teacher": "defended", "temperature": 2.0, "alpha": 0.5, "layers": 3}
    assert "distil" not in jp.train_params(cfg, "clean", "none+spell")
    assert jp.student_teacher(cfg, "small+spell") == "defended" and jp.student_teacher(cfg, "none+spell") is None
    # the teacher of seed 2 is that seed's defended model; the ensemble takes every variant at every seed
    assert jp.teacher_model_dirs(cfg, "tiny", "defended", 2) == ["results/train/tiny/clean/none+spell/seed2/model"]
    assert len(jp.teacher_model_dirs(cfg, "tiny", "ensemble", 2)) == 4
    teach = jp.teach_params(cfg, "tiny", "defended", 2)
    assert [m["name_or_path"] for m in teach["models"]] == jp.teacher_model_dirs(cfg, "tiny", "defended", 2)
    # the student's settings are not the teacher's: changing them leaves the teach job's params alone
    other = distil_config(alpha=0.9, temperature=4.0, layers=2, method="none")
    assert jp.teach_params(other, "tiny", "defended", 2) == teach
    assert jp.train_params(other, "augmented", "small+spell") != params
    assert "teach" in jp.report_stages(cfg)


def test_a_student_trains_its_own_epochs_and_lr_and_other_jobs_keep_theirs():
    plain = distil_config()
    cfg = distil_config(epochs=6, lr=2e-4)
    params = jp.train_params(cfg, "clean", "small+spell")["settings"]
    assert (params["epochs"], params["lr"]) == (6, 2e-4)
    unset = jp.train_params(plain, "clean", "small")["settings"]
    assert (unset["epochs"], unset["lr"]) == (plain["train"]["epochs"], plain["train"]["lr"])
    for method in ("none", "none+spell"):  # the teacher's and the other variants' jobs are not rerun
        assert jp.train_params(cfg, "clean", method) == jp.train_params(plain, "clean", method)
    assert jp.train_params(plain, "clean", "small") == jp.train_params(distil_config(epochs=None), "clean", "small")


def test_a_student_with_a_transfer_set_has_every_training_row_labelled():
    sample = distil_config()
    cfg = distil_config(transfer="all")
    assert jp.train_params(cfg, "clean", "small")["distil"]["transfer"] == "all"
    assert "transfer" not in jp.train_params(sample, "clean", "small")["distil"]  # older students keep their jobs
    assert jp.teach_params(cfg, "tiny", "defended", 1)["max_train_samples"] is None
    assert jp.teach_params(sample, "tiny", "defended", 1)["max_train_samples"] == sample["train"]["max_train_samples"]
    # a teacher no transfer student uses still labels the sample only
    assert jp.teach_params(cfg, "tiny", "ensemble", 1)["max_train_samples"] == cfg["train"]["max_train_samples"]


def test_an_ascc_student_trains_with_train_ascc_and_its_teachers_labels():
    cfg = distil_config(method="ascc", transfer="all")
    params = jp.train_params(cfg, "clean", "small+spell")
    assert params["method"] == "ascc" and params["settings"]["ascc"]["source"] == "wordnet"
    assert "fgm" not in params["settings"] and params["distil"]["transfer"] == "all"


def test_a_student_has_its_own_method_settings_over_train_and_other_jobs_keep_theirs():
    plain = distil_config(method="ascc", transfer="all")
    cfg = distil_config(method="ascc", transfer="all", method_settings={"beta": 3.0, "source": "wordnet_forms"})
    ascc = jp.train_params(cfg, "clean", "small+spell")["settings"]["ascc"]
    assert (ascc["beta"], ascc["source"]) == (3.0, "wordnet_forms")
    assert {k: v for k, v in ascc.items() if k not in ("beta", "source")} == {
        k: v for k, v in cfg["train"]["ascc"].items() if k not in ("beta", "source")}  # the rest is train.ascc's
    assert cfg["train"]["ascc"]["beta"] == plain["train"]["ascc"]["beta"]  # not written back into train
    for method in ("none", "none+spell"):
        assert jp.train_params(cfg, "clean", method) == jp.train_params(plain, "clean", method)


@pytest.mark.parametrize("student, message", [
    ({"method": "ascc", "method_settings": {"bta": 3.0}}, "unknown key 'bta' (did you mean 'beta'?)"),
    ({"method": "ascc", "method_settings": {"source": "bert"}}, "`source`: 'bert' is not allowed"),
    ({"method": "none", "method_settings": {"beta": 3.0}}, "trains with method 'none', which has no settings"),
])
def test_a_students_method_settings_are_checked_against_its_methods_schema(student, message):
    with pytest.raises(ConfigError, match=re.escape("`distil.students.small.method_settings`")) as error:
        distil_config(**student)
    assert message in str(error.value)
